package sip

import (
	"cmp"
	"log/slog"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	siplib "github.com/emiago/sipgo/sip"
)

// Call limits: what one source may start and hold, decided on its INVITE
// before anything is made for the call (no dialog, no RTP ports, no leg, so
// nothing reaches the core and no call record is written).
//
// An address that is no peer is a stranger: it may have Config.SourceCalls
// calls at once, start Config.SourceCallRate a second (a token bucket, burst
// twice the rate, shared with its re-INVITEs), and it shares
// Config.NetworkCalls with the rest of its /24 (/64) and Config.UnknownCalls
// with every stranger. A peer ([[sip.peers]], and the trunk) has its own
// Calls and CallRate instead, shared by its addresses.
//
// The answer to an INVITE past a limit, and why:
//
//   - too many calls at once: 486 Busy Here, with Retry-After. The lines this
//     source may use are busy, as a busy line is; its caller hears busy. A
//     503 would be wrong here: RFC 3261 21.5.4 lets whoever gets a 503 treat
//     the whole server as down (and a proxy fail over every call to another
//     one) for Retry-After, while the appliance is up for every other
//     source. 403 Forbidden says "do not repeat", and the refusal is only
//     for now.
//   - too many new calls a second: 503 Service Unavailable with Retry-After,
//     the seconds until the source's rate lets a call in. This is load
//     shedding aimed at the one sender that overloads us, what 503 and
//     Retry-After are for (RFC 3261 21.5.4, RFC 7339's overload control
//     builds on it).
//
// Refusals are answered statelessly (RFC 3261 8.2.7): the response goes
// once and the transaction is dropped, so a refused INVITE holds no
// transaction retransmitting for 32 s; a retransmitted INVITE is judged
// again. A source that goes on past shedAfter refusals within a second is
// not answered for the rest of that second: its INVITEs are dropped in the
// transport filter before they are parsed (shed), which bounds both the
// work a flood costs and the responses a spoofed source address can make us
// send to a third party. Peers are always answered.
//
// A phone's call is one attempt, though it takes two INVITEs: the first is
// answered 407 (trust.go), and the phone sends it again with credentials.
// The second is the same attempt, paid for by the first: an INVITE whose
// credentials answer a challenge of ours (a nonce we issued within
// answerWindow) is let in on the rate without taking a token, unless the
// source owes some, and pays for itself only if it then does not authenticate (a
// wrong password, junk, a replayed response, a number the phone may not
// dial): admission.charge takes the token after all, into debt if need be.
// So a phone at its source's rate is never refused its own retry, while a
// flooder that answers every challenge with garbage pays for every try as
// before, and one that adds a fresh nonce to calls it never authenticates
// pays for them too. (A phone that reuses the nonce for its next calls
// within answerWindow, counting up as nonce_use.go asks, rides on the
// attempt it paid for; only who has the account's password can.)
//
// Every refusal is counted, in total, per limit and per source (the top
// ones are kept), and logged once per 10 s per source with the limit
// (logGate), never once per INVITE.
const (
	// shedAfter is how many refusals a second a stranger is answered before
	// its INVITEs are dropped unanswered for the rest of that second.
	shedAfter = 10
	// busyRetryAfter is the Retry-After of a 486, in seconds: calls last
	// minutes, so a line of the source's share frees in about this.
	busyRetryAfter = 30
	// maxRefusers bounds the sources whose refusals are counted one by one;
	// past it, the one refused least gives way.
	maxRefusers = 64
	// maxReported is how many of them LimitStats reports.
	maxReported = 10
)

// The limits, as counted and logged.
const (
	limitSourceCalls   = "source_calls"
	limitSourceRate    = "source_call_rate"
	limitNetworkCalls  = "network_calls"
	limitUnknownCalls  = "unknown_calls"
	limitPeerCalls     = "peer_calls"
	limitPeerRate      = "peer_call_rate"
	limitSourceMessage = "source_rate" // the message limiter's (sourceLimiter)
)

