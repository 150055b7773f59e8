package sip

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// offerEventPT is the payload type we offer telephone-event on.
const offerEventPT = 101

// DialError is returned by Dial when the far end refuses or does not answer.
// It wraps telephony.ErrUnavailable, so callers may branch on that alone.
type DialError struct {
	To     telephony.Address
	Code   int    // the SIP final response, 0 when there was none
	Reason string // its reason phrase, or what happened instead
	Cause  telephony.Cause
}

func (e *DialError) Error() string {
	if e.Code != 0 {
		return fmt.Sprintf("sip: dial %s: %d %s (%s)", e.To, e.Code, e.Reason, e.Cause)
	}
	return fmt.Sprintf("sip: dial %s: %s (%s)", e.To, e.Reason, e.Cause)
}

func (e *DialError) Unwrap() error { return telephony.ErrUnavailable }

// causeOf maps a final response to a call's cause.
func causeOf(code int) telephony.Cause {
	switch code {
	case 486, 600:
		return telephony.CauseBusy
	case 603, 403:
		return telephony.CauseRejected
	case 408, 480, 487:
		return telephony.CauseNoAnswer
	case 404, 484, 604:
		return telephony.CauseNoRoute
	case 488, 606, 415:
		return telephony.CauseMediaError
	case 503:
		return telephony.CauseUnavailable
	}
	return telephony.CauseFailure
}

