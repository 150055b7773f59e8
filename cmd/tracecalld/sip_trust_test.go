package main_test

import (
	"strings"
	"testing"
	"time"

	"tracecall/drivers/sip/siptest"
)

// TestSIPFeatureCodesNeedThePhone: agent li's extension is SIP phone 8003
// (added over the API, as an installer would). SIPp, claiming to be 8003
// without its password, dials *21, *23 and *22: each is challenged and
// never becomes a call (no call started, no record), and li stays logged
// out; an anonymous *21 is refused 403. Phone 8003 then registers and dials
// *21 and *22 answering the challenge: li is logged in, then out.
func TestSIPFeatureCodesNeedThePhone(t *testing.T) {
	siptest.Tool(t, "sipp", "sip-tester")
	// The shipped config, with the test's address a peer of the call limits
	// (so that its attempts in quick succession are not refused for their
	// rate): a peer of the limits is not believed about its From.
	config := shippedConfigWith(t, "", "", "\n[[sip.peers]]\nname = \"tests\"\naddresses = [\"127.0.0.1\"]\n")
	data := t.TempDir()
	d := &daemon{t: t, data: data}
	d.launch("-config", config, "-data", data, "-http", "127.0.0.1:0", "-sip", "127.0.0.1:0", "-demo")
	const password = "s3cret-phone-8003"
	if code := d.api("POST", "/api/sip/phones", strings.NewReader(`{"user":"8003","password":"`+password+`"}`), nil); code != 201 {
		t.Fatalf("POST /api/sip/phones = %d", code)
	}
	if code := d.api("POST", "/api/agents", strings.NewReader(`{"id":"li","name":"李娜","extension":"sip:8003"}`), nil); code != 201 {
		t.Fatalf("POST /api/agents = %d", code)
	}
	w := watchEvents(t, d)
	state := func() string {
		var agents []struct {
			ID     string
			Status struct{ State string }
		}
		d.api("GET", "/api/agents", nil, &agents)
		for _, a := range agents {
			if a.ID == "li" {
				return a.Status.State
			}
		}
		t.Fatalf("no agent li in %+v", agents)
		return ""
	}

	for _, code := range []string{"*21", "*23", "*22"} {
		if err := siptest.DialFeatureCode(t, d.sip, "8003", code, ""); err != nil {
			t.Errorf("spoofed %s from 8003: %v", code, err)
		}
	}
	if err := siptest.DialFeatureCode(t, d.sip, "13800138000", "*21", ""); err != nil {
		t.Errorf("anonymous *21: %v", err)
	}
	if s := state(); s != "logged_out" {
		t.Errorf("after the spoofed codes li is %s, want logged_out", s)
	}
	w.mu.Lock()
	for _, e := range w.all {
		if e.Kind == "call_started" && strings.HasPrefix(e.To, "*") {
			t.Errorf("a refused feature code became a call: %+v", e)
		}
	}
	w.mu.Unlock()
	if l := d.log.String(); !strings.Contains(l, "invite refused: unverified caller to a number for the appliance's phones") {
		t.Errorf("the daemon did not log the refused anonymous feature code")
	}

	if err := siptest.Register(t, d.sip, "8003", password); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ code, want string }{{"*21", "ready"}, {"*22", "logged_out"}} {
		if err := siptest.DialFeatureCode(t, d.sip, "8003", tt.code, password); err != nil {
			t.Fatalf("phone 8003 dialling %s: %v", tt.code, err)
		}
		w.until(t, 10*time.Second, "li "+tt.want+" after "+tt.code, func() bool {
			st := w.states["li"]
			return len(st) > 0 && st[len(st)-1] == tt.want
		})
	}
}