// LimitStats are the figures of the driver's limits since it started.
type LimitStats struct {
	// Refused counts the INVITEs refused by a call limit, answered 486 or
	// 503 (re-INVITEs included) or, past shedAfter a second, dropped (Shed).
	Refused uint64 `json:"refused"`
	// Shed counts those of them dropped unanswered.
	Shed uint64 `json:"shed"`
	// ByLimit counts them per limit: source_calls, source_call_rate,
	// network_calls, unknown_calls, peer_calls, peer_call_rate.
	ByLimit map[string]uint64 `json:"by_limit"`
	// Sources are the sources refused most, most first (ten at most).
	Sources []SourceRefusals `json:"sources"`
	// Messages counts the messages dropped by the message rate (source_rate).
	Messages uint64 `json:"messages_dropped"`
	// CallsFromStrangers is how many calls addresses that are no peer have now.
	CallsFromStrangers int `json:"calls_from_strangers"`
	// TCPRefused counts the TCP connections closed as accepted, past their
	// source's share (tcp_source_connections, tcp_connections); TCPTimedOut
	// those closed for bringing no complete message in time, or idling too
	// long (tcp_guard.go).
	TCPRefused  uint64 `json:"tcp_refused"`
	TCPTimedOut uint64 `json:"tcp_timed_out"`
}

// SourceRefusals is one source's refusals.
type SourceRefusals struct {
	Source  string    `json:"source"`         // the IP address
	Peer    string    `json:"peer,omitempty"` // the peer it is one of
	Refused uint64    `json:"refused"`        // Shed included
	Shed    uint64    `json:"shed"`
	Limit   string    `json:"limit"` // the last limit it hit
	Last    time.Time `json:"last"`
}

// callLimit bounds what one source (or one peer) may have.
type callLimit struct {
	calls int     // at once; ≤ 0: no bound
	rate  float64 // new calls (and re-INVITEs) a second; ≤ 0: no bound
}

// tokens is a token bucket of rate a second and a burst of twice that.
type tokens struct {
	n    float64
	last time.Time
}

// refill adds the tokens earned up to now and returns the burst.
func (t *tokens) refill(rate float64, now time.Time) (burst float64) {
	burst = max(2*rate, 1)
	if t.last.IsZero() {
		t.n = burst
	} else {
		t.n = min(burst, t.n+now.Sub(t.last).Seconds()*rate)
	}
	t.last = now
	return burst
}

// take takes a token if there is one at now; otherwise it reports how long
// until there is.
func (t *tokens) take(rate float64, now time.Time) (ok bool, wait time.Duration) {
	ok, wait = t.reach(1, rate, now)
	if ok && rate > 0 {
		t.n--
	}
	return ok, wait
}

// reach reports whether the bucket holds at least n tokens at now, or how
// long until it does.
func (t *tokens) reach(n, rate float64, now time.Time) (ok bool, wait time.Duration) {
	if rate <= 0 {
		return true, 0
	}
	t.refill(rate, now)
	if t.n >= n {
		return true, 0
	}
	return false, time.Duration((n - t.n) / rate * float64(time.Second))
}

// owe takes a token at now whether or not there is one: without, the
// bucket goes into debt (by a burst at most), paid off at the rate.
func (t *tokens) owe(rate float64, now time.Time) {
	if rate <= 0 {
		return
	}
	burst := t.refill(rate, now)
	t.n = max(t.n-1, -burst)
}

// full reports whether the bucket has filled up again by now (its state is
// then no different from a new one's).
func (t *tokens) full(rate float64, now time.Time) bool {
	return rate <= 0 || t.last.IsZero() || t.n+now.Sub(t.last).Seconds()*rate >= max(2*rate, 1)
}

// peerState is a peer with its counts.
type peerState struct {
	name     string
	prefixes []netip.Prefix
	limit    callLimit
	calls    int // guarded by callLimiter.mu
	bucket   tokens
}

// stranger is one address that is no peer.
type stranger struct {
	calls  int
	bucket tokens
	// window is the second in which refused answered refusals were sent.
	window  time.Time
	refused int
}

// refusal says which limit an INVITE is past, and how to answer it.
type refusal struct {
	limit      string
	max        float64 // the limit's value
	peer       string
	code       int
	reason     string
	retryAfter int // seconds
}

