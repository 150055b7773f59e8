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

// callbackNumber is the called-back caller's own phone.
const callbackNumber = "13800138000"

// calledBack makes call id a callback request in q while a1 is busy, frees
// a1, and waits until a1 has answered the request, the caller's phone has
// been rung back and the two are on the board. It returns when the caller's
// phone answered. Unless late, the caller's first call ends (CallEnded, as
// the IVR's queue node reports) before a1 is free.
func (r *rig) calledBack(id telephony.CallID, late bool) time.Time {
	t := r.t
	t.Helper()
	const number = callbackNumber
	// The caller's own phone, which the dialler rings back; it "speaks" the
	// caller's tone.
	r.d.AddPhone(number, sim.PhoneOptions{ToneHz: callerHz, Record: true, AnswerAfter: 200 * time.Millisecond})
	// a1 is busy, so the caller waits in q and asks to be called back.
	if err := r.acd.SetNotReady(t.Context(), "a1", "break"); err != nil {
		t.Fatal(err)
	}
	call := acd.Call{ID: id, Caller: number, Called: "96315", Queue: "q",
		Data: map[string]string{"trace_code": traceCode, "ivr_flow": "test"}}
	if err := r.acd.Enqueue(t.Context(), call); err != nil {
		t.Fatal(err)
	}
	req := switchboard.CallbackRequest{ID: id, To: telephony.Address{Driver: "sim", User: number}, From: "96315", Call: call}
	if err := r.board.Callback(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if !late {
		if err := r.acd.CallEnded(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	// a1 comes back: the request is offered to them, they answer, the
	// caller is rung back and answers.
	if err := r.acd.SetReady(t.Context(), "a1"); err != nil {
		t.Fatal(err)
	}
	// Reported as soon as the caller's phone answered, when it starts
	// recording.
	answered := waitFor(t, r.ev, "callback answered", func(e event.CallbackAttempted) bool {
		return e.CallID == id && e.Result == acd.CallbackAnswered
	}).At
	deadline := time.Now().Add(3 * time.Second)
	for r.board.Calls()["a1"] != id {
		if time.Now().After(deadline) {
			t.Fatalf("the callback is not on the board: %v", r.board.Calls())
		}
		time.Sleep(10 * time.Millisecond)
	}
	return answered
}

// TestCallbackHeldAndTransferred: a callback request, dialled back by the
// board, is connected like any queued caller: a1 puts the called-back caller
// on hold and transfers them to a2, who gets the call's data, and the
// caller's hangup sends a2 to wrap-up and leaves the board empty. (The call's
// end is the core's to publish; the board publishes no call lifecycle.)
func TestCallbackHeldAndTransferred(t *testing.T) {
	r := newRig(t)
	const id = telephony.CallID("cb-1")
	answered := r.calledBack(id, false)
	callerPhone := r.phone(callbackNumber).Last()
	r.settle()

	t0 := time.Now()
	if err := r.board.Hold(t.Context(), "a1", true); err != nil {
		t.Fatal(err)
	}
	r.settle()
	t1 := time.Now()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}, false); err != nil {
		t.Fatal(err)
	}
	r.wantState("a1", acd.StateWrapUp)
	o := waitFor(t, r.ev, "offer to a2", func(e event.CallOffered) bool { return e.Agent == "a2" })
	if o.CallID != id || o.Data["transferred_by"] != "a1" || o.Data["trace_code"] != traceCode {
		t.Fatalf("a2's offer = %+v; want call %s with transferred_by a1 and the trace code", o, id)
	}
	waitFor(t, r.ev, "transfer completed", func(e event.CallTransfer) bool {
		return e.CallID == id && e.Stage == "completed" && e.Target == "a2"
	})
	r.wantState("a2", acd.StateTalking)
	t2 := time.Now()
	r.settle()
	t3 := time.Now()
	r.phone(callbackNumber).Hangup()
	r.wantState("a2", acd.StateWrapUp)

	rec := heard(t, callerPhone)
	check(t, "called-back caller", rec, answered, span{"held", t0, t1}, []float64{musicHz}, []float64{a1Hz})
	check(t, "called-back caller", rec, answered, span{"with a2", t2, t3}, []float64{a2Hz}, []float64{a1Hz, musicHz})
	waitFor(t, r.ev, "CallHeld", func(e event.CallHeld) bool { return e.CallID == id && e.Agent == "a1" && e.Held })
	for deadline := time.Now().Add(3 * time.Second); len(r.board.Calls()) != 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("board still holds %v after the callback", r.board.Calls())
		}
	}
}

// TestCallbackAnsweredBeforeTheQueueNodeEnds: the queue node that took the
// request reports its caller's hangup (CallEnded) when its leg ends, after
// the goodbye prompt; an agent who became free meanwhile may already be
// talking to the called-back caller. That late report is the waiting
// caller's, not the end of the callback: a1 stays talking, with the caller,
// until the callback call itself ends.
func TestCallbackAnsweredBeforeTheQueueNodeEnds(t *testing.T) {
	r := newRig(t)
	const id = telephony.CallID("cb-2")
	answered := r.calledBack(id, true)
	callerPhone := r.phone(callbackNumber).Last()
	// The queue node's leg ends only now.
	if err := r.acd.CallEnded(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	if st := r.state("a1"); st.State != acd.StateTalking || st.CallID != id {
		t.Fatalf("a1 is %s on %q while still talking to the called-back caller; want talking on %s", st.State, st.CallID, id)
	}
	r.phone(callbackNumber).Hangup()
	r.wantState("a1", acd.StateWrapUp)
	check(t, "called-back caller", heard(t, callerPhone), answered, span{"with a1", t0, t1}, []float64{a1Hz}, nil)
}
