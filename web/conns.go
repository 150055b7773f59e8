package web

import (
	"fmt"
	"log/slog"
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"tracecall/web/auth"
)

// Connections one client address may hold on the panel's listener. Every
// open connection is a file descriptor, and the daemon's descriptors are
// shared with its RTP sockets: a client that opened 19,980 connections
// (each a request with a body it never sent) left SIP calls without ports.
// LimitListener keeps each address (auth.AddressKey: the IP, an IPv6 /64)
// to Limits.MaxConnsPerAddress; a connection past it is answered 429 in
// both languages and closed, counted (/api/status: http_conns_refused), and
// logged at most once per connLogEvery with the addresses refused most.

// connLogEvery is how often refused connections are logged at most.
const connLogEvery = time.Minute

// maxRefusing bounds the refused connections being answered at once (each
// is given half a second to read its 429 before it is closed); past it a
// refused connection is closed without an answer.
const maxRefusing = 64

// connRefusal is the answer to a connection over its address's limit.
var connRefusal = func() string {
	body := "来自您地址的连接过多，请关闭其他页面后重试。\nToo many connections from your address; close other pages and try again.\n"
	return fmt.Sprintf("HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Retry-After: 10\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
}()

// LimitListener returns ln with each client address kept to the Limits'
// MaxConnsPerAddress connections open at once. The daemon wraps its panel
// listener with it (not the unix socket: the console is trusted).
func (s *Server) LimitListener(ln net.Listener) net.Listener {
	return &connLimiter{
		Listener: ln, max: s.limits.MaxConnsPerAddress, log: s.deps.Log, refused: &s.connsRefused,
		open: map[string]int{}, recent: map[string]uint64{}, refusing: make(chan struct{}, maxRefusing),
	}
}

// connLimiter is LimitListener's listener.
type connLimiter struct {
	net.Listener
	max      int
	log      *slog.Logger
	refused  *atomic.Uint64 // the server's count, for /api/status
	refusing chan struct{}  // a slot per refused connection being answered

	mu      sync.Mutex
	open    map[string]int    // connections open per address
	recent  map[string]uint64 // refused per address since the last log line
	lastLog time.Time
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := auth.AddressKey(c.RemoteAddr().String())
		if l.take(key) {
			return &limitedConn{Conn: c, release: sync.OnceFunc(func() { l.release(key) })}, nil
		}
		l.refuse(c, key)
	}
}

// take counts a connection from key, unless key has its fill.
func (l *connLimiter) take(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key] >= l.max {
		return false
	}
	l.open[key]++
	return true
}

func (l *connLimiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// refuse answers c 429 and closes it, counts it, and logs the refusals of
// the last interval when one has passed.
func (l *connLimiter) refuse(c net.Conn, key string) {
	l.refused.Add(1)
	l.note(key)
	select {
	case l.refusing <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		defer c.Close()
		// A fresh connection's send buffer is empty: the write does not
		// wait. Then the client has half a second to read it before the
		// close (closing on its unread request at once could reset the
		// connection before it reads the answer).
		_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		if _, err := c.Write([]byte(connRefusal)); err != nil {
			return
		}
		if tc, ok := c.(interface{ CloseWrite() error }); ok {
			_ = tc.CloseWrite()
		}
		buf := make([]byte, 512)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	}()
}

// note counts a refusal from key for the log, and logs once per
// connLogEvery.
func (l *connLimiter) note(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.recent[key]; ok || len(l.recent) < 16 {
		l.recent[key]++
	}
	now := time.Now()
	if now.Sub(l.lastLog) < connLogEvery {
		return
	}
	type source struct {
		addr    string
		refused uint64
	}
	var top []source
	for a, n := range l.recent {
		top = append(top, source{a, n})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].refused > top[j].refused })
	addrs := make([]string, 0, len(top))
	for _, s := range top {
		addrs = append(addrs, fmt.Sprintf("%s (%d)", s.addr, s.refused))
	}
	l.log.Warn("http connections refused: too many open from one address", "max_per_address", l.max,
		"addresses", addrs, "refused_total", l.refused.Load(), "next_log_after", connLogEvery)
	clear(l.recent)
	l.lastLog = now
}

// limitedConn gives its address's place back when it closes.
type limitedConn struct {
	net.Conn
	release func()
}

func (c *limitedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
