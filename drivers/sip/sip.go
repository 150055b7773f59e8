package sip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media/clock"
)

// Driver is the SIP driver: a user agent server on one address, UDP and TCP,
// that turns each INVITE into an inbound leg.
type Driver struct {
	cfg   Config
	log   *slog.Logger
	pub   *event.Client
	clock *clock.Clock                  // the core's media clock (Config.Clock)
	rb    *[clock.MaxWorkers]*readBatch // the clock workers' receive scratch
	// ownClock: the driver made clock (Config.Clock was nil) and runs it.
	ownClock bool
	ports    *portPool
	drops    dropLog
	limit    *sourceLimiter
	// callLimits bounds the calls each source may start and hold (limit_calls.go).
	callLimits *callLimiter
	gate       logGate // spaces log lines about one source's refused requests
	reg        *registrar
	guess      guessing   // digest failures by source and account (guess.go)
	nonces     *nonceUses // the uses of our nonces taken, against replays (nonce_use.go)
	// trusted are the peers whose From is believed (trust.go), mediaNets
	// where SDP may send our RTP besides its signalling's source
	// (media_addr.go).
	trusted, mediaNets prefixes
	// invites remembers the initial INVITEs taken (invite_seen.go).
	invites *seenInvites
	// ringing are Dial's INVITEs not answered yet, for Pickup (pickup.go).
	ringing ringings

	// parser is sipgo's, shared with the read filter, which tries it on
	// each UDP request first to answer those it cannot parse (unparsable).
	parser *siplib.Parser

	udp net.PacketConn
	tcp net.Listener
	// tcpGuard is tcp as sipgo serves it: connections capped per source and
	// timed out (tcp_guard.go).
	tcpGuard *tcpGuard
	host     netip.Addr // the listen host; unspecified when listening on all addresses
	port     int

	// mu guards the fields below it.
	mu        sync.Mutex
	dialogs   map[string]*leg                         // by dialog id, while the dialog's signalling lasts
	dialled   map[string]*dialLeg                     // outbound calls by dialog id (UAC view), once answered
	lines     []line                                  // index n-1 is line <name>/n; nil when free
	newClient func(netip.Addr) (*sipgo.Client, error) // while serving: Dial's INVITEs
	srv       *sipgo.Server                           // while serving: stateless sends (lateAck)
	ready     chan struct{}                           // closed once Serve has set up, or by Close
	calls     int                                     // legs not yet ended
	handler   telephony.Handler
	serving   context.Context
	stopping  bool // Serve is waiting for its goroutines: start no more
	served    bool
	wg        sync.WaitGroup // handler goroutines and BYE senders
}

// New checks cfg and binds its listen address over UDP and TCP, so a bad or
// busy address fails here, before anything is served. pub publishes call and
// line events (nil publishes none).
func New(cfg Config, pub *event.Client, log *slog.Logger) (*Driver, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.Listen == "" {
		return nil, errors.New("sip.listen: empty: want host:port")
	}
	setCompletedWait(cfg.CompletedWait)
	setUDPSize()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Driver{
		cfg:     cfg,
		log:     log.With("driver", cfg.Name),
		pub:     pub,
		clock:   cfg.Clock,
		rb:      newReadBatches(),
		dialogs: make(map[string]*leg),
		dialled: make(map[string]*dialLeg),
		ready:   make(chan struct{}),
		parser:  siplib.NewParser(),
	}
	if d.clock == nil {
		d.clock, d.ownClock = clock.New(d.log), true
	}
	d.reg = newRegistrar(cfg, d.log)
	d.guess = newGuessing(cfg.DigestThrottle)
	d.nonces = newNonceUses(maxNonceUses)
	d.trusted, d.mediaNets = parsePrefixes(cfg.TrustedPeers), parsePrefixes(cfg.MediaNetworks)
	d.invites = newSeenInvites()
	if d.callLimits, err = newCallLimiter(cfg); err != nil {
		return nil, err
	}
	d.limit = newSourceLimiter(cfg.SourceRate, cfg.SourceBurst, trunkAddrs(cfg.Trunk), d.log)
	d.limit.isPeer = d.callLimits.isPeer
	host, _, _ := net.SplitHostPort(cfg.Listen)
	if host != "" {
		d.host, _ = netip.ParseAddr(host)
		d.host = d.host.Unmap()
	} else {
		d.host = netip.IPv4Unspecified()
	}
	if err := d.listen(); err != nil {
		return nil, err
	}
	d.ports = newPortPool(d.host, cfg.RTPPortMin, cfg.RTPPortMax)
	trunk := trunkAddrs(cfg.Trunk)
	d.tcpGuard = newTCPGuard(d.tcp, cfg, func(a netip.Addr) bool {
		return slices.Contains(trunk, a) || d.callLimits.isPeer(a)
	}, &d.gate, d.log)
	return d, nil
}

