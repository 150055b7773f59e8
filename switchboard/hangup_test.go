package switchboard_test

import (
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/drivers/sim"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/event"
)

// TestHangupDuringTransfer hangs a party up at each step of a transfer and
// checks that the connection ends or goes on as it should, that no phone is
// left off hook, and that every agent ends in the right ACD state (never
// talking to nobody, never ringing for a caller who left).
func TestHangupDuringTransfer(t *testing.T) {
	a2 := switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}
	tests := []struct {
		name    string
		to      switchboard.Target
		consult bool
		answer  bool   // the target answers before the hangup
		hangup  string // "caller", "a1" (phone), "a2" (phone)
		// wantA1, wantA2 are the agents' states after; connected says the
		// caller is still on.
		wantA1, wantA2 acd.State
		connected      bool
	}{
		{name: "caller, consult ringing", to: a2, consult: true, hangup: "caller", wantA1: acd.StateWrapUp, wantA2: acd.StateReady},
		{name: "caller, consult answered", to: a2, consult: true, answer: true, hangup: "caller", wantA1: acd.StateWrapUp, wantA2: acd.StateWrapUp},
		{name: "caller, blind ringing", to: a2, hangup: "caller", wantA1: acd.StateWrapUp, wantA2: acd.StateReady},
		{name: "caller, consult a queue ringing", to: switchboard.Target{Kind: switchboard.TargetQueue, Value: "q2"}, consult: true,
			hangup: "caller", wantA1: acd.StateWrapUp, wantA2: acd.StateReady},
		{name: "caller, consult a number ringing", to: switchboard.Target{Kind: switchboard.TargetNumber, Value: "sim:8002"}, consult: true,
			hangup: "caller", wantA1: acd.StateWrapUp, wantA2: acd.StateReady},
		{name: "consulted agent's phone", to: a2, consult: true, answer: true, hangup: "a2",
			wantA1: acd.StateTalking, wantA2: acd.StateWrapUp, connected: true},
		{name: "consulting agent's phone, target ringing", to: a2, consult: true, hangup: "a1",
			wantA1: acd.StateWrapUp, wantA2: acd.StateRinging, connected: true},
		{name: "consulting agent's phone, target answered", to: a2, consult: true, answer: true, hangup: "a1",
			wantA1: acd.StateWrapUp, wantA2: acd.StateTalking, connected: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.d.AddPhone("8002", sim.PhoneOptions{ToneHz: a2Hz, AnswerAfter: -1})
			caller, k := r.call()
			if err := r.board.Transfer(t.Context(), "a1", tt.to, tt.consult); err != nil {
				t.Fatal(err)
			}
			r.waitRinging("8002")
			if tt.answer {
				if err := r.phone("8002").Answer(); err != nil {
					t.Fatal(err)
				}
				waitFor(t, r.ev, "answered", func(e event.CallTransfer) bool {
					return e.CallID == k.id && (e.Stage == "answered" || e.Stage == "completed")
				})
			}
			switch tt.hangup {
			case "caller":
				caller.Hangup()
			case "a1":
				r.phone("8001").Hangup()
			case "a2":
				r.phone("8002").Hangup()
			}
			r.wantState("a1", tt.wantA1)
			if tt.to.Kind != switchboard.TargetNumber {
				r.wantState("a2", tt.wantA2)
			}
			if tt.connected {
				select {
				case <-caller.Done():
					t.Fatal("the caller was hung up")
				case <-time.After(300 * time.Millisecond):
				}
				caller.Hangup()
			}
			<-caller.Done()
			// Everyone is off the phone and the board holds nothing.
			deadline := time.Now().Add(3 * time.Second)
			for {
				idle := r.phone("8001").State() == telephony.LineIdle && r.phone("8002").State() == telephony.LineIdle
				if idle && len(r.board.Calls()) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("left over: 8001 %s, 8002 %s, board %v", r.phone("8001").State(), r.phone("8002").State(), r.board.Calls())
				}
				time.Sleep(10 * time.Millisecond)
			}
			for _, a := range []string{"a1", "a2"} {
				if st := r.state(a).State; st == acd.StateTalking || st == acd.StateRinging {
					t.Errorf("%s left %s after the call", a, st)
				}
			}
		})
	}
}