// Dial calls to.User: a registered phone at its contact, else, when
// Config.Trunk is set, the number over the trunk. A phone that is not
// registered, or a number with no trunk, fails at once with
// telephony.ErrUnavailable. Dial offers PCMA, PCMU and telephone-event and
// returns once the far end answers (the ACK is sent) with the answered leg;
// a refusal or no answer within o.Timeout (Config.DialTimeout when zero)
// returns a *DialError. Ending ctx before the answer cancels the call. A Dial
// made while Serve is starting waits for it; after Serve returns (or on a
// driver that was closed unserved) Dial fails with telephony.ErrUnavailable.
func (d *Driver) Dial(ctx context.Context, to telephony.Address, o telephony.DialOptions) (telephony.Leg, error) {
	recipient, trunk, err := d.route(to)
	if err != nil {
		return nil, err
	}
	select { // Serve may be starting: wait for it to set up
	case <-d.ready:
	case <-ctx.Done():
		return nil, fmt.Errorf("sip: dial %s: %w", to, ctx.Err())
	}
	d.mu.Lock()
	newClient := d.newClient
	d.mu.Unlock()
	if newClient == nil {
		return nil, fmt.Errorf("sip: dial %s: driver not serving: %w", to, telephony.ErrUnavailable)
	}
	var remote netip.Addr
	if a, err := netip.ParseAddr(recipient.Host); err == nil {
		remote = a.Unmap()
	}
	host := d.contactHost(remote)
	client, err := newClient(host)
	if err != nil {
		return nil, fmt.Errorf("sip: dial %s: client: %w", to, err)
	}
	conn, rtcp, port, err := d.ports.open()
	if err != nil {
		return nil, fmt.Errorf("sip: dial %s: %w: %w", to, err, telephony.ErrNoLine)
	}

	now := time.Now()
	callID := o.CallID
	if callID == "" {
		callID = telephony.NewCallID(now)
	}
	from := o.From
	if from == "" && trunk && d.cfg.TrunkUser != "" {
		from = d.cfg.TrunkUser
	}
	if from == "" {
		from = d.cfg.Name
	}
	l := &dialLeg{
		d: d, port: port, conn: conn, rtcp: rtcp, since: now, acks: make(chan uint32, 8),
		info: telephony.LegInfo{
			CallID: callID, Driver: d.cfg.Name, From: from, To: to.User,
			Direction: telephony.Outbound, Created: now,
		},
	}
	l.Init(&l.mu)
	if !d.seizeOut(l, now) {
		conn.Close()
		rtcp.Close()
		d.ports.release(port)
		l.Cancel()
		return nil, fmt.Errorf("sip: dial %s: %w", to, telephony.ErrNoLine)
	}

	var sess [4]byte
	_, _ = rand.Read(sess[:])
	local := localMedia{ip: d.mediaIP(remote), port: port, session: uint64(binary.BigEndian.Uint32(sess[:])), version: 1}
	contact := siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", User: from, Host: uriHost(host), Port: d.port}}
	fromHdr := &siplib.FromHeader{
		Address: siplib.Uri{Scheme: "sip", User: from, Host: uriHost(host)},
		Params:  siplib.NewParams(),
	}
	fromHdr.Params.Add("tag", siplib.GenerateTagN(16))
	l.mu.Lock()
	l.local, l.contact, l.sdp = local, contact, writeOffer(local)
	l.mu.Unlock()
	ua := &sipgo.DialogUA{Client: client, ContactHDR: contact}
	invite := func(ctx context.Context, extra ...siplib.Header) (*sipgo.DialogClientSession, error) {
		return ua.Invite(ctx, recipient, writeOffer(local), append([]siplib.Header{siplib.HeaderClone(fromHdr),
			siplib.NewHeader("Content-Type", "application/sdp"),
			siplib.NewHeader("Allow", allowed), siplib.NewHeader("User-Agent", d.cfg.UserAgent)}, extra...)...)
	}
	// The desktop may ask the phone to answer while it rings (pickup.go).
	r := &ringing{user: to.User, l: l, client: client, invite: invite}
	defer d.ringing.add(r)()
	dc, err := r.send(ctx)
	if err != nil {
		l.end("system", telephony.CauseFailure)
		return nil, fmt.Errorf("sip: dial %s: invite: %w", to, err)
	}
	l.mu.Lock()
	l.dc = dc
	l.mu.Unlock()
	l.log.Debug("dialling", "to", recipient.String(), "sip_call_id", dc.InviteRequest.CallID().Value())

	timeout := o.Timeout
	if timeout <= 0 {
		timeout = d.cfg.DialTimeout
	}
	ringCtx, stopRing := context.WithTimeoutCause(ctx, timeout, errNoAnswer)
	defer stopRing()
	// Shutdown ends the leg while it rings: stop ringing then (CANCEL).
	defer context.AfterFunc(l.Context(), stopRing)()
	answer := sipgo.AnswerOptions{OnResponse: func(res *siplib.Response) error {
		switch res.StatusCode {
		case 180, 183:
			l.log.Debug("far end ringing", "status", res.StatusCode)
		case 401, 407:
			l.log.Debug("trunk challenge", "status", res.StatusCode, "answered", trunk && d.cfg.TrunkPassword != "")
		}
		return nil
	}}
	if trunk {
		// sipgo answers a 401 or 407 with digest credentials, and a stale
		// nonce once more.
		answer.Username, answer.Password = d.cfg.TrunkUser, d.cfg.TrunkPassword
	}
	dc, err = r.wait(ringCtx, dc, answer)
	if err != nil {
		de := &DialError{To: to, Reason: err.Error(), Cause: telephony.CauseFailure}
		by := "caller"
		var re *sipgo.ErrDialogResponse
		switch {
		case errors.As(err, &re):
			de.Code, de.Reason, de.Cause = re.Res.StatusCode, re.Res.Reason, causeOf(re.Res.StatusCode)
		case errors.Is(context.Cause(ringCtx), errNoAnswer):
			de.Reason, de.Cause, by = "no answer", telephony.CauseNoAnswer, "system"
		case ctx.Err() != nil:
			de.Reason, de.Cause, by = "cancelled", telephony.CauseNormal, "ivr"
		default:
			de.Cause = telephony.CauseTimeout
		}
		if h, ended := l.Ended(); ended {
			de.Reason, de.Cause = "ended while ringing", h.Cause
		}
		l.end(by, de.Cause)
		return nil, de
	}

	// Answered: take the answer's SDP, start media, then ACK. The dialog is
	// known before the ACK goes, and the leg is up: a phone that hangs up
	// the moment it has our ACK finds its BYE's dialog, not a 481.
	oa, sdpErr := d.answerOf(dc.InviteResponse)
	l.mu.Lock()
	l.dialogID = dc.ID
	l.mu.Unlock()
	d.mu.Lock()
	d.dialled[dc.ID] = l
	d.mu.Unlock()
	ack := func() {
		if ackErr := dc.Ack(ctx); ackErr != nil {
			l.log.Warn("ack", "err", ackErr)
		}
	}
	if sdpErr != nil {
		ack()
		l.log.Info("dialled party's answer refused", "err", sdpErr)
		l.answeredAt(time.Now(), oa, false)
		l.end("system", telephony.CauseMediaError)
		return nil, &DialError{To: to, Code: 200, Reason: sdpErr.Error(), Cause: telephony.CauseMediaError}
	}
	up := l.answeredAt(time.Now(), oa, true)
	ack()
	if !up {
		// Ended (shutdown) as the answer came: that end could not BYE yet.
		d.goTracked(l.bye)
		return nil, fmt.Errorf("sip: dial %s: %w", to, telephony.ErrHungUp)
	}
	return l, nil
}