// listen binds UDP and TCP on the same port; with port 0 it retries until
// both get the same free port.
func (d *Driver) listen() error {
	_, portText, _ := net.SplitHostPort(d.cfg.Listen)
	want, _ := strconv.Atoi(portText)
	var lastErr error
	for range 20 {
		udp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(d.host, uint16(want))))
		if err != nil {
			return fmt.Errorf("sip: listen udp %s: %w", d.cfg.Listen, err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.ListenTCP("tcp", net.TCPAddrFromAddrPort(netip.AddrPortFrom(d.host, uint16(port))))
		if err != nil {
			udp.Close()
			lastErr = err
			if want != 0 {
				break
			}
			continue
		}
		d.udp, d.tcp, d.port = udp, tcp, port
		return nil
	}
	return fmt.Errorf("sip: listen tcp %s: %w", d.cfg.Listen, lastErr)
}

// Name returns the driver's name.
func (d *Driver) Name() string { return d.cfg.Name }

// Addr returns the bound address, host:port, the same for UDP and TCP.
func (d *Driver) Addr() string {
	return netip.AddrPortFrom(d.host, uint16(d.port)).String()
}

// Close releases the listeners of a driver that was never served. Serve
// closes them itself when it returns.
func (d *Driver) Close() error {
	d.mu.Lock()
	served := d.served
	d.served = true
	d.mu.Unlock()
	if served {
		return nil
	}
	close(d.ready)
	return errors.Join(d.udp.Close(), d.tcp.Close())
}

// Serving is closed once Serve has set up and takes calls (or failed to, or
// Close came first): the daemon says it is ready only after.
func (d *Driver) Serving() <-chan struct{} { return d.ready }