// TestCallEndsCleanly runs the desk's actions and the parties' hangups in
// the orders a call can take, and checks the end: every phone idle, the
// board empty, nobody talking or ringing in the ACD, no call left in a queue.
func TestCallEndsCleanly(t *testing.T) {
	a2 := switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}
	num := switchboard.Target{Kind: switchboard.TargetNumber, Value: "sim:8002"}
	type rigCaller struct {
		r      *rig
		caller *sim.Caller
		k      conn
	}
	ok := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	answer := func(t *testing.T, x rigCaller, stage string) {
		t.Helper()
		x.r.waitRinging("8002")
		ok(t, x.r.phone("8002").Answer())
		waitFor(t, x.r.ev, stage, func(e event.CallTransfer) bool { return e.CallID == x.k.id && e.Stage == stage })
	}
	tests := []struct {
		name  string
		steps func(t *testing.T, x rigCaller)
		want  map[string]acd.State
	}{
		{"held, caller hangs up", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Hold(t.Context(), "a1", true))
			x.caller.Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateReady}},
		{"conference, caller hangs up", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Transfer(t.Context(), "a1", a2, true))
			answer(t, x, "answered")
			ok(t, x.r.board.Conference(t.Context(), "a1"))
			x.caller.Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateWrapUp}},
		{"conference, a1 leaves, then a2's phone", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Transfer(t.Context(), "a1", a2, true))
			answer(t, x, "answered")
			ok(t, x.r.board.Conference(t.Context(), "a1"))
			ok(t, x.r.board.Hangup(t.Context(), "a1"))
			x.r.wantState("a1", acd.StateWrapUp)
			x.r.wantState("a2", acd.StateTalking)
			x.r.phone("8002").Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateWrapUp}},
		{"consult answered, a2 leaves by the desk", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Transfer(t.Context(), "a1", a2, true))
			answer(t, x, "answered")
			ok(t, x.r.board.Hangup(t.Context(), "a2"))
			x.r.wantState("a2", acd.StateWrapUp)
			x.r.wantState("a1", acd.StateTalking)
			x.caller.Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateWrapUp}},
		{"consult ringing, completed, answered, caller hangs up", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Transfer(t.Context(), "a1", a2, true))
			x.r.waitRinging("8002")
			ok(t, x.r.board.CompleteTransfer(t.Context(), "a1"))
			x.r.wantState("a1", acd.StateWrapUp)
			answer(t, x, "completed")
			x.caller.Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateWrapUp}},
		{"consult ringing, cancelled", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Transfer(t.Context(), "a1", a2, true))
			x.r.waitRinging("8002")
			ok(t, x.r.board.CancelTransfer(t.Context(), "a1"))
			x.r.wantState("a2", acd.StateReady)
			x.r.wantState("a1", acd.StateTalking)
			x.caller.Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateReady}},
		{"blind to a number, the number hangs up", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Transfer(t.Context(), "a1", num, false))
			answer(t, x, "completed")
			x.r.phone("8002").Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateReady}},
		{"consult a number, completed, caller hangs up", func(t *testing.T, x rigCaller) {
			ok(t, x.r.board.Transfer(t.Context(), "a1", num, true))
			answer(t, x, "answered")
			ok(t, x.r.board.CompleteTransfer(t.Context(), "a1"))
			waitFor(t, x.r.ev, "completed", func(e event.CallTransfer) bool { return e.CallID == x.k.id && e.Stage == "completed" })
			x.caller.Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateReady}},
		{"blind to a queue nobody serves, caller hangs up waiting", func(t *testing.T, x rigCaller) {
			ok(t, x.r.acd.SetNotReady(t.Context(), "a2", "break"))
			ok(t, x.r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetQueue, Value: "q2"}, false))
			waitFor(t, x.r.ev, "queued in q2", func(e event.CallQueued) bool { return e.CallID == x.k.id && e.Queue == "q2" })
			x.caller.Hangup()
		}, map[string]acd.State{"a1": acd.StateWrapUp, "a2": acd.StateNotReady}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			r.d.AddPhone("8002", sim.PhoneOptions{ToneHz: a2Hz, AnswerAfter: -1})
			caller, k := r.call()
			tt.steps(t, rigCaller{r, caller, k})
			select {
			case <-caller.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the caller was never hung up")
			}
			for a, st := range tt.want {
				r.wantState(a, st)
			}
			// The connection ends in its own goroutine after the caller's
			// hangup (withdrawing a transfer from its queue comes last), so
			// everything is polled until it has settled.
			deadline := time.Now().Add(3 * time.Second)
			for {
				idle := r.phone("8001").State() == telephony.LineIdle && r.phone("8002").State() == telephony.LineIdle
				s, err := r.acd.Snapshot(t.Context())
				ok(t, err)
				var queued []acd.QueuedCall
				for _, q := range s.Queues {
					queued = append(queued, q.Calls...)
				}
				if idle && len(r.board.Calls()) == 0 && len(queued) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("left over: 8001 %s, 8002 %s, board %v, queued %+v",
						r.phone("8001").State(), r.phone("8002").State(), r.board.Calls(), queued)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
