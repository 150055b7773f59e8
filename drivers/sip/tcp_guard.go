package sip

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// SIP over TCP: what one source may hold.
//
// sipgo keeps an accepted TCP connection for as long as its peer keeps it
// open, reading with no deadline; half a message is kept waiting for the
// rest forever. Against the daemon, 20,150 connections each with half an
// INVITE held a descriptor each until the process ran out ("accept4: too
// many open files"): every trunk call was refused and the console socket
// stopped accepting. tcpGuard wraps the listener sipgo serves:
//
//   - A source that is no peer may hold Config.TCPSourceConnections at
//     once, and all of them together Config.TCPConnections; a connection
//     past either is closed as it is accepted, counted (LimitStats) and
//     logged once per 10 s per source. Peers ([[sip.peers]], the trunk) are
//     not capped: a PBX may bring many.
//   - Each connection must bring a complete message within
//     Config.TCPMessageTimeout of its accepting, and each later message
//     within that of its first byte; between messages it may stay idle for
//     MaxExpires (a phone registered over TCP refreshes within it, and calls
//     to it go down the same connection). A connection past its time is
//     closed, counted and logged the same way. Where messages begin and end
//     is read by tcpFramer from the stream, as sipgo's parser frames it.
//   - An Accept that fails for want of descriptors (EMFILE, ENFILE) or
//     memory does not stop the TCP service, as sipgo would on any Accept
//     error: it is logged, naming the cause, once per 10 s, and retried after
//     a pause growing to a second, as net/http does.
type tcpGuard struct {
	net.Listener
	perSource, total int                   // caps on strangers' connections; ≤ 0: none
	exempt           func(netip.Addr) bool // peers and the trunk
	message, idle    time.Duration
	log              *slog.Logger
	gate             *logGate

	refused, timedOut atomic.Uint64

	// mu guards open and strangers.
	mu        sync.Mutex
	open      map[netip.Addr]int // strangers' connections by address
	strangers int
}

func newTCPGuard(l net.Listener, cfg Config, exempt func(netip.Addr) bool, gate *logGate, log *slog.Logger) *tcpGuard {
	return &tcpGuard{Listener: l, perSource: cfg.TCPSourceConnections, total: cfg.TCPConnections,
		exempt: exempt, message: cfg.TCPMessageTimeout, idle: max(cfg.MaxExpires, cfg.TCPMessageTimeout),
		log: log, gate: gate, open: map[netip.Addr]int{}}
}

// Accept returns the next connection a source may have, closing those past
// their source's share on the way.
func (g *tcpGuard) Accept() (net.Conn, error) {
	var pause time.Duration
	for {
		c, err := g.Listener.Accept()
		if err != nil {
			if errors.Is(err, syscall.ECONNABORTED) {
				continue // reset before it was accepted
			}
			if resourceCause(err) == "" {
				return nil, err
			}
			pause = min(max(2*pause, 5*time.Millisecond), time.Second)
			if ok, n := g.gate.allow("", "sip tcp accept failing", time.Now()); ok {
				g.log.Error("sip tcp: cannot accept connections: "+resourceCause(err)+"; retrying",
					"err", err, "failures_unlogged", n)
			}
			time.Sleep(pause) // a backoff, as net/http's Serve: nothing to wait for
			continue
		}
		pause = 0
		src := addrOf(c.RemoteAddr())
		stranger := g.exempt == nil || !g.exempt(src)
		if stranger && !g.take(src) {
			c.Close()
			g.refused.Add(1)
			if ok, n := g.gate.allow(c.RemoteAddr().String(), "sip tcp connections", time.Now()); ok {
				g.log.Warn("sip tcp: source holds its share of connections: closing its new ones",
					"source", src.String(), "per_source", g.perSource, "all_strangers", g.total, "closed_unlogged", n)
			}
			continue
		}
		gc := &guardedConn{Conn: c, g: g, src: src, stranger: stranger, deadline: time.Now().Add(g.message)}
		return gc, nil
	}
}

// take counts a stranger's new connection from src, if it is within the caps.
func (g *tcpGuard) take(src netip.Addr) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if (g.perSource > 0 && g.open[src] >= g.perSource) || (g.total > 0 && g.strangers >= g.total) {
		return false
	}
	g.open[src]++
	g.strangers++
	return true
}

// release forgets a stranger's connection from src.
func (g *tcpGuard) release(src netip.Addr) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open[src]--; g.open[src] <= 0 {
		delete(g.open, src)
	}
	g.strangers--
}

// guardedConn is an accepted connection under its guard's timeouts. Read is
// called by sipgo's one reader goroutine per connection, so framer and
// deadline need no lock.
type guardedConn struct {
	net.Conn
	g        *tcpGuard
	src      netip.Addr
	stranger bool

	framer   tcpFramer
	seen     bool      // a complete message came
	deadline time.Time // when this connection is closed unless a message completes
	once     sync.Once
}

