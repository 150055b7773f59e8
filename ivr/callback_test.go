package ivr_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/cdr"
	"tracecall/drivers/sim"
	"tracecall/store"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
)

// newCallbackHarness is the ACD harness with the callback settings cb and an
// agent phone that answers after 300 ms, without wrap-up.
func newCallbackHarness(t *testing.T, cb acd.CallbackConfig) *acdHarness {
	t.Helper()
	return buildHarness(t, harnessSpec{
		edit:        func(c *shippedConfig) { c.ACD.Queues[0].WrapUp = 0 },
		callback:    cb,
		answerAfter: 300 * time.Millisecond,
	})
}

// waitDisposition waits for the record of id to reach disposition.
func waitDisposition(t *testing.T, db *store.DB, id telephony.CallID, disposition string) store.CallRecord {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r, ok, err := db.Call(string(id))
		if err != nil {
			t.Fatal(err)
		}
		// A pending request is the call still open: the core keeps it
		// until the callback is over.
		done := !r.InProgress || disposition == cdr.CallbackPending
		if ok && done && r.Disposition == disposition {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s: disposition %q, want %q; %+v", id, r.Disposition, disposition, r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCallbackWhenAgentFree: the only agent is busy; a second caller presses
// * on hold, confirms with 1 and is hung up on; when the agent is free the
// request is offered to them as a callback, and once they answer the caller's
// phone rings and the two are connected.
func TestCallbackWhenAgentFree(t *testing.T) {
	t.Parallel()
	h := newCallbackHarness(t, acd.CallbackConfig{Tries: 2, RetryAfter: time.Second, RingTimeout: 2 * time.Second})
	w := eventtest.Watch(t, h.bus)
	ctx := context.Background()
	if err := h.acd.Login(ctx, "8001"); err != nil {
		t.Fatal(err)
	}
	// The caller's own phone, for the callback.
	back := h.d.AddPhone("13800138000", sim.PhoneOptions{AnswerAfter: 200 * time.Millisecond})

	first := h.callFrom(t, "13900000001", "0", 6*time.Second)
	eventtest.Expect(w, 5*time.Second, func(e event.CallTaken) bool { return e.Call() == first.CallID() })

	// 0 at the menu, * two seconds into the hold, 1 to confirm.
	c := h.callFrom(t, "13800138000", "0ww*w1", 20*time.Second)
	req := eventtest.Expect(w, 8*time.Second, func(e event.CallbackRequested) bool { return e.Call() == c.CallID() })
	if req.Number != "13800138000" || req.Queue != "trace" || req.Position != 1 {
		t.Errorf("request %+v", req)
	}
	said := eventtest.Expect(w, 3*time.Second, func(e event.Said) bool {
		return e.Call() == c.CallID() && e.Prompt == "queue_callback_done"
	})
	if !strings.Contains(said.Text, "已为您登记回拨") || strings.Contains(said.Text, "{tail}") {
		t.Errorf("said %q", said.Text)
	}
	res, err := c.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Hangup.By != "ivr" {
		t.Errorf("callback caller hung up by %q, want the ivr after its goodbye", res.Hangup.By)
	}
	waitDisposition(t, h.db, c.CallID(), cdr.CallbackPending)
	if back.Calls() != 0 {
		t.Fatal("the caller was called back while the agent was busy")
	}

	// The first caller hangs up: the agent is offered the request as a callback.
	off := eventtest.Expect(w, 8*time.Second, func(e event.CallOffered) bool { return e.Call() == c.CallID() })
	if off.Agent != "8001" || off.Data[acd.DataCallback] != "1" || off.Data[acd.DataCallbackNumber] != "13800138000" {
		t.Errorf("offer %+v", off)
	}
	att := eventtest.Expect(w, 5*time.Second, func(e event.CallbackAttempted) bool { return e.Call() == c.CallID() })
	if att.Result != acd.CallbackAnswered || att.Attempt != 1 || att.Agent != "8001" {
		t.Errorf("attempt %+v", att)
	}
	for _, line := range []string{"sim/phone/13800138000", "sim/phone/8001"} {
		eventtest.Expect(w, 2*time.Second, func(e event.RoomJoined) bool { return e.Call() == c.CallID() && e.Line == line })
	}
	// The caller hears the agent, then hangs up.
	time.Sleep(500 * time.Millisecond)
	back.Hangup()
	eventtest.Expect(w, 3*time.Second, func(e event.CallEnded) bool { return e.Call() == c.CallID() && e.By == "caller" })
	r := waitDisposition(t, h.db, c.CallID(), cdr.Answered)
	if r.Type != cdr.TypeCallback || r.Agent != "8001" || r.Queue != "trace" || r.Caller != "13800138000" {
		t.Errorf("record: type %q agent %q queue %q caller %q", r.Type, r.Agent, r.Queue, r.Caller)
	}
	agent, _ := h.d.Phone("8001")
	pr, err := agent.Last().Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// While the caller's phone rang, the agent heard ringback (450 Hz); then
	// the caller's phone (600 Hz).
	heard := loud(pr.Heard)
	if len(heard) < 1600 {
		t.Fatalf("agent heard %d samples of sound", len(heard))
	}
	if s := share(heard[:800], 450); s < 0.5 {
		t.Errorf("agent's first sound has %.2f of its energy at 450 Hz, want ringback", s)
	}
	if s := share(heard[len(heard)-800:], 600); s < 0.5 {
		t.Errorf("agent's last sound has %.2f of its energy at 600 Hz, want the caller", s)
	}
}

// TestCallbackNotAnswered: the caller never picks up; the request is tried
// the configured number of times, then recorded as failed, and the agent is
// free again each time.
func TestCallbackNotAnswered(t *testing.T) {
	t.Parallel()
	h := newCallbackHarness(t, acd.CallbackConfig{Tries: 2, RetryAfter: 500 * time.Millisecond, RingTimeout: time.Second})
	w := eventtest.Watch(t, h.bus)
	back := h.d.AddPhone("13800138001", sim.PhoneOptions{AnswerAfter: -1})
	// Nobody logged in yet (the queue refuses callers then): log in, make
	// the agent busy with a first caller so the second one waits.
	ctx := context.Background()
	if err := h.acd.Login(ctx, "8001"); err != nil {
		t.Fatal(err)
	}
	first := h.callFrom(t, "13900000001", "0", 5*time.Second)
	eventtest.Expect(w, 5*time.Second, func(e event.CallTaken) bool { return e.Call() == first.CallID() })
	c := h.callFrom(t, "13800138001", "0ww*w1", 20*time.Second)
	eventtest.Expect(w, 8*time.Second, func(e event.CallbackRequested) bool { return e.Call() == c.CallID() })

	for i := 1; i <= 2; i++ {
		att := eventtest.Expect(w, 10*time.Second, func(e event.CallbackAttempted) bool { return e.Call() == c.CallID() })
		if att.Attempt != i || att.Result != acd.CallbackNoAnswer {
			t.Errorf("attempt %+v, want %d unanswered", att, i)
		}
	}
	f := eventtest.Expect(w, 3*time.Second, func(e event.CallbackFailed) bool { return e.Call() == c.CallID() })
	if f.Attempts != 2 {
		t.Errorf("failed after %d tries, want 2", f.Attempts)
	}
	if n := back.Calls(); n != 2 {
		t.Errorf("caller's phone rang %d times, want 2", n)
	}
	r := waitDisposition(t, h.db, c.CallID(), cdr.CallbackFailed)
	if r.Type != cdr.TypeCallback || r.Agent != "8001" {
		t.Errorf("record: type %q agent %q", r.Type, r.Agent)
	}
	s, err := h.acd.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range s.Agents {
		if a.ID == "8001" && a.State != acd.StateReady {
			t.Errorf("agent %s after the failed callback, want ready", a.State)
		}
	}
}

// TestCallbackThroughBoard: with the daemon's wiring, the IVR's callback
// request carries the call (queue, trace code) and the called-back caller is
// on the switchboard like any connected call: the agent holds them and
// transfers them to a number, and the call record is one answered callback.
func TestCallbackThroughBoard(t *testing.T) {
	t.Parallel()
	h := newCallbackHarness(t, acd.CallbackConfig{Tries: 2, RetryAfter: time.Second, RingTimeout: 2 * time.Second})
	w := eventtest.Watch(t, h.bus)
	ctx := context.Background()
	if err := h.acd.Login(ctx, "8001"); err != nil {
		t.Fatal(err)
	}
	back := h.d.AddPhone("13800138000", sim.PhoneOptions{AnswerAfter: 200 * time.Millisecond})
	h.d.AddPhone("8100", sim.PhoneOptions{AnswerAfter: 200 * time.Millisecond})

	first := h.callFrom(t, "13900000001", "0", 6*time.Second)
	eventtest.Expect(w, 5*time.Second, func(e event.CallTaken) bool { return e.Call() == first.CallID() })
	c := h.callFrom(t, "13800138000", "0ww*w1", 20*time.Second)
	eventtest.Expect(w, 8*time.Second, func(e event.CallbackRequested) bool { return e.Call() == c.CallID() })

	// The first caller's call ends; the agent takes the request and the
	// caller is called back, onto the board.
	eventtest.Expect(w, 10*time.Second, func(e event.CallbackAttempted) bool {
		return e.Call() == c.CallID() && e.Result == acd.CallbackAnswered
	})
	deadline := time.Now().Add(3 * time.Second)
	for h.board.Calls()["8001"] != c.CallID() {
		if time.Now().After(deadline) {
			t.Fatalf("the callback is not on the board: %v", h.board.Calls())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := h.board.Hold(ctx, "8001", true); err != nil {
		t.Fatal(err)
	}
	eventtest.Expect(w, 2*time.Second, func(e event.CallHeld) bool { return e.Call() == c.CallID() && e.Held })
	if err := h.board.Transfer(ctx, "8001", switchboard.Target{Kind: switchboard.TargetNumber, Value: "sim:8100"}, false); err != nil {
		t.Fatal(err)
	}
	eventtest.Expect(w, 3*time.Second, func(e event.CallTransfer) bool {
		return e.Call() == c.CallID() && e.Stage == "completed" && e.Target == "sim:8100"
	})
	time.Sleep(300 * time.Millisecond)
	back.Hangup()
	eventtest.Expect(w, 3*time.Second, func(e event.CallEnded) bool { return e.Call() == c.CallID() })
	r := waitDisposition(t, h.db, c.CallID(), cdr.Answered)
	if r.Type != cdr.TypeCallback || r.Agent != "8001" || r.Queue != "trace" {
		t.Errorf("record: type %q agent %q queue %q", r.Type, r.Agent, r.Queue)
	}
	deadline = time.Now().Add(3 * time.Second)
	for {
		s, err := h.acd.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(s.Agents, func(a acd.AgentStatus) bool { return a.ID == "8001" }); i >= 0 && s.Agents[i].State == acd.StateReady {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent after the callback: %+v", s.Agents)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// callbackRequests records the callback requests the IVR makes.
type callbackRequests chan switchboard.CallbackRequest

func (c callbackRequests) Callback(_ context.Context, r switchboard.CallbackRequest) error {
	c <- r
	return nil
}

// TestCallbackOnlyToAssertedNumbers: * on hold offers a callback to a
// caller whose number the network asserts; a caller whose number is only
// what they wrote (a SIP INVITE sent straight to the appliance, From: any
// number) hears that a callback needs a number we can see, is not called
// back whatever they key, and holds on in the queue.
func TestCallbackOnlyToAssertedNumbers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		unasserted bool
		wantPrompt string
	}{
		{"asserted", false, "queue_callback_done"},
		{"spoofed", true, "queue_callback_unavailable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reqs := make(callbackRequests, 1)
			q := &capturingQueues{}
			d, bus := capturingIVR(t, q, reqs)
			w := eventtest.Watch(t, bus)
			c := callSim(t, d, sim.CallOptions{ANI: "13800138000", Unasserted: tt.unasserted, DNIS: "96315", DTMF: "0ww*w1", Timeout: 8 * time.Second})
			said := eventtest.Expect(w, 6*time.Second, func(e event.Said) bool {
				return e.Call() == c.CallID() && strings.HasPrefix(e.Prompt, "queue_callback_")
			})
			if said.Prompt != tt.wantPrompt {
				t.Fatalf("said %s (%q), want %s", said.Prompt, said.Text, tt.wantPrompt)
			}
			res, err := c.Wait(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !tt.unasserted {
				if r := <-reqs; r.To.User != "13800138000" || res.Hangup.By != "ivr" {
					t.Errorf("callback to %v, hung up by %q", r.To, res.Hangup.By)
				}
				return
			}
			if !strings.Contains(said.Text, "无法确认您的来电号码") {
				t.Errorf("said %q, want the zh-CN reason", said.Text)
			}
			select {
			case r := <-reqs:
				t.Fatalf("a spoofed number was called back: %+v", r)
			default:
			}
			// The caller held on until they hung up themselves.
			if res.Hangup.By != "caller" {
				t.Errorf("spoofed caller hung up by %q, want the caller after holding on", res.Hangup.By)
			}
		})
	}
}
