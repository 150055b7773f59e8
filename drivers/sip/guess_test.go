package sip_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"

	"tracecall/drivers/sip"
	"tracecall/throttle"
)

// registerAs sends REGISTER for user from u, answers the 401 with password
// and returns the final answer.
func registerAs(t *testing.T, u *uac, server, user, password string) *msg {
	t.Helper()
	u.from, u.to = user, user
	u.cseq++
	u.send("REGISTER", u.cseq, "", []string{"Expires: 600"}, "")
	chal := u.expect(401)
	c, err := digest.ParseChallenge(chal.header("WWW-Authenticate"))
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: "sip:" + server, Username: user, Password: password, Cnonce: randHex(4), Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	u.cseq++
	u.send("REGISTER", u.cseq, "", []string{"Expires: 600", "Authorization: " + cred.String()}, "")
	return u.read()
}

// TestDigestGuessingElsewhereNeverHoldsThePhone: wrong passwords for 8001
// from many addresses (against the daemon: one every 0.5 s from 50
// addresses grew the account's wait to 64 s, and 8001's refreshes from its
// own binding got 403 throughout). The account's wait holds only addresses
// with failures of their own: the registered phone refreshing, and the user
// at a desk with a clean record, are checked and get in; a guessing address
// is held by the account's wait even with the right password; and guessing
// from the phone's own address is slowed for that account too.
func TestDigestGuessingElsewhereNeverHoldsThePhone(t *testing.T) {
	const user, password = "8001", "s3cret-8001"
	clock := newFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	d := servePhones(t, sip.Config{DigestThrottle: throttle.Config{Now: clock.Now}}, nil)
	checked := func(m *msg) bool { return m.code == 403 && m.header("Warning") == "" }
	held := func(m *msg) bool { return m.code == 403 && strings.Contains(m.header("Warning"), "try again in") }

	phone := uacFrom(t, "udp", "127.0.0.1", d.Addr())
	if m := registerAs(t, phone, d.Addr(), user, password); m.code != 200 {
		t.Fatalf("phone's first REGISTER: %q", m.start)
	}
	// guess makes 8 fresh addresses, from 127.0.0.first on, guess once each:
	// each is checked (a clean record), and the account then waits.
	guess := func(first int) []*uac {
		var guessers []*uac
		for i := range 8 {
			g := uacFrom(t, "udp", fmt.Sprintf("127.0.0.%d", first+i), d.Addr())
			guessers = append(guessers, g)
			if m := registerAs(t, g, d.Addr(), user, "wrong-guess"); !checked(m) {
				t.Fatalf("first guess from fresh address %d: %q %q, want 403 checked", i, m.start, m.header("Warning"))
			}
		}
		if _, acc := d.DigestThrottles(); acc.Wait(user) <= 0 {
			t.Fatalf("account %s not waiting after 8 wrong passwords", user)
		}
		return guessers
	}

	guessers := guess(10)
	if m := registerAs(t, guessers[0], d.Addr(), user, password); !held(m) {
		t.Errorf("right password from an address that guessed, during the account's wait: %q %q, want 403 held", m.start, m.header("Warning"))
	}
	if m := registerAs(t, phone, d.Addr(), user, password); m.code != 200 {
		t.Errorf("phone refreshing from its binding while its account waits: %q %q, want 200", m.start, m.header("Warning"))
	}
	// The phone's right password forgot the account's failures; guessing
	// starts again and the user tries from a desk with a clean record.
	guess(20)
	desk := uacFrom(t, "udp", "127.0.0.40", d.Addr())
	if m := registerAs(t, desk, d.Addr(), user, password); m.code != 200 {
		t.Errorf("right password from a clean address during the account's wait: %q %q, want 200", m.start, m.header("Warning"))
	}

	// Guessing from the phone's own address (its NAT) is slowed too: three
	// free, the fourth starts a wait, the fifth is held.
	for i := range 4 {
		if m := registerAs(t, phone, d.Addr(), user, "wrong-guess"); !checked(m) {
			t.Fatalf("guess %d from the binding: %q %q, want 403 checked", i, m.start, m.header("Warning"))
		}
	}
	if m := registerAs(t, phone, d.Addr(), user, password); !held(m) {
		t.Errorf("right password from the binding after 4 wrong ones there: %q %q, want 403 held", m.start, m.header("Warning"))
	}
	clock.advance(time.Second)
	if m := registerAs(t, phone, d.Addr(), user, password); m.code != 200 {
		t.Errorf("right password from the binding after its wait: %q %q, want 200", m.start, m.header("Warning"))
	}
}
