package sip

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Per-source limits.
const (
	// maxSources bounds the limiter's table: a flood from many (spoofed)
	// addresses cannot grow it without bound. Past it, new sources share one
	// bucket until idle ones are swept.
	maxSources = 4096
	// limitLogEvery spaces the log lines about one limited source.
	limitLogEvery = 10 * time.Second
)

// sourceLimiter is a token bucket per source IP address over everything that
// arrives on the SIP port: requests, responses and garbage alike. A source
// may send burst messages at once and rate a second after that; past it, its
// messages are dropped before they are parsed, so one address flooding INVITE,
// REGISTER, OPTIONS or junk costs a map lookup per datagram and leaves other
// sources, and calls in progress from them, alone. Exempt addresses (the
// trunk) are never limited. It is safe for concurrent use: the UDP reader and
// every TCP connection's reader call allow.
type sourceLimiter struct {
	rate, burst float64 // tokens per second; bucket size
	exempt      map[netip.Addr]bool
	isPeer      func(netip.Addr) bool // peers ([[sip.peers]]) are exempt too; nil: none
	log         *slog.Logger

	// mu guards the fields below it.
	mu       sync.Mutex
	sources  map[netip.Addr]*bucket
	overflow bucket // shared by new sources while the table is full
	swept    time.Time
	dropped  uint64
}

type bucket struct {
	tokens  float64
	last    time.Time // when tokens was last brought up to date
	dropped uint64    // since the last log line
	logged  time.Time // the last log line about this source
}

func newSourceLimiter(rate, burst float64, exempt []netip.Addr, log *slog.Logger) *sourceLimiter {
	sl := &sourceLimiter{rate: rate, burst: burst, exempt: map[netip.Addr]bool{}, log: log, sources: map[netip.Addr]*bucket{}}
	for _, a := range exempt {
		sl.exempt[a.Unmap()] = true
	}
	return sl
}

// allow takes a token from addr's bucket and reports whether it had one. A
// source that runs dry is logged once per limitLogEvery with what it lost.
func (sl *sourceLimiter) allow(from net.Addr, now time.Time) bool {
	if sl == nil || sl.rate <= 0 {
		return true
	}
	a := addrOf(from)
	if sl.exempt[a] || (sl.isPeer != nil && sl.isPeer(a)) {
		return true
	}
	sl.mu.Lock()
	b := sl.sources[a]
	if b == nil {
		if len(sl.sources) >= maxSources {
			sl.sweepLocked(now)
		}
		if len(sl.sources) < maxSources {
			b = &bucket{tokens: sl.burst, last: now}
			sl.sources[a] = b
		} else {
			b = &sl.overflow
		}
	}
	b.tokens = min(sl.burst, b.tokens+now.Sub(b.last).Seconds()*sl.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		sl.mu.Unlock()
		return true
	}
	b.dropped++
	sl.dropped++
	var lost uint64
	logNow := now.Sub(b.logged) >= limitLogEvery
	if logNow {
		lost, b.dropped, b.logged = b.dropped, 0, now
	}
	sl.mu.Unlock()
	if logNow {
		sl.log.Warn("sip source over its rate: dropping what it sends", "source", a.String(),
			"dropped", lost, "rate_per_s", sl.rate, "burst", sl.burst)
	}
	return false
}

// sweepLocked forgets sources whose buckets have filled up again (idle for
// burst/rate seconds), at most once a second. The caller holds mu.
func (sl *sourceLimiter) sweepLocked(now time.Time) {
	if now.Sub(sl.swept) < time.Second {
		return
	}
	sl.swept = now
	idle := time.Duration(sl.burst / sl.rate * float64(time.Second))
	for a, b := range sl.sources {
		if now.Sub(b.last) >= idle && now.Sub(b.logged) >= limitLogEvery {
			delete(sl.sources, a)
		}
	}
}

// limited reports how many messages the limiter dropped.
func (sl *sourceLimiter) limited() uint64 {
	if sl == nil {
		return 0
	}
	sl.mu.Lock()
	defer sl.mu.Unlock()
	return sl.dropped
}

// addrOf is the IP of a transport address (UDP or TCP).
func addrOf(a net.Addr) netip.Addr {
	switch a := a.(type) {
	case *net.UDPAddr:
		return a.AddrPort().Addr().Unmap()
	case *net.TCPAddr:
		return a.AddrPort().Addr().Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// logGate spaces the log lines about refused requests from one source, per
// kind of refusal: the first is logged, then at most one per limitLogEvery,
// carrying how many went unlogged in between. A source within its rate may still send a thousand
// REGISTERs with wrong passwords a second; the log gets one line per 10 s. It
// is safe for concurrent use.
type logGate struct {
	// mu guards seen.
	mu   sync.Mutex
	seen map[gateKey]*gateEntry
}

type gateKey struct {
	addr netip.Addr
	msg  string
}

type gateEntry struct {
	last       time.Time
	suppressed uint64
}

// allow reports whether the line msg about source may be logged now, and
// how many were suppressed since the last one.
func (g *logGate) allow(source, msg string, now time.Time) (ok bool, suppressed uint64) {
	a := gateKey{msg: msg}
	if ap, err := netip.ParseAddrPort(source); err == nil {
		a.addr = ap.Addr().Unmap()
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[gateKey]*gateEntry{}
	}
	e := g.seen[a]
	if e == nil {
		if len(g.seen) >= maxSources {
			for k, v := range g.seen {
				if now.Sub(v.last) >= limitLogEvery {
					delete(g.seen, k)
				}
			}
		}
		if len(g.seen) >= maxSources {
			return false, 0
		}
		g.seen[a] = &gateEntry{last: now}
		return true, 0
	}
	if now.Sub(e.last) < limitLogEvery {
		e.suppressed++
		return false, 0
	}
	suppressed, e.suppressed, e.last = e.suppressed, 0, now
	return true, suppressed
}
