package sip

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestCallLimiter(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	a2 := netip.MustParseAddr("192.0.2.2") // a's /24
	b := netip.MustParseAddr("198.51.100.7")
	pbx := netip.MustParseAddr("10.1.2.3")
	trunk := netip.MustParseAddr("203.0.113.9")
	v6 := netip.MustParseAddr("2001:db8::1")
	v6b := netip.MustParseAddr("2001:db8::2") // v6's /64
	base := Config{
		SourceCalls: 3, SourceCallRate: 100, NetworkCalls: 5, UnknownCalls: 8, Trunk: "203.0.113.9:5060",
		Peers: []Peer{{Name: "pbx", Addresses: []string{"10.1.0.0/16"}, Calls: 4, CallRate: 1}},
	}
	type step struct {
		from     netip.Addr
		at       time.Duration
		n        int  // INVITEs at that moment
		reinvite bool // offers within calls
		release  int  // calls of this source given back first
		want     int  // let in
		limit    string
		code     int
	}
	tests := []struct {
		name  string
		cfg   func(*Config)
		steps []step
	}{
		{"a source gets its calls at once", nil, []step{{from: a, n: 5, want: 3, limit: limitSourceCalls, code: 486}}},
		{"a call that ends makes room", nil, []step{
			{from: a, n: 3, want: 3}, {from: a, n: 2, release: 1, want: 1, limit: limitSourceCalls, code: 486}}},
		{"another source is not hurt", nil, []step{{from: a, n: 10, want: 3, limit: limitSourceCalls}, {from: b, n: 3, want: 3}}},
		{"a /24 shares its calls", nil, []step{{from: a, n: 3, want: 3}, {from: a2, n: 3, want: 2, limit: limitNetworkCalls, code: 486}}},
		{"an IPv6 /64 shares its calls", nil, []step{{from: v6, n: 3, want: 3}, {from: v6b, n: 3, want: 2, limit: limitNetworkCalls}}},
		{"strangers share half the lines", func(c *Config) { c.NetworkCalls = -1 }, []step{
			{from: a, n: 3, want: 3}, {from: a2, n: 3, want: 3}, {from: b, n: 3, want: 2, limit: limitUnknownCalls, code: 486},
			{from: pbx, n: 1, want: 1}}},
		{"the rate: a burst of twice, then the rate", func(c *Config) { c.SourceCalls = -1; c.NetworkCalls = -1; c.UnknownCalls = -1; c.SourceCallRate = 2 }, []step{
			{from: a, n: 6, want: 4, limit: limitSourceRate, code: 503}, {from: a, at: time.Second, n: 3, want: 2, limit: limitSourceRate}}},
		{"re-INVITEs take the rate, not calls", func(c *Config) { c.SourceCallRate = 2 }, []step{
			{from: a, n: 3, reinvite: true, want: 3}, {from: a, n: 3, reinvite: true, want: 1, limit: limitSourceRate, code: 503},
			{from: a, at: 10 * time.Second, n: 3, want: 3}}},
		{"a peer has its own limits", nil, []step{
			{from: pbx, n: 3, want: 2, limit: limitPeerRate, code: 503},
			{from: netip.MustParseAddr("10.1.9.9"), at: 10 * time.Second, n: 3, want: 2, limit: limitPeerCalls, code: 486}}},
		{"the trunk is a peer without limits", nil, []step{{from: trunk, n: 50, want: 50}}},
		{"a peer that lists the trunk's address wins", func(c *Config) {
			c.Peers = append(c.Peers, Peer{Name: "carrier", Addresses: []string{"203.0.113.0/24"}, Calls: 5})
		}, []step{{from: trunk, n: 50, want: 5, limit: limitPeerCalls}}},
		{"off", func(c *Config) { c.SourceCalls, c.SourceCallRate, c.NetworkCalls, c.UnknownCalls = -1, -1, -1, -1 }, []step{
			{from: a, n: 500, want: 500}}},
	}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			cfg.Peers = append([]Peer(nil), base.Peers...)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			cl, err := newCallLimiter(cfg)
			if err != nil {
				t.Fatal(err)
			}
			held := map[netip.Addr][]*admission{}
			for i, s := range tt.steps {
				for range s.release {
					held[s.from][0].release()
					held[s.from][0].release() // twice is harmless
					held[s.from] = held[s.from][1:]
				}
				got, limit, code := 0, "", 0
				for range s.n {
					adm, r := cl.admit(s.from, kindOf(s.reinvite), t0.Add(s.at))
					if r != nil {
						limit, code = r.limit, r.code
						if r.retryAfter < 1 {
							t.Errorf("step %d: Retry-After %d", i, r.retryAfter)
						}
						continue
					}
					got++
					if adm != nil {
						held[s.from] = append(held[s.from], adm)
					}
				}
				if got != s.want || limit != s.limit || (s.code != 0 && code != s.code) {
					t.Errorf("step %d: %d of %d let in, refused by %q (%d); want %d, %q (%d)", i, got, s.n, limit, code, s.want, s.limit, s.code)
				}
			}
			for _, as := range held {
				for _, a := range as {
					a.release()
				}
			}
			if cl.all != 0 || len(cl.nets) != 0 {
				t.Errorf("after every call ended: %d strangers' calls, %d networks", cl.all, len(cl.nets))
			}
			for _, p := range cl.peers {
				if p.calls != 0 {
					t.Errorf("after every call ended: peer %s has %d calls", p.name, p.calls)
				}
			}
		})
	}
}