// callLimiter decides which INVITEs may become calls. It is safe for
// concurrent use: every INVITE's goroutine, every leg's end and the
// transport filter call it.
type callLimiter struct {
	strangers callLimit
	network   int // calls at once from one /24 (/64) of strangers; ≤ 0: no bound
	unknown   int // calls at once from all strangers; ≤ 0: no bound
	peers     []*peerState

	// mu guards the fields below it, and the peers' counts.
	mu       sync.Mutex
	sources  map[netip.Addr]*stranger
	overflow stranger // shared by new strangers while sources is full
	nets     map[netip.Prefix]int
	all      int // calls of strangers
	swept    time.Time
	refused  uint64
	shed     uint64
	byLimit  map[string]uint64
	refusers map[netip.Addr]*SourceRefusals
}

func newCallLimiter(cfg Config) (*callLimiter, error) {
	cl := &callLimiter{
		strangers: callLimit{calls: cfg.SourceCalls, rate: cfg.SourceCallRate},
		network:   cfg.NetworkCalls,
		unknown:   cfg.UnknownCalls,
		sources:   map[netip.Addr]*stranger{},
		nets:      map[netip.Prefix]int{},
		byLimit:   map[string]uint64{},
		refusers:  map[netip.Addr]*SourceRefusals{},
	}
	listed := false
	trunk := trunkAddrs(cfg.Trunk)
	for _, p := range cfg.Peers {
		ps := &peerState{name: p.Name, limit: callLimit{calls: p.Calls, rate: p.CallRate}}
		for _, a := range p.Addresses {
			pre, err := parsePeerAddress(a)
			if err != nil {
				return nil, err
			}
			ps.prefixes = append(ps.prefixes, pre)
			for _, t := range trunk {
				listed = listed || pre.Contains(t)
			}
		}
		cl.peers = append(cl.peers, ps)
	}
	if !listed && len(trunk) > 0 {
		cl.peers = append(cl.peers, &peerState{name: "trunk", prefixes: []netip.Prefix{netip.PrefixFrom(trunk[0], trunk[0].BitLen())}})
	}
	return cl, nil
}

// peer is the peer a is one of, nil for a stranger.
func (cl *callLimiter) peer(a netip.Addr) *peerState {
	for _, p := range cl.peers {
		for _, pre := range p.prefixes {
			if pre.Contains(a) {
				return p
			}
		}
	}
	return nil
}

// isPeer reports whether a is a peer's, for the message limiter.
func (cl *callLimiter) isPeer(a netip.Addr) bool { return cl.peer(a) != nil }

// networkOf is a's /24 (IPv4) or /64 (IPv6).
func networkOf(a netip.Addr) netip.Prefix {
	bits := 64
	if a.Is4() {
		bits = 24
	}
	p, _ := a.Prefix(bits)
	return p
}

// admission is a call let in: its share of its source's limits, given back
// by release when the call ends (or is given up before it became a leg).
type admission struct {
	cl       *callLimiter
	peer     *peerState // nil for a stranger
	stranger *stranger
	network  netip.Prefix
	freed    atomic.Bool
	// owed is the bucket of an attemptAnswer let in without taking its token,
	// and its rate: charge takes it unless the answer authenticated.
	owed *tokens
	rate float64
}

// attempt is what kind of INVITE admit decides on.
type attempt int

const (
	// attemptOffer is a re-INVITE within a call: only the rate counts, and it
	// holds nothing, so its admission is nil.
	attemptOffer attempt = iota
	// attemptCall is an INVITE that starts a call.
	attemptCall
	// attemptAnswer starts a call too, with credentials that answer a challenge
	// we sent within answerWindow: the same attempt as the INVITE that was
	// challenged, so it takes no token, unless it does not authenticate
	// (admission.charge).
	attemptAnswer
)

// answerWindow is how long after our 407 an INVITE with its nonce counts as
// the challenged INVITE again: an INVITE transaction's life (64×T1), far
// more than a phone takes to answer.
const answerWindow = 32 * time.Second

