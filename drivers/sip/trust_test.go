package sip_test

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icholy/digest"

	"tracecall/drivers/sip"
	"tracecall/drivers/sip/siptest"
	"tracecall/telephony"
	"tracecall/throttle"
)

// testPlan is a dial plan: ivr is the public hotline, the feature codes are
// routed but kept for the appliance's phones.
type testPlan struct{}

func (testPlan) Routes(n string) bool {
	return n == "ivr" || n == "*21" || n == "*22" || n == "*23" || n == "*24"
}
func (testPlan) Public(n string) bool { return n == "ivr" }

// loopbackPeer lifts the per-source call limits (limit_calls.go) off the
// tests' callers, which place many calls from 127.0.0.1 at once. A peer
// of the limits is not believed about its From: that is TrustedPeers.
var loopbackPeer = []sip.Peer{{Name: "tests", Addresses: []string{"127.0.0.0/8"}}}

// legInfos is a handler that reports each leg it is handed and refuses it
// busy (486), so that a call that reached the handler is told apart from
// one the driver refused.
type legInfos chan telephony.LegInfo

func (c legInfos) ServeLeg(ctx context.Context, l telephony.Leg) {
	c <- l.Info()
	_ = l.Hangup(ctx, telephony.CauseBusy)
}

// proxyAuth answers a 407's challenge for an INVITE to uri as user.
func proxyAuth(t *testing.T, challenge *msg, uri, user, password string) string {
	t.Helper()
	chal, err := digest.ParseChallenge(challenge.header("Proxy-Authenticate"))
	if err != nil {
		t.Fatalf("407 challenge %q: %v", challenge.header("Proxy-Authenticate"), err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "INVITE", URI: uri, Username: user, Password: password, Cnonce: randHex(4), Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	return "Proxy-Authorization: " + cred.String()
}

// TestInviteTrust: who may dial what. Anonymous callers reach the public
// hotline only, unverified; an INVITE whose From is a phone account is
// challenged (407) and goes in verified only with that account's password
// while it is registered; a trusted peer's From is believed. Nothing
// refused reaches the handler or holds a line.
func TestInviteTrust(t *testing.T) {
	infos := make(legInfos, 16)
	d := serveWith8003(t, sip.Config{DialPlan: testPlan{}, Peers: loopbackPeer}, infos)
	trusting := servePhonesWith(t, sip.Config{DialPlan: testPlan{}, TrustedPeers: []string{"127.0.0.0/8"}, Peers: loopbackPeer}, nil, infos)

	tests := []struct {
		name      string
		d         *sip.Driver
		from, to  string
		password  string // answers a 407 with it; "" leaves the challenge
		digestTo  string // the user the credentials are made for; default to
		want      []int  // the final responses, in order
		wantLeg   bool
		wantVouch bool
	}{
		{name: "anonymous to the hotline", from: "13800138000", to: "ivr", want: []int{486}, wantLeg: true},
		{name: "anonymous feature code", from: "13800138000", to: "*21", want: []int{403}},
		{name: "anonymous to nothing", from: "13800138000", to: "12345", want: []int{404}},
		{name: "spoofed agent login", from: "8003", to: "*21", want: []int{407}},
		{name: "spoofed agent ready", from: "8003", to: "*23", want: []int{407}},
		{name: "spoofed agent logout", from: "8003", to: "*22", want: []int{407}},
		{name: "spoofed agent to the hotline", from: "8003", to: "ivr", want: []int{407}},
		{name: "wrong password", from: "8003", to: "*21", password: "guess", want: []int{407, 403}},
		{name: "agent's phone logs in", from: "8003", to: "*21", password: "s3cret-8003", want: []int{407, 486}, wantLeg: true, wantVouch: true},
		{name: "agent's phone calls the hotline", from: "8003", to: "ivr", password: "s3cret-8003", want: []int{407, 486}, wantLeg: true, wantVouch: true},
		{name: "credentials made for another number", from: "8003", to: "*22", digestTo: "*21", password: "s3cret-8003", want: []int{407, 403}},
		{name: "phone not registered, feature code", from: "8004", to: "*21", password: "s3cret-8004", want: []int{407, 403}},
		{name: "phone not registered, hotline", from: "8004", to: "ivr", password: "s3cret-8004", want: []int{407, 486}, wantLeg: true},
		{name: "trusted peer's extension", d: trusting, from: "8003", to: "*21", want: []int{486}, wantLeg: true, wantVouch: true},
		{name: "trusted peer, anything", d: trusting, from: "2001", to: "12345", want: []int{486}, wantLeg: true, wantVouch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := d
			if tt.d != nil {
				target = tt.d
			}
			u := newUAC(t, "udp", target.Addr())
			u.from, u.to = tt.from, tt.to
			var got []int
			m := u.invite(offer(4000, "8 0 101", g711Offer...), tt.want[0])
			got = append(got, m.code)
			if m.code == 407 && tt.password != "" {
				if !strings.Contains(m.header("Proxy-Authenticate"), `realm="tracecall"`) {
					t.Errorf("Proxy-Authenticate %q: want our realm", m.header("Proxy-Authenticate"))
				}
				uri := fmt.Sprintf("sip:%s@%s", cmp.Or(tt.digestTo, tt.to), target.Addr())
				u.cseq++
				u.toTag = "" // the 407 ended the first INVITE; this one is new
				m = u.invite(offer(4000, "8 0 101", g711Offer...), tt.want[len(tt.want)-1], proxyAuth(t, m, uri, tt.from, tt.password))
				got = append(got, m.code)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("responses %v, want %v", got, tt.want)
			}
			select {
			case info := <-infos:
				if !tt.wantLeg {
					t.Fatalf("a leg reached the handler: %+v", info)
				}
				if info.From != tt.from || info.To != tt.to || info.FromVerified != tt.wantVouch {
					t.Errorf("leg from %s to %s verified %v, want from %s to %s verified %v",
						info.From, info.To, info.FromVerified, tt.from, tt.to, tt.wantVouch)
				}
			default:
				if tt.wantLeg {
					t.Fatal("no leg reached the handler")
				}
			}
		})
	}
	// The INVITE's wrong password counted against its address, as a
	// REGISTER's would; the right one since cleared the account.
	src, acc := d.DigestThrottles()
	if s := src.Snapshot(); len(s) != 1 || s[0].Key != "127.0.0.1" || s[0].Failures != 1 {
		t.Errorf("source throttle %+v, want 127.0.0.1 with the one wrong password", s)
	}
	if s := acc.Snapshot(); len(s) != 0 {
		t.Errorf("account throttle %+v, want none after 8003's right password", s)
	}
	for _, drv := range []*sip.Driver{d, trusting} {
		if ls := drv.Lines(); len(ls) != 0 {
			t.Errorf("lines busy after the calls: %+v", ls)
		}
	}
}

// serveWith8003 serves a driver configured as cfg whose handler is infos,
// with phone 8003 registered.
func serveWith8003(t *testing.T, cfg sip.Config, infos legInfos) *sip.Driver {
	t.Helper()
	d := servePhonesWith(t, cfg, nil, infos)
	p := newPhoneUA(t, d.Addr())
	if _, res := p.register(t, "8003", "s3cret-8003", "<sip:8003@127.0.0.1:5993>", 600); res.StatusCode != 200 {
		t.Fatalf("register 8003: %d", res.StatusCode)
	}
	return d
}

// fakeClock is the throttles' clock in tests: it moves only when told.
type fakeClock struct {
	// mu guards now.
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestDigestGuessingSlowsDown: 1,000 REGISTERs with wrong passwords from one
// address as fast as it can send them. The first few are checked and
// refused; then the address and the account wait, and everything that
// comes meanwhile is refused without the password being looked at. The
// right password during the wait is refused too, and works once the wait
// is over. Each lockout is logged once.
func TestDigestGuessingSlowsDown(t *testing.T) {
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	logs := &logBuffer{}
	d := servePhones(t, sip.Config{DigestThrottle: throttle.Config{Now: clock.Now}}, slog.New(slog.NewTextHandler(logs, nil)))
	u := newUAC(t, "udp", d.Addr())
	u.from, u.to = "8001", "8001"

	u.send("REGISTER", u.cseq, "", []string{"Expires: 600"}, "")
	chal := u.expect(401)
	wwwAuth := func(password string) string {
		c, err := digest.ParseChallenge(chal.header("WWW-Authenticate"))
		if err != nil {
			t.Fatal(err)
		}
		cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: "sip:" + d.Addr(), Username: u.from, Password: password, Cnonce: randHex(4), Count: 1})
		if err != nil {
			t.Fatal(err)
		}
		return "Authorization: " + cred.String()
	}
	register := func(password string) *msg {
		u.cseq++
		u.send("REGISTER", u.cseq, "", []string{"Expires: 600", wwwAuth(password)}, "")
		return u.read()
	}

	const guesses = 1000
	start := time.Now()
	checked, unchecked := 0, 0
	for i := range guesses {
		m := register(fmt.Sprintf("guess-%d", i))
		switch {
		case m.code == 403 && strings.Contains(m.header("Warning"), "try again in"):
			unchecked++
		case m.code == 403:
			checked++
		default:
			t.Fatalf("guess %d: %q", i, m.start)
		}
	}
	elapsed := time.Since(start)
	t.Logf("%d wrong passwords in %v: %d checked, %d refused unchecked", guesses, elapsed.Round(time.Millisecond), checked, unchecked)
	if checked != 4 {
		t.Errorf("%d guesses were checked, want 4 (3 free, then the waits refuse the rest unchecked)", checked)
	}
	if m := register("s3cret-8001"); m.code != 403 || !strings.Contains(m.header("Warning"), "try again in 1 s") {
		t.Errorf("right password during the wait: %q (Warning %q), want 403 saying to wait 1 s", m.start, m.header("Warning"))
	}
	src, acc := d.DigestThrottles()
	if s := src.Snapshot(); len(s) != 1 || s[0].Key != "127.0.0.1" || s[0].Failures != 4 {
		t.Errorf("source throttle %+v, want 127.0.0.1 with 4 failures", s)
	}
	if s := acc.Snapshot(); len(s) != 1 || s[0].Key != "8001" || s[0].Failures != 4 {
		t.Errorf("account throttle %+v, want 8001 with 4 failures", s)
	}

	clock.advance(time.Second)
	if m := register("s3cret-8001"); m.code != 200 {
		t.Fatalf("right password after the wait: %q, want 200", m.start)
	}
	if _, ok := d.Registered("8001"); !ok {
		t.Error("8001 not registered after the right password")
	}
	if s := acc.Snapshot(); len(s) != 0 {
		t.Errorf("account throttle after the right password %+v, want it forgotten", s)
	}
	// The address keeps its count: one good account does not buy guesses
	// at the others. Another wrong guess waits 2 s now.
	u.from, u.to = "8002", "8002"
	if m := register("guess"); m.code != 403 || m.header("Warning") != "" {
		t.Errorf("guess at 8002: %q %q, want 403 checked", m.start, m.header("Warning"))
	}
	if w := src.Wait("127.0.0.1"); w != 2*time.Second {
		t.Errorf("source wait after the fifth failure %v, want 2s", w)
	}

	l := logs.String()
	for _, want := range []string{"source=127.0.0.1", "account=8001"} {
		if !strings.Contains(l, want+" wait=1s") {
			t.Errorf("log lacks the lockout of %s:\n%s", want, l)
		}
	}
	if n := strings.Count(l, "too many wrong passwords, next attempts must wait"); n != 2 {
		// 127.0.0.1 and 8001 once each; 127.0.0.1 again within 10 s is not
		// logged again, and 8002 has had one failure only.
		t.Errorf("%d lockout lines, want 2:\n%s", n, l)
	}
}