func (c *guardedConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(c.deadline); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 {
		wasIdle := c.framer.idle()
		ended := c.framer.feed(b[:n])
		c.seen = c.seen || ended > 0
		switch {
		case c.framer.idle() && ended > 0:
			c.deadline = time.Now().Add(c.g.idle)
		case !c.framer.idle() && c.seen && (wasIdle || ended > 0):
			c.deadline = time.Now().Add(c.g.message) // the next message began
		}
	}
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		c.g.timedOut.Add(1)
		what := "no complete message in time"
		if c.framer.idle() && c.seen {
			what = "idle too long"
		}
		if ok, k := c.g.gate.allow(c.RemoteAddr().String(), "sip tcp timeout", time.Now()); ok {
			c.g.log.Info("sip tcp: closing connection: "+what, "source", c.src.String(),
				"message_timeout", c.g.message.String(), "idle_timeout", c.g.idle.String(), "closed_unlogged", k)
		}
		c.Close()
		return n, net.ErrClosed // sipgo closes quietly on ErrClosed
	}
	return n, err
}

func (c *guardedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		if c.stranger {
			c.g.release(c.src)
		}
	})
	return err
}

// resourceCause names, for a log line, what an error to open a socket ran
// short of: descriptors (EMFILE: this process's limit, ENFILE: the
// system's) or memory; "" for anything else. Such an error passes.
func resourceCause(err error) string {
	switch {
	case errors.Is(err, syscall.EMFILE):
		return "out of file descriptors (the process's limit, RLIMIT_NOFILE)"
	case errors.Is(err, syscall.ENFILE):
		return "out of file descriptors (the system's limit)"
	case errors.Is(err, syscall.ENOBUFS), errors.Is(err, syscall.ENOMEM):
		return "out of kernel memory for sockets"
	}
	return ""
}

// tcpFramer follows a SIP byte stream's message boundaries as RFC 3261
// section 18.3 frames it: a start line and headers up to an empty line,
// then Content-Length bytes of body (none without the header). CR and LF
// between messages are keep-alives (RFC 5626 section 3.5.1). It only
// watches, for timeouts: sipgo parses. Malformed input leaves it waiting
// for a message's end, which the message timeout then bounds.
type tcpFramer struct {
	state   uint8 // framerIdle, framerHead or framerBody
	line    [48]byte
	lineLen int   // bytes of the current header line so far (line keeps the first ones)
	length  int64 // the message's Content-Length
	body    int64 // body bytes still to come
}

const (
	framerIdle = iota
	framerHead
	framerBody
)

// maxFramedBody caps the Content-Length believed; a longer one is junk,
// and waiting for it ends with the message timeout.
const maxFramedBody = 1 << 20

func (f *tcpFramer) idle() bool { return f.state == framerIdle }

// feed follows b and returns how many messages ended in it.
func (f *tcpFramer) feed(b []byte) (ended int) {
	for i := 0; i < len(b); i++ {
		switch f.state {
		case framerIdle:
			if b[i] == '\r' || b[i] == '\n' {
				continue
			}
			f.state, f.lineLen, f.length = framerHead, 0, 0
			f.headByte(b[i])
		case framerHead:
			if f.headByte(b[i]) {
				if f.length == 0 {
					f.state = framerIdle
					ended++
				} else {
					f.state, f.body = framerBody, f.length
				}
			}
		case framerBody:
			take := min(int64(len(b)-i), f.body)
			f.body -= take
			i += int(take) - 1
			if f.body == 0 {
				f.state = framerIdle
				ended++
			}
		}
	}
	return ended
}

// headByte takes one byte of the header section and reports whether it
// ended the section (an empty line).
func (f *tcpFramer) headByte(c byte) bool {
	if c != '\n' {
		if f.lineLen < len(f.line) {
			f.line[f.lineLen] = c
		}
		f.lineLen++
		return false
	}
	n := f.lineLen
	f.lineLen = 0
	if n == 0 || (n == 1 && f.line[0] == '\r') {
		return true // the empty line
	}
	if n > len(f.line) {
		return false // longer than any Content-Length line worth reading
	}
	line := f.line[:n]
	if line[n-1] == '\r' {
		line = line[:n-1]
	}
	if v, ok := contentLength(line); ok {
		f.length = v
	}
	return false
}

// contentLength reads a Content-Length (or compact "l") header line's value.
func contentLength(line []byte) (int64, bool) {
	colon := -1
	for i, c := range line {
		if c == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		return 0, false
	}
	name := trimSpace(line[:colon])
	if !asciiEqualFold(name, "content-length") && !asciiEqualFold(name, "l") {
		return 0, false
	}
	var v int64
	digits := 0
	for _, c := range trimSpace(line[colon+1:]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
		if digits++; v > maxFramedBody {
			return maxFramedBody, true
		}
	}
	return v, digits > 0
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