// Serve answers SIP until ctx ends and hands every INVITE's leg to h in its
// own goroutine. Then it ends every call with CauseShutdown (BYE for answered
// calls, 503 for ringing ones), waits for the handlers, and closes the
// listeners.
func (d *Driver) Serve(ctx context.Context, h telephony.Handler) error {
	d.mu.Lock()
	if d.served {
		d.mu.Unlock()
		return errors.New("sip: already served or closed")
	}
	d.served, d.handler, d.serving = true, h, ctx
	d.mu.Unlock()

	quiet := slog.New(quietHandler{d.log.Handler()}).With("component", "sipgo")
	ua, err := sipgo.NewUA(
		sipgo.WithUserAgent(d.cfg.UserAgent),
		sipgo.WithUserAgentParser(d.parser),
		sipgo.WithUserAgentHostname(d.contactHost(netip.Addr{}).String()),
		sipgo.WithUserAgentTransportLayerOptions(
			siplib.WithTransportLayerLogger(quiet),
			siplib.WithTransportLayerReadFilter(d.filter),
		),
		sipgo.WithUserAgentTransactionLayerOptions(
			siplib.WithTransactionLayerLogger(quiet),
			siplib.WithTransactionLayerTerminateOnConnClose(),
			// A response no transaction waits for is a retransmission or junk.
			siplib.WithTransactionLayerUnhandledResponseHandler(func(r *siplib.Response) {
				quiet.Debug("stray sip response", "status", r.StatusCode, "source", r.Source())
			}),
		),
	)
	if err != nil {
		d.udp.Close()
		d.tcp.Close()
		close(d.ready)
		return fmt.Errorf("sip: user agent: %w", err)
	}
	srv, err := sipgo.NewServer(ua, sipgo.WithServerLogger(quiet))
	if err != nil {
		ua.Close()
		close(d.ready)
		return fmt.Errorf("sip: server: %w", err)
	}
	// Each call gets its own client (a small struct) for its in-dialog
	// requests, so that their Via names the address the call came in on.
	newClient := func(host netip.Addr) (*sipgo.Client, error) {
		return sipgo.NewClient(ua, sipgo.WithClientLogger(quiet), sipgo.WithClientHostname(host.String()), sipgo.WithClientPort(d.port))
	}
	// Every request takes one way in, whatever its method: serveRequest
	// checks it (validate.go) and hands it to its handler.
	srv.OnNoRoute(d.serveRequest(newClient))
	d.mu.Lock()
	d.newClient = newClient
	d.srv = srv
	d.mu.Unlock()
	close(d.ready)

	var serveWG sync.WaitGroup
	serveWG.Add(4)
	clockCtx, stopClock := context.WithCancel(context.Background())
	go func() {
		defer serveWG.Done()
		if d.ownClock {
			_ = d.clock.Run(clockCtx)
		}
	}()
	go func() { defer serveWG.Done(); d.sweepBindings(clockCtx) }()
	go func() { defer serveWG.Done(); _ = srv.ServeUDP(d.udp) }()
	go func() { defer serveWG.Done(); _ = srv.ServeTCP(d.tcpGuard) }()
	d.log.Info("sip listening", "addr", d.Addr(), "transports", "udp,tcp",
		"rtp_ports", fmt.Sprintf("%d-%d", d.cfg.RTPPortMin, d.cfg.RTPPortMax), "prefer", d.cfg.Prefer)

	<-ctx.Done()

	d.mu.Lock()
	d.handler, d.newClient = nil, nil
	var legs []line
	for _, l := range d.lines {
		if l != nil {
			legs = append(legs, l)
		}
	}
	d.mu.Unlock()
	for _, l := range legs {
		l.end("system", telephony.CauseShutdown)
	}
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	d.wg.Wait()
	stopClock()
	d.udp.Close()
	d.tcp.Close()
	ua.Close()
	serveWG.Wait()
	return nil
}

// track makes Serve wait at shutdown until done is called, unless Serve has
// stopped waiting already.
func (d *Driver) track() (done func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return func() {}
	}
	d.wg.Add(1)
	return d.wg.Done
}

// goTracked runs f in a goroutine Serve waits for, unless Serve has stopped
// waiting; it reports whether f runs.
func (d *Driver) goTracked(f func()) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return false
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		f()
	}()
	return true
}

// Lines reports every call in progress as a line, "sip/<n>".
func (d *Driver) Lines() []telephony.LineState {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []telephony.LineState
	for _, l := range d.lines {
		if l != nil {
			out = append(out, l.lineState())
		}
	}
	return out
}

// line is a call on one of the driver's lines: an inbound leg or a dialled one.
type line interface {
	lineState() telephony.LineState
	end(by string, cause telephony.Cause)
}

func (l *leg) lineState() telephony.LineState {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := telephony.LineState{
		Line: l.info.Line, Number: l.info.To, State: telephony.LineRinging, Since: l.since,
		Caller: l.info.From, Called: l.info.To, CallID: l.info.CallID,
	}
	if l.AnsweredLocked() {
		s.State = telephony.LineInCall
	}
	return s
}

// takeLine files l on the lowest free line and returns its number (from 1);
// ok is false past MaxCalls. The caller holds d.mu.
func (d *Driver) takeLineLocked(l line) (n int, ok bool) {
	if d.calls >= d.cfg.MaxCalls {
		return 0, false
	}
	for n < len(d.lines) && d.lines[n] != nil {
		n++
	}
	if n == len(d.lines) {
		d.lines = append(d.lines, nil)
	}
	d.lines[n] = l
	d.calls++
	return n + 1, true
}

// freeLine frees line n if l holds it.
func (d *Driver) freeLine(l line, n int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n > 0 && n <= len(d.lines) && d.lines[n-1] == l {
		d.lines[n-1] = nil
		d.calls--
	}
}