// TestSIPpFeatureCodes: SIPp as the attacker and as the agent's phone. With
// From: sip:8003 and no credentials, *21, *22 and *23 are refused (407) and
// never reach the handler; the same codes dialled by phone 8003 after it
// registered, answering the challenge with its password, come in verified.
func TestSIPpFeatureCodes(t *testing.T) {
	legs := make(chan telephony.LegInfo, 8)
	d := servePhonesWith(t, sip.Config{DialPlan: testPlan{}, Peers: loopbackPeer}, nil, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		legs <- l.Info()
		if l.Answer(ctx) == nil {
			_ = l.Hangup(ctx, telephony.CauseNormal)
		}
	}))
	codes := []string{"*21", "*22", "*23"}
	for _, code := range codes {
		if err := siptest.DialFeatureCode(t, d.Addr(), "8003", code, ""); err != nil {
			t.Errorf("spoofed %s: %v", code, err)
		}
	}
	if err := siptest.DialFeatureCode(t, d.Addr(), "13800138000", "*21", ""); err != nil {
		t.Errorf("anonymous *21: %v", err)
	}
	select {
	case info := <-legs:
		t.Fatalf("a spoofed feature code reached the handler: %+v", info)
	default:
	}

	if err := siptest.Register(t, d.Addr(), "8003", "s3cret-8003"); err != nil {
		t.Fatal(err)
	}
	for _, code := range codes {
		if err := siptest.DialFeatureCode(t, d.Addr(), "8003", code, "s3cret-8003"); err != nil {
			t.Fatalf("authenticated %s: %v", code, err)
		}
		info := <-legs
		if info.From != "8003" || info.To != code || !info.FromVerified {
			t.Errorf("leg %+v: want from 8003 to %s, verified", info, code)
		}
	}
}