// admit decides on an INVITE of kind k from a at now. It returns the
// refusal when a limit says no.
func (cl *callLimiter) admit(a netip.Addr, k attempt, now time.Time) (*admission, *refusal) {
	if cl == nil {
		return nil, nil
	}
	initial := k != attemptOffer
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if p := cl.peer(a); p != nil {
		if initial && p.limit.calls > 0 && p.calls >= p.limit.calls {
			return nil, cl.refuseLocked(a, p.name, busy(limitPeerCalls, p.limit.calls), now)
		}
		if ok, wait := p.bucket.spend(k, p.limit.rate, now); !ok {
			return nil, cl.refuseLocked(a, p.name, tooFast(limitPeerRate, p.limit.rate, wait), now)
		}
		if !initial {
			return nil, nil
		}
		p.calls++
		adm := &admission{cl: cl, peer: p}
		if k == attemptAnswer {
			adm.owed, adm.rate = &p.bucket, p.limit.rate
		}
		return adm, nil
	}
	s := cl.strangerLocked(a, now)
	network := networkOf(a)
	if initial {
		switch {
		case cl.strangers.calls > 0 && s.calls >= cl.strangers.calls:
			return nil, cl.refuseLocked(a, "", busy(limitSourceCalls, cl.strangers.calls), now)
		case cl.network > 0 && cl.nets[network] >= cl.network:
			return nil, cl.refuseLocked(a, "", busy(limitNetworkCalls, cl.network), now)
		case cl.unknown > 0 && cl.all >= cl.unknown:
			return nil, cl.refuseLocked(a, "", busy(limitUnknownCalls, cl.unknown), now)
		}
	}
	if ok, wait := s.bucket.spend(k, cl.strangers.rate, now); !ok {
		return nil, cl.refuseLocked(a, "", tooFast(limitSourceRate, cl.strangers.rate, wait), now)
	}
	if !initial {
		return nil, nil
	}
	s.calls++
	cl.nets[network]++
	cl.all++
	adm := &admission{cl: cl, stranger: s, network: network}
	if k == attemptAnswer {
		adm.owed, adm.rate = &s.bucket, cl.strangers.rate
	}
	return adm, nil
}

// spend is take for an INVITE of kind k. An answer to our challenge takes
// nothing (the challenged INVITE took its token, maybe the last one), but
// needs the bucket out of debt: a source that owes for answers that did not
// authenticate waits (attemptAnswer).
func (t *tokens) spend(k attempt, rate float64, now time.Time) (ok bool, wait time.Duration) {
	if k == attemptAnswer {
		return t.reach(0, rate, now)
	}
	return t.take(rate, now)
}

// charge makes an answer that did not authenticate pay for itself after
// all: it takes the token admit left (attemptAnswer). It is a no-op on
// other admissions, on nil, and after the first call. Only the INVITE's
// own goroutine calls it.
func (a *admission) charge(now time.Time) {
	if a == nil || a.owed == nil {
		return
	}
	a.cl.mu.Lock()
	a.owed.owe(a.rate, now)
	a.cl.mu.Unlock()
	a.owed = nil
}

func busy(limit string, n int) refusal {
	return refusal{limit: limit, max: float64(n), code: 486, reason: "Busy Here", retryAfter: busyRetryAfter}
}

func tooFast(limit string, rate float64, wait time.Duration) refusal {
	return refusal{limit: limit, max: rate, code: 503, reason: "Service Unavailable",
		retryAfter: max(1, int(math.Ceil(wait.Seconds())))}
}

// strangerLocked is a's entry, made if need be. The table is bounded: when
// it is full, entries that hold no call and whose bucket has filled again
// are swept (at most once a second), and past that new addresses share one
// entry (overflow) until there is room. The caller holds mu.
func (cl *callLimiter) strangerLocked(a netip.Addr, now time.Time) *stranger {
	if s := cl.sources[a]; s != nil {
		return s
	}
	if len(cl.sources) >= maxSources && now.Sub(cl.swept) >= time.Second {
		cl.swept = now
		for k, s := range cl.sources {
			if s.calls == 0 && s.bucket.full(cl.strangers.rate, now) && now.Sub(s.window) >= time.Second {
				delete(cl.sources, k)
			}
		}
	}
	if len(cl.sources) >= maxSources {
		return &cl.overflow
	}
	s := &stranger{}
	cl.sources[a] = s
	return s
}

// refuseLocked counts a refusal of an INVITE from a and returns it, with the
// peer named. The caller holds mu.
func (cl *callLimiter) refuseLocked(a netip.Addr, peer string, r refusal, now time.Time) *refusal {
	r.peer = peer
	cl.refused++
	cl.byLimit[r.limit]++
	sr := cl.refuserLocked(a, peer)
	sr.Refused++
	sr.Limit, sr.Last = r.limit, now
	if peer == "" {
		s := cl.strangerLocked(a, now)
		if now.Sub(s.window) >= time.Second {
			s.window, s.refused = now, 0
		}
		s.refused++
	}
	return &r
}

