package sip_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/icholy/digest"

	"tracecall/drivers/sip"
)

// credentials answers the challenge in header (a 401's or 407's) for method
// and uri as user, with nonce count nc.
func credentials(t *testing.T, header, method, uri, user, password string, nc int) string {
	t.Helper()
	chal, err := digest.ParseChallenge(header)
	if err != nil {
		t.Fatalf("challenge %q: %v", header, err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: method, URI: uri, Username: user, Password: password, Cnonce: randHex(4), Count: nc})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

// TestReplayedCredentials: credentials captured from a phone's
// authenticated INVITE or REGISTER and sent again, from another socket in
// another call, get a fresh challenge with stale=true and nothing else: no
// leg, no binding moved. The phone itself may reuse its nonce by counting
// up (qop=auth's nc), as phones do; the same count twice is a replay.
func TestReplayedCredentials(t *testing.T) {
	infos := make(legInfos, 8)
	d := serveWith8003(t, sip.Config{DialPlan: testPlan{}, Peers: loopbackPeer}, infos)
	uri := fmt.Sprintf("sip:*21@%s", d.Addr())
	body := offer(4000, "8 0 101", g711Offer...)

	// invite sends a new call's INVITE from 8003 to *21 (a fresh Call-ID
	// and socket, as an attacker's would be), with auth as its
	// Proxy-Authorization ("" for none), and returns the final response.
	invite := func(auth string) *msg {
		u := newUAC(t, "udp", d.Addr())
		u.from, u.to = "8003", "*21"
		var h []string
		if auth != "" {
			h = append(h, "Proxy-Authorization: "+auth)
		}
		return inviteFinal(u, body, h...)
	}
	leg := func(want bool, what string) {
		t.Helper()
		select {
		case info := <-infos:
			if !want {
				t.Fatalf("%s: a leg reached the handler: %+v", what, info)
			}
		default:
			if want {
				t.Fatalf("%s: no leg", what)
			}
		}
	}
	chal := invite("").header("Proxy-Authenticate")
	captured := credentials(t, chal, "INVITE", uri, "8003", "s3cret-8003", 1)
	if m := invite(captured); m.code != 486 {
		t.Fatalf("the phone's call: %q, want 486 from the handler", m.start)
	}
	leg(true, "the phone's call")

	m := invite(captured)
	if m.code != 407 || !strings.Contains(strings.ToLower(m.header("Proxy-Authenticate")), "stale=true") {
		t.Fatalf("replayed INVITE: %q, Proxy-Authenticate %q; want 407 with stale=true", m.start, m.header("Proxy-Authenticate"))
	}
	leg(false, "the replay")

	// The phone counts on with the same nonce: a new use. Sent twice, the
	// second is a replay.
	second := credentials(t, chal, "INVITE", uri, "8003", "s3cret-8003", 2)
	if m := invite(second); m.code != 486 {
		t.Fatalf("the phone's next use of its nonce (nc 2): %q, want 486", m.start)
	}
	leg(true, "nc 2")
	if m := invite(second); m.code != 407 {
		t.Errorf("nc 2 again: %q, want 407", m.start)
	}
	// Counting back is no new use either.
	if m := invite(credentials(t, chal, "INVITE", uri, "8003", "s3cret-8003", 1)); m.code != 407 {
		t.Errorf("nc 1 after 2: %q, want 407", m.start)
	}
	leg(false, "the replays")

	// A REGISTER seen on the wire, sent again with the attacker's Contact.
	reg := func(u *uac, auth string) *msg {
		u.cseq++
		h := []string{"Expires: 600"}
		if auth != "" {
			h = append(h, "Authorization: "+auth)
		}
		u.send("REGISTER", u.cseq, "", h, "")
		return u.read()
	}
	phone := newUAC(t, "udp", d.Addr())
	phone.from, phone.to = "8001", "8001"
	regChal := reg(phone, "").header("WWW-Authenticate")
	regCred := credentials(t, regChal, "REGISTER", "sip:"+d.Addr(), "8001", "s3cret-8001", 1)
	if m := reg(phone, regCred); m.code != 200 {
		t.Fatalf("8001 registers: %q", m.start)
	}
	contact, _ := d.Registered("8001")
	attacker := newUAC(t, "udp", d.Addr())
	attacker.from, attacker.to = "8001", "8001"
	if m := reg(attacker, regCred); m.code != 401 || !strings.Contains(strings.ToLower(m.header("WWW-Authenticate")), "stale=true") {
		t.Errorf("replayed REGISTER: %q, WWW-Authenticate %q; want 401 with stale=true", m.start, m.header("WWW-Authenticate"))
	}
	if now, _ := d.Registered("8001"); now != contact {
		t.Errorf("8001's binding moved to %q by a replay (was %q)", now, contact)
	}
}