// TestInviteAssertedNumber: which calling numbers the driver believes are
// the caller's (LegInfo.FromAsserted, for callbacks and VIP priority): a
// peer's (the trunk's ANI) and a trusted peer's, and an authenticated
// phone's, registered or not; not a stranger's, who may write any number,
// nor a withheld one from anyone. Only the agent's own phone and a trusted
// peer are verified: a peer's caller whose number is asserted acts for no
// agent.
func TestInviteAssertedNumber(t *testing.T) {
	infos := make(legInfos, 16)
	noRate := sip.Config{DialPlan: testPlan{}, SourceCallRate: -1}
	stranger := serveWith8003(t, noRate, infos)
	peer := servePhonesWith(t, sip.Config{DialPlan: testPlan{}, Peers: loopbackPeer}, nil, infos)
	trusting := servePhonesWith(t, sip.Config{DialPlan: testPlan{}, TrustedPeers: []string{"127.0.0.0/8"}, Peers: loopbackPeer}, nil, infos)

	tests := []struct {
		name         string
		d            *sip.Driver
		from         string
		password     string // answers a 407 with it
		wantVerified bool
		wantAsserted bool
	}{
		{name: "stranger's number", d: stranger, from: "13800138000"},
		{name: "stranger withholds", d: stranger, from: "anonymous"},
		{name: "unregistered phone authenticates", d: stranger, from: "8004", password: "s3cret-8004", wantAsserted: true},
		{name: "agent's phone", d: stranger, from: "8003", password: "s3cret-8003", wantVerified: true, wantAsserted: true},
		{name: "trunk's caller", d: peer, from: "13800138000", wantAsserted: true},
		{name: "trunk's caller withheld", d: peer, from: "Anonymous"},
		{name: "trusted pbx's extension", d: trusting, from: "2001", wantVerified: true, wantAsserted: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUAC(t, "udp", tt.d.Addr())
			u.from, u.to = tt.from, "ivr"
			want := 486
			if tt.password != "" {
				want = 407
			}
			m := u.invite(offer(4000, "8 0 101", g711Offer...), want)
			if m.code == 407 {
				u.cseq++
				u.toTag = ""
				m = u.invite(offer(4000, "8 0 101", g711Offer...), 486,
					proxyAuth(t, m, fmt.Sprintf("sip:ivr@%s", tt.d.Addr()), tt.from, tt.password))
			}
			if m.code != 486 {
				t.Fatalf("final response %d, want 486 from the handler", m.code)
			}
			info := <-infos
			if info.From != tt.from || info.FromVerified != tt.wantVerified || info.FromAsserted != tt.wantAsserted {
				t.Errorf("leg from %q verified %v asserted %v, want from %q verified %v asserted %v",
					info.From, info.FromVerified, info.FromAsserted, tt.from, tt.wantVerified, tt.wantAsserted)
			}
		})
	}
}