// refuserLocked is a's refusal counts, made if need be: past maxRefusers
// the source refused least gives way. The caller holds mu.
func (cl *callLimiter) refuserLocked(a netip.Addr, peer string) *SourceRefusals {
	if sr := cl.refusers[a]; sr != nil {
		return sr
	}
	if len(cl.refusers) >= maxRefusers {
		var least netip.Addr
		var n uint64 = math.MaxUint64
		for k, sr := range cl.refusers {
			if sr.Refused < n {
				least, n = k, sr.Refused
			}
		}
		delete(cl.refusers, least)
	}
	sr := &SourceRefusals{Source: a.String(), Peer: peer}
	cl.refusers[a] = sr
	return sr
}

// shedding reports whether an INVITE from stranger a is to be dropped
// unparsed: it has been answered shedAfter refusals within the second.
// It counts the drop.
func (cl *callLimiter) shedding(a netip.Addr, now time.Time) bool {
	if cl == nil {
		return false
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	s := cl.sources[a]
	if s == nil || s.refused < shedAfter || now.Sub(s.window) >= time.Second {
		return false
	}
	cl.refused++
	cl.shed++
	sr := cl.refuserLocked(a, "")
	sr.Refused++
	sr.Shed++
	sr.Last = now
	if sr.Limit != "" {
		cl.byLimit[sr.Limit]++
	}
	return true
}

// release gives back what a held; it is safe to call more than once, and on
// nil.
func (a *admission) release() {
	if a == nil || !a.freed.CompareAndSwap(false, true) {
		return
	}
	cl := a.cl
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if a.peer != nil {
		a.peer.calls--
		return
	}
	a.stranger.calls--
	if cl.nets[a.network]--; cl.nets[a.network] <= 0 {
		delete(cl.nets, a.network)
	}
	cl.all--
}

// stats reports the figures.
func (cl *callLimiter) stats() LimitStats {
	st := LimitStats{ByLimit: map[string]uint64{}}
	if cl == nil {
		return st
	}
	cl.mu.Lock()
	st.Refused, st.Shed, st.CallsFromStrangers = cl.refused, cl.shed, cl.all
	for k, v := range cl.byLimit {
		st.ByLimit[k] = v
	}
	for _, sr := range cl.refusers {
		st.Sources = append(st.Sources, *sr)
	}
	cl.mu.Unlock()
	slices.SortFunc(st.Sources, func(a, b SourceRefusals) int {
		return cmp.Or(cmp.Compare(b.Refused, a.Refused), cmp.Compare(a.Source, b.Source))
	})
	if len(st.Sources) > maxReported {
		st.Sources = st.Sources[:maxReported]
	}
	return st
}

// logRefused logs a refusal, at most once per 10 s per source (logGate).
func (d *Driver) logRefused(source string, r *refusal) {
	args := []any{"limit", r.limit, "max", r.max, "answer", r.code}
	if r.peer != "" {
		args = append(args, "peer", r.peer)
	}
	d.logRefusal(slog.LevelWarn, "sip call refused: source over its limit", source, args...)
}

// admitInvite applies the call limits to an INVITE of kind k. When a limit
// says no, it answers statelessly, logs (sparingly) and returns false;
// nothing of the call is made.
func (d *Driver) admitInvite(req *siplib.Request, tx siplib.ServerTransaction, k attempt) (*admission, bool) {
	adm, r := d.callLimits.admit(sourceAddr(req), k, time.Now())
	if r == nil {
		return adm, true
	}
	res := siplib.NewResponseFromRequest(req, r.code, r.reason, nil)
	res.AppendHeader(siplib.NewHeader("Retry-After", strconv.Itoa(r.retryAfter)))
	_ = tx.Respond(res)
	tx.Terminate()
	d.logRefused(req.Source(), r)
	return nil, false
}

// LimitStats reports the figures of the per-source limits: calls refused
// (in total, per limit and for the sources refused most) and messages
// dropped by the message rate.
func (d *Driver) LimitStats() LimitStats {
	st := d.callLimits.stats()
	st.Messages = d.limit.limited()
	st.TCPRefused, st.TCPTimedOut = d.tcpGuard.refused.Load(), d.tcpGuard.timedOut.Load()
	return st
}