// errNoAnswer is the cause of the ring timer's context.
var errNoAnswer = errors.New("sip: no answer")

// route finds where to send a call to to, and whether that is the trunk.
func (d *Driver) route(to telephony.Address) (uri siplib.Uri, trunk bool, err error) {
	if d.reg.known(to.User) {
		b, ok := d.reg.lookup(to.User, time.Now())
		if !ok {
			return siplib.Uri{}, false, fmt.Errorf("sip: dial %s: phone not registered: %w", to, telephony.ErrUnavailable)
		}
		return *b.contact.Clone(), false, nil
	}
	if d.cfg.Trunk == "" || to.User == "" {
		return siplib.Uri{}, false, fmt.Errorf("sip: dial %s: not a phone and no trunk: %w", to, telephony.ErrUnavailable)
	}
	host, portText, _ := net.SplitHostPort(d.cfg.Trunk)
	port, _ := strconv.Atoi(portText)
	if a, err := netip.ParseAddr(host); err == nil && a.Is6() {
		host = "[" + host + "]"
	}
	return siplib.Uri{Scheme: "sip", User: to.User, Host: host, Port: port}, true, nil
}

// answerOf reads the SDP of a 200 to our offer; it may send our media only
// where the 200 came from (checkMediaAddr).
func (d *Driver) answerOf(res *siplib.Response) (offerAnswer, error) {
	if res == nil || len(res.Body()) == 0 {
		return offerAnswer{}, errors.New("sip: answer without sdp")
	}
	ans, err := parseSDP(res.Body())
	if err != nil {
		return offerAnswer{}, err
	}
	return d.negotiateFrom(ans, PreferOffer, addrOfSource(res.Source()))
}

// writeOffer writes our SDP offer: PCMA, PCMU and telephone-event.
func writeOffer(local localMedia) []byte {
	ipv := "IP4"
	if local.ip.Is6() {
		ipv = "IP6"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "v=0\r\no=tracecall %d %d IN %s %s\r\ns=tracecall\r\nc=IN %s %s\r\nt=0 0\r\n",
		local.session, local.version, ipv, local.ip, ipv, local.ip)
	fmt.Fprintf(&b, "m=audio %d RTP/AVP 8 0 %d\r\n", local.port, offerEventPT)
	fmt.Fprintf(&b, "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n",
		offerEventPT, offerEventPT)
	b.WriteString("a=ptime:20\r\na=sendrecv\r\n")
	return b.Bytes()
}

// seizeOut takes a line for a dialled call and shows it ringing.
func (d *Driver) seizeOut(l *dialLeg, now time.Time) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	n, ok := d.takeLineLocked(l)
	if !ok {
		return false
	}
	l.n = n
	l.info.Line = fmt.Sprintf("%s/%d", d.cfg.Name, n)
	l.info.ID = telephony.LegID(l.info.Line + "/" + now.Format("150405.000000"))
	l.log = d.log.With("call_id", l.info.CallID, "line", l.info.Line, "direction", "outbound")
	l.publishLine(telephony.LineRinging, now)
	return true
}

// dialledDialog finds the outbound call an in-dialog request belongs to.
func (d *Driver) dialledDialog(req *siplib.Request) *dialLeg {
	id, err := siplib.DialogIDFromRequestUAC(req)
	if err != nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.dialled[id]
}

// dialLeg is one outbound SIP call: what Dial returns.
type dialLeg struct {
	d    *Driver
	n    int // line number
	info telephony.LegInfo
	log  *slog.Logger
	port int
	acks chan uint32 // CSeq of each ACK, for 2xx retransmission of re-INVITEs

	// mu guards the fields below it, and the LegState.
	mu sync.Mutex
	telephony.LegState
	dc       *sipgo.DialogClientSession // set once the INVITE is sent
	dialogID string                     // set once answered
	conn     *net.UDPConn               // RTP and RTCP sockets until the stream takes them
	rtcp     *net.UDPConn
	stream   *stream // set once answered
	contact  siplib.ContactHeader
	negotiated
	reoffer uint32 // CSeq of a re-INVITE without SDP whose ACK brings the answer
	since   time.Time
}

