package sip_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/icholy/digest"

	"tracecall/drivers/sip"
)

// uacFrom is newUAC over UDP from the loopback address local, so that a test
// has a second source address.
func uacFrom(t *testing.T, local, server string) *uac {
	t.Helper()
	c, err := (&net.Dialer{LocalAddr: &net.UDPAddr{IP: net.ParseIP(local)}}).Dial("udp", server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &uac{t: t, netw: "udp", conn: c, local: c.LocalAddr().String(), server: server,
		callID: randHex(8) + "@test", fromTag: randHex(4), cseq: 1, rtpPort: 4000}
}

// registerAs sends REGISTER for user from u, answers the 401 with password
// and returns the final answer's code.
func registerAs(t *testing.T, u *uac, server, user, password string) int {
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
	return u.read().code
}

// TestAttackDigestAccountLockoutHoldsTheRealPhone: anyone who can send UDP
// makes a registered phone wait by guessing its password from elsewhere.
// The account's wait (guess.go, guessWait) applies to the phone's own
// binding address too, so the phone's next REGISTER refresh (and its
// feature codes) gets 403 "try again in N s"; one wrong guess each time the
// wait ends doubles it to 5 minutes, and the phone stays out. Against the
// daemon: 150 guesses over 75 s from 50 addresses held 8003's account for
// 64 s and growing, and its refresh from its binding got 403 throughout.
// The panel does not let this happen ("a desk with no failures of its own is
// never held by the account's wait"); the registrar should not either.
func TestAttackDigestAccountLockoutHoldsTheRealPhone(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	phone := uacFrom(t, "127.0.0.1", d.Addr())
	if code := registerAs(t, phone, d.Addr(), "8001", "s3cret-8001"); code != 200 {
		t.Fatalf("phone's first REGISTER: %d", code)
	}
	for i := range 4 {
		attacker := uacFrom(t, fmt.Sprintf("127.0.0.%d", 10+i), d.Addr())
		if code := registerAs(t, attacker, d.Addr(), "8001", "wrong-guess"); code != 403 {
			t.Fatalf("guess %d: %d, want 403", i, code)
		}
	}
	if code := registerAs(t, phone, d.Addr(), "8001", "s3cret-8001"); code != 200 {
		t.Errorf("registered phone refreshing from its own address after others guessed its password: %d, want 200", code)
	}
}