// TestCallLimiterShedsAndCounts: a source that goes on past its refusals is
// dropped unanswered for the rest of the second, a peer never is, and the
// counts name the source.
func TestCallLimiterShedsAndCounts(t *testing.T) {
	cl, err := newCallLimiter(Config{SourceCalls: 1, SourceCallRate: 100, NetworkCalls: -1, UnknownCalls: -1,
		Peers: []Peer{{Name: "pbx", Addresses: []string{"10.0.0.1"}, Calls: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	flooder, pbx := netip.MustParseAddr("192.0.2.66"), netip.MustParseAddr("10.0.0.1")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	answered, shed := 0, 0
	for i := range 100 {
		now := t0.Add(time.Duration(i) * time.Millisecond)
		if cl.shedding(flooder, now) {
			shed++
			continue
		}
		if _, r := cl.admit(flooder, attemptCall, now); r != nil {
			answered++
		}
	}
	if answered != shedAfter || shed != 100-1-shedAfter {
		t.Errorf("%d refusals answered, %d shed; want %d and %d", answered, shed, shedAfter, 100-1-shedAfter)
	}
	if cl.shedding(flooder, t0.Add(1100*time.Millisecond)) {
		t.Error("still shedding the next second")
	}
	for range 30 {
		cl.admit(pbx, attemptCall, t0)
		if cl.shedding(pbx, t0) {
			t.Fatal("a peer's INVITE was shed")
		}
	}
	st := cl.stats()
	if st.Refused != 99+29 || st.Shed != uint64(shed) || st.ByLimit[limitSourceCalls] != 99 || st.ByLimit[limitPeerCalls] != 29 {
		t.Errorf("stats %+v", st)
	}
	if len(st.Sources) != 2 || st.Sources[0].Source != "192.0.2.66" || st.Sources[0].Refused != 99 || st.Sources[1].Peer != "pbx" {
		t.Errorf("sources %+v", st.Sources)
	}
}

// kindOf is the attempt of a test step.
func kindOf(reinvite bool) attempt {
	if reinvite {
		return attemptOffer
	}
	return attemptCall
}

// TestCallLimiterAnswers: a phone's call is one attempt, its INVITE
// challenged and again with credentials: at 2 a second (burst 4) a phone
// makes 4 calls at once and then 2 a second, each with its retry. Answers
// that do not authenticate pay (charge) as a new INVITE would, into debt
// when the bucket is empty; a peer's answers likewise.
func TestCallLimiterAnswers(t *testing.T) {
	phone, flooder, pbx := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.66"), netip.MustParseAddr("10.0.0.1")
	cl, err := newCallLimiter(Config{SourceCalls: -1, SourceCallRate: 2, NetworkCalls: -1, UnknownCalls: -1,
		Peers: []Peer{{Name: "pbx", Addresses: []string{"10.0.0.1"}, CallRate: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	// call dials from a: the challenged INVITE, then the answer, which
	// authenticates or not. It reports how far it got: 0 refused at once,
	// 1 refused its answer, 2 let in.
	call := func(a netip.Addr, at time.Duration, authenticates bool) int {
		now := t0.Add(at)
		adm, r := cl.admit(a, attemptCall, now)
		if r != nil {
			return 0
		}
		adm.release() // 407: no leg
		adm, r = cl.admit(a, attemptAnswer, now)
		if r != nil {
			return 1
		}
		if !authenticates {
			adm.charge(now)
			adm.charge(now) // twice is once
		}
		adm.release()
		return 2
	}
	got := []int{}
	for range 5 {
		got = append(got, call(phone, 0, true))
	}
	got = append(got, call(phone, time.Second, true), call(phone, time.Second, true), call(phone, time.Second, true))
	if want := "[2 2 2 2 0 2 2 0]"; fmt.Sprint(got) != want {
		t.Errorf("a phone's calls got %v, want %s (2: let in, 0: refused at the first INVITE)", got, want)
	}

	// A flooder that answers every challenge with junk: two calls' worth
	// in the burst of four, then nothing, and its debt makes it wait.
	got = got[:0]
	for range 4 {
		got = append(got, call(flooder, 0, false))
	}
	if want := "[2 2 0 0]"; fmt.Sprint(got) != want {
		t.Errorf("junk answers got %v, want %s", got, want)
	}
	// A second later it has earned two tokens: one try. An answer without
	// a challenge (a nonce kept from before) puts it into debt, once.
	if n := call(flooder, time.Second, false); n != 2 {
		t.Errorf("junk a second later got %d, want one try let in", n)
	}
	for i, want := range []bool{true, false} {
		adm, r := cl.admit(flooder, attemptAnswer, t0.Add(time.Second))
		if (r == nil) != want {
			t.Fatalf("answer %d without a challenge: refusal %v, want let in %v", i, r, want)
		}
		adm.charge(t0.Add(time.Second))
		adm.release()
	}
	if _, r := cl.admit(flooder, attemptCall, t0.Add(1900*time.Millisecond)); r == nil {
		t.Error("a new call 0.9 s later let in, with 0.8 tokens after the debt; want it refused")
	}
	if _, r := cl.admit(flooder, attemptCall, t0.Add(2*time.Second)); r != nil {
		t.Errorf("a new call once the debt is paid: %v", r)
	}
	// A peer at 1 a second (burst 2): its phone's calls cost one each.
	if a, b, c := call(pbx, 0, true), call(pbx, 0, true), call(pbx, 0, true); a != 2 || b != 2 || c != 0 {
		t.Errorf("peer's calls got %d %d %d, want 2 2 0", a, b, c)
	}
}

// TestCallLimiterBounded: ever new (spoofed) addresses neither grow the
// tables without bound nor let strangers past their share together.
func TestCallLimiterBounded(t *testing.T) {
	cl, err := newCallLimiter(Config{SourceCalls: 1, SourceCallRate: 1, NetworkCalls: 2, UnknownCalls: 500})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	in := 0
	for i := range 4 * maxSources {
		a := netip.AddrFrom4([4]byte{172, byte(16 + i>>16), byte(i >> 8), byte(i)})
		now := t0.Add(time.Duration(i) * time.Millisecond)
		cl.shedding(a, now)
		if adm, r := cl.admit(a, attemptCall, now); r == nil {
			in++
			if i%2 == 0 {
				adm.release()
				in--
			}
		}
	}
	if len(cl.sources) > maxSources || len(cl.refusers) > maxRefusers || len(cl.nets) > 500 {
		t.Errorf("tables: %d sources, %d refusers, %d networks", len(cl.sources), len(cl.refusers), len(cl.nets))
	}
	if in > 500 || cl.all != in {
		t.Errorf("%d strangers' calls held (counted %d), want at most 500", in, cl.all)
	}
}

func TestPeerConfig(t *testing.T) {
	tests := []struct {
		name string
		peer Peer
		want string // in the error; "" for none
	}{
		{"address", Peer{Name: "pbx", Addresses: []string{"10.0.0.1"}}, ""},
		{"network and IPv6", Peer{Name: "pbx", Addresses: []string{"10.0.0.0/8", "2001:db8::/32"}, Calls: 100, CallRate: 20}, ""},
		{"no name", Peer{Addresses: []string{"10.0.0.1"}}, "sip.peers[0].name"},
		{"no address", Peer{Name: "pbx"}, "sip.peers[0].addresses: empty"},
		{"bad address", Peer{Name: "pbx", Addresses: []string{"10.0.0.1", "pbx.example"}}, `sip.peers[0].addresses[1]: "pbx.example"`},
		{"bad network", Peer{Name: "pbx", Addresses: []string{"10.0.0.0/33"}}, "sip.peers[0].addresses[0]"},
		{"negative calls", Peer{Name: "pbx", Addresses: []string{"10.0.0.1"}, Calls: -1}, "sip.peers[0].calls"},
		{"negative rate", Peer{Name: "pbx", Addresses: []string{"10.0.0.1"}, CallRate: -1}, "sip.peers[0].call_rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Config{Peers: []Peer{tt.peer}}.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate: %v; want %q", err, tt.want)
			}
		})
	}
	if err := (Config{Peers: []Peer{{Name: "a", Addresses: []string{"10.0.0.1"}}, {Name: "a", Addresses: []string{"10.0.0.2"}}}}).Validate(); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("a name twice: %v", err)
	}
	c, err := Config{Listen: "127.0.0.1:0"}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.SourceCalls != 10 || c.SourceCallRate != 2 || c.NetworkCalls != 50 || c.UnknownCalls != c.MaxCalls/2 {
		t.Errorf("defaults: %d calls, %v a second, %d a network, %d strangers", c.SourceCalls, c.SourceCallRate, c.NetworkCalls, c.UnknownCalls)
	}
}