// TestChallengedInviteIsOneAttempt: a phone's INVITE challenged with 407
// and sent again with its credentials is one call attempt against its
// source's call rate, so a phone with one attempt left still gets its call
// in; a source that answers the challenge with wrong passwords pays for each
// try, and is refused 503 once it owes.
func TestChallengedInviteIsOneAttempt(t *testing.T) {
	// 0.2 calls a second: a burst of one attempt, and no refill to speak of
	// while the test runs.
	cfg := sip.Config{DialPlan: testPlan{}, SourceCallRate: 0.2}
	infos := make(legInfos, 4)
	d := servePhonesWith(t, cfg, nil, infos)
	uri := fmt.Sprintf("sip:ivr@%s", d.Addr())
	// call sends an INVITE from 8004 to the hotline, and answers each 407
	// with password (tries times); it returns the final responses.
	call := func(password string, tries int) []int {
		u := newUAC(t, "udp", d.Addr())
		u.from, u.to = "8004", "ivr"
		m := inviteFinal(u, offer(4000, "8 0 101", g711Offer...))
		got := []int{m.code}
		chal := m
		for i := 0; i < tries && m.code != 503; i++ {
			u.cseq++
			u.toTag = ""
			m = inviteFinal(u, offer(4000, "8 0 101", g711Offer...), proxyAuth(t, chal, uri, "8004", password))
			got = append(got, m.code)
		}
		return got
	}
	if got := call("s3cret-8004", 1); fmt.Sprint(got) != "[407 486]" {
		t.Fatalf("the phone's call: %v, want [407 486] (challenged, then in: one attempt)", got)
	}
	<-infos
	if got := call("s3cret-8004", 1); fmt.Sprint(got) != "[503]" {
		t.Errorf("a second call at once: %v, want [503]: the attempt is spent", got)
	}

	junk := servePhonesWith(t, cfg, nil, infos)
	d = junk
	uri = fmt.Sprintf("sip:ivr@%s", d.Addr())
	if got := call("guess", 4); fmt.Sprint(got) != "[407 403 503]" {
		t.Errorf("wrong passwords: %v, want [407 403 503]: the challenge and one wrong answer paid, then owing", got)
	}
	select {
	case info := <-infos:
		t.Errorf("a leg reached the handler: %+v", info)
	default:
	}
}

// inviteFinal sends an INVITE with body and returns its final response,
// whatever it is (a failure is ACKed).
func inviteFinal(u *uac, body string, headers ...string) *msg {
	u.t.Helper()
	branch := u.send("INVITE", u.cseq, "", headers, body)
	for {
		m := u.read()
		if m.code == 0 {
			u.t.Fatalf("got %q, want a response", m.start)
		}
		if m.code >= 300 {
			u.send("ACK", u.cseq, branch, nil, "")
		}
		if m.code >= 200 {
			return m
		}
	}
}