// answeredAt starts media with what the far end answered and publishes the
// answer; without media (a refused answer) it only notes it, for the BYE.
func (l *dialLeg) answeredAt(now time.Time, oa offerAnswer, withMedia bool) bool {
	l.mu.Lock()
	if !l.AnswerLocked() {
		l.mu.Unlock()
		return false
	}
	l.since = now
	if withMedia {
		l.oa = oa
		l.stream = newStream(l.conn, l.rtcp, l.port, oa)
		l.conn, l.rtcp = nil, nil
		l.d.startStream(l.stream)
	}
	l.mu.Unlock()
	if !withMedia {
		return true
	}
	l.publishLine(telephony.LineInCall, now)
	l.log.Debug("dialled party answered", "codec", oa.law, "telephone_event", oa.eventPT, "rtp_port", l.port)
	return true
}

func (l *dialLeg) ID() telephony.LegID     { return l.info.ID }
func (l *dialLeg) Info() telephony.LegInfo { return l.info }

// Answer does nothing: Dial returns the leg answered.
func (l *dialLeg) Answer(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.EndedLocked() {
		return telephony.ErrHungUp
	}
	return nil
}

// Hangup sends BYE.
func (l *dialLeg) Hangup(ctx context.Context, c telephony.Cause) error {
	l.end("ivr", c)
	return nil
}

func (l *dialLeg) Media() (media.FrameReader, media.FrameWriter, error) { return l, l, nil }

// Digits returns RFC 4733, SIP INFO and in-band keys from the far end.
func (l *dialLeg) Digits() <-chan telephony.Digit {
	if s := l.media(); s != nil {
		return s.digits
	}
	return nil
}

// InbandDTMF is false: the driver finds the tones in the audio itself, as the
// packets arrive (see toneFeed), and delivers them on Digits.
func (l *dialLeg) InbandDTMF() bool { return false }

// Stats reports the call's RTP counts.
func (l *dialLeg) Stats() Stats {
	if s := l.media(); s != nil {
		return s.stats()
	}
	return Stats{}
}

func (l *dialLeg) media() *stream {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stream
}

// ReadFrame returns the far end's next frame, waiting for its tick.
func (l *dialLeg) ReadFrame(f *media.Frame) error {
	s := l.media()
	if s == nil {
		return io.EOF
	}
	return l.ReadFrameFrom(s.rx, f)
}

// WriteFrame queues a frame for the far end; it waits while the queue is full.
func (l *dialLeg) WriteFrame(f *media.Frame) error {
	s := l.media()
	if s == nil {
		return io.EOF
	}
	return l.WriteFrameTo(s.tx, f)
}

func (l *dialLeg) lineState() telephony.LineState {
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

func (l *dialLeg) publishLine(state string, at time.Time) {
	if l.d.pub == nil {
		return
	}
	e := event.LineChanged{Base: event.Base{At: at}, Line: l.info.Line, State: state}
	if state != telephony.LineIdle {
		e.CallID, e.Caller, e.Called = l.info.CallID, l.info.From, l.info.To
	}
	l.d.pub.Publish(e)
}

// end ends the leg once: by "caller" (the far end), "ivr" (the app) or
// "system". An answered call ended from our side gets a BYE.
func (l *dialLeg) end(by string, cause telephony.Cause) {
	now := time.Now()
	l.mu.Lock()
	if !l.EndLocked(by, cause, now) {
		l.mu.Unlock()
		return
	}
	bye := l.AnsweredLocked() && by != "caller"
	s, conn, rtcp := l.stream, l.conn, l.rtcp
	l.mu.Unlock()
	var st Stats
	if s != nil {
		st = l.d.stopStream(s)
	} else {
		if conn != nil {
			conn.Close()
		}
		if rtcp != nil {
			rtcp.Close()
		}
	}
	l.d.ports.release(l.port)
	l.d.freeLine(l, l.n)
	l.publishLine(telephony.LineIdle, now)
	l.d.ended(&l.LegState, l.info, l.log, st)
	if bye && l.d.goTracked(l.bye) {
		return
	}
	l.forget()
}

// bye sends BYE, waits for its answer (or byeTimeout) and forgets the dialog.
func (l *dialLeg) bye() {
	l.mu.Lock()
	dc := l.dc
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if err := dc.Bye(ctx); err != nil {
		l.log.Debug("bye", "err", err)
	}
	l.forget()
}

// forget drops the dialog: no more in-dialog requests are ours.
func (l *dialLeg) forget() {
	l.mu.Lock()
	dc, id := l.dc, l.dialogID
	l.mu.Unlock()
	if dc != nil {
		dc.Close()
	}
	if id == "" {
		return
	}
	l.d.mu.Lock()
	delete(l.d.dialled, id)
	l.d.mu.Unlock()
}

var (
	_ telephony.Leg         = (*dialLeg)(nil)
	_ telephony.DigitSource = (*dialLeg)(nil)
)
