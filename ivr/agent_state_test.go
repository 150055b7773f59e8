package ivr_test

import (
	"context"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/drivers/sim"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
)

// TestFeatureCodes dials the shipped feature codes from simulated phones and
// checks what the IVR said and the agent's state in the ACD.
func TestFeatureCodes(t *testing.T) {
	t.Parallel()
	h := newCallbackHarness(t, acd.CallbackConfig{})
	w := eventtest.Watch(t, h.bus)
	h.d.AddPhone("9999", sim.PhoneOptions{})
	tests := []struct {
		name       string
		phone      string
		code       string
		wantPrompt string
		wantState  acd.State
		wantReason string
	}{
		{name: "ready before login", phone: "8001", code: "*23", wantPrompt: "agent_not_logged_in", wantState: acd.StateLoggedOut},
		{name: "login", phone: "8001", code: "*21", wantPrompt: "agent_logged_in", wantState: acd.StateReady},
		{name: "login again", phone: "8001", code: "*21", wantPrompt: "agent_logged_in", wantState: acd.StateReady},
		{name: "not ready", phone: "8001", code: "*24", wantPrompt: "agent_not_ready", wantState: acd.StateNotReady, wantReason: "phone"},
		{name: "ready", phone: "8001", code: "*23", wantPrompt: "agent_ready", wantState: acd.StateReady},
		{name: "logout", phone: "8001", code: "*22", wantPrompt: "agent_logged_out", wantState: acd.StateLoggedOut},
		{name: "not an agent's phone", phone: "9999", code: "*21", wantPrompt: "agent_unknown", wantState: acd.StateLoggedOut},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := h.d.Phone(tt.phone)
			var c *sim.Caller
			var err error
			for range 200 { // the driver may still be starting
				if c, err = p.Call(context.Background(), sim.CallOptions{DNIS: tt.code, Timeout: 10 * time.Second}); err == nil {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if err != nil {
				t.Fatal(err)
			}
			said := eventtest.Expect(w, 5*time.Second, func(e event.Said) bool { return e.Call() == c.CallID() })
			if said.Prompt != tt.wantPrompt || said.Lang != "zh" {
				t.Errorf("said %s %q (%s), want %s", said.Prompt, said.Text, said.Lang, tt.wantPrompt)
			}
			res, err := c.Wait(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !res.Answered || res.Hangup.By != "ivr" {
				t.Errorf("call %+v: want answered, then hung up by the ivr", res)
			}
			s, err := h.acd.Snapshot(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range s.Agents {
				if a.ID == "8001" && (a.State != tt.wantState || a.Reason != tt.wantReason) {
					t.Errorf("agent 8001 is %s (%q), want %s (%q)", a.State, a.Reason, tt.wantState, tt.wantReason)
				}
			}
			for p.State() != "idle" {
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// TestFeatureCodesNeedAVerifiedPhone: a caller on a line claims agent 8001's
// extension and dials the feature codes. The driver does not vouch for a
// line caller's number, so each code is refused with agent_unverified and
// the agent's state never changes, whichever state it is in.
func TestFeatureCodesNeedAVerifiedPhone(t *testing.T) {
	t.Parallel()
	h := newCallbackHarness(t, acd.CallbackConfig{})
	w := eventtest.Watch(t, h.bus)
	tests := []struct {
		name  string
		setup func(ctx context.Context) error
		codes []string
		want  acd.State
	}{
		{"logged out stays out", func(context.Context) error { return nil }, []string{"*21", "*23", "*24"}, acd.StateLoggedOut},
		{"ready stays ready", func(ctx context.Context) error { return h.acd.Login(ctx, "8001") }, []string{"*22", "*24"}, acd.StateReady},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.setup(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, code := range tt.codes {
				var c *sim.Caller
				var err error
				for range 200 { // the driver may still be starting
					if c, err = h.d.Call(context.Background(), sim.CallOptions{ANI: "8001", DNIS: code, Timeout: 10 * time.Second}); err == nil {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				if err != nil {
					t.Fatal(err)
				}
				said := eventtest.Expect(w, 5*time.Second, func(e event.Said) bool { return e.Call() == c.CallID() })
				if said.Prompt != "agent_unverified" || said.Lang != "zh" || said.Text != "无法确认本分机的身份，未作任何更改。请用已登记的坐席话机拨打。" {
					t.Errorf("%s: said %s %q (%s), want agent_unverified in Chinese", code, said.Prompt, said.Text, said.Lang)
				}
				if _, err := c.Wait(context.Background()); err != nil {
					t.Fatal(err)
				}
				s, err := h.acd.Snapshot(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range s.Agents {
					if a.ID == "8001" && a.State != tt.want {
						t.Errorf("after %s from a line claiming 8001: agent 8001 is %s, want %s", code, a.State, tt.want)
					}
				}
			}
		})
	}
}