// sweepBindings lets lapsed phone registrations go, once a second, until
// ctx ends.
func (d *Driver) sweepBindings(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case now := <-t.C:
			d.reg.sweep(now)
		case <-ctx.Done():
			return
		}
	}
}

// seize takes a line for a new call, names the leg after it, files its
// dialog and shows the line ringing; ok is false past MaxCalls or when the
// driver is not serving.
func (d *Driver) seize(l *leg, now time.Time) (h telephony.Handler, ctx context.Context, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handler == nil {
		return nil, nil, false
	}
	n, ok := d.takeLineLocked(l)
	if !ok {
		return nil, nil, false
	}
	l.n = n
	l.info.Line = fmt.Sprintf("%s/%d", d.cfg.Name, l.n)
	l.info.ID = telephony.LegID(l.info.Line + "/" + now.Format("150405.000000"))
	l.log = d.log.With("call_id", l.info.CallID, "line", l.info.Line, "sip_call_id", l.sipCallID)
	d.dialogs[l.dialogID] = l
	d.publishLine(l, telephony.LineRinging, now)
	return d.handler, context.WithoutCancel(d.serving), true
}

// release frees a leg's line and its share of its source's call limits.
func (d *Driver) release(l *leg) {
	d.freeLine(l, l.n)
	l.adm.release()
}

func (d *Driver) forgetDialog(id string) {
	d.mu.Lock()
	delete(d.dialogs, id)
	d.mu.Unlock()
}

// dialog finds the call an in-dialog request belongs to.
func (d *Driver) dialog(req *siplib.Request) *leg {
	id, err := siplib.DialogIDFromRequestUAS(req)
	if err != nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dialogs[id]
}

// publishLine publishes a line's state.
func (d *Driver) publishLine(l *leg, state string, at time.Time) {
	if d.pub == nil {
		return
	}
	e := event.LineChanged{Base: event.Base{At: at}, Line: l.info.Line, State: state}
	if state != telephony.LineIdle {
		e.CallID, e.Caller, e.Called = l.info.CallID, l.info.From, l.info.To
	}
	d.pub.Publish(e)
}

// contactHost is the address we put in Contact and Via: the listen host, or
// MediaIP, or the local address that routes to remote.
func (d *Driver) contactHost(remote netip.Addr) netip.Addr {
	if !d.host.IsUnspecified() {
		return d.host
	}
	if d.cfg.MediaIP != "" {
		a, _ := netip.ParseAddr(d.cfg.MediaIP)
		return a
	}
	return localAddrFor(remote)
}

// mediaIP is the address we put in SDP for a call whose far media is remote.
func (d *Driver) mediaIP(remote netip.Addr) netip.Addr {
	if d.cfg.MediaIP != "" {
		a, _ := netip.ParseAddr(d.cfg.MediaIP)
		return a
	}
	if !d.host.IsUnspecified() {
		return d.host
	}
	return localAddrFor(remote)
}

// logRefusal logs a refused request, at most once per 10 s per source
// address and msg (with how many were refused unlogged since).
func (d *Driver) logRefusal(level slog.Level, msg, source string, args ...any) {
	ok, suppressed := d.gate.allow(source, msg, time.Now())
	if !ok {
		return
	}
	args = append(args, "source", source)
	if suppressed > 0 {
		args = append(args, "refused_unlogged", suppressed)
	}
	d.log.Log(context.Background(), level, msg, args...)
}

// trunkAddrs is the trunk's IP address, when it is written as one.
func trunkAddrs(trunk string) []netip.Addr {
	host, _, err := net.SplitHostPort(trunk)
	if err != nil {
		return nil
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	return []netip.Addr{a.Unmap()}
}

// localAddrFor asks the kernel which local address routes to remote (a UDP
// connect sends nothing); loopback when it cannot tell.
func localAddrFor(remote netip.Addr) netip.Addr {
	if remote.IsValid() && !remote.IsUnspecified() {
		if c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(remote, 9))); err == nil {
			defer c.Close()
			if a, ok := netip.AddrFromSlice(c.LocalAddr().(*net.UDPAddr).IP); ok {
				return a.Unmap()
			}
		}
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

var (
	_ telephony.Driver     = (*Driver)(nil)
	_ telephony.LineLister = (*Driver)(nil)
)
