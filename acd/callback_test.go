package acd_test

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"tracecall/acd"
	"tracecall/telephony/event"
)

// TestCallbackKeepsPlace: a caller who asks to be called back and hangs up
// keeps their place, is offered in order as a callback, goes back to that
// place after an unanswered try, and fails after the configured tries.
func TestCallbackKeepsPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues:   []acd.QueueConfig{{Name: "q", Strategy: acd.StrategyLinear, MaxWait: 30 * time.Second, Overflow: "goodbye"}},
			Agents:   agents("a1"),
			Callback: acd.CallbackConfig{Tries: 2, RetryAfter: 20 * time.Second},
		}, 1)
		ctx := t.Context()
		r.login("a1")
		r.serve("c1", "q", "1001", "a1") // a1 busy from here
		r.enqueue("c2", "q", "1002", 0)
		r.enqueue("c3", "q", "1003", 0)
		r.enqueue("c4", "q", "1004", 0)

		wantErr(t, r.acd.Callback(ctx, "c2", ""), acd.ErrNoNumber)
		r.check(r.acd.Callback(ctx, "c2", "13800000002"))
		r.end("c2") // the caller hangs up: the request stands
		if n := len(ofType[event.CallAbandonedQueue](r.ev)); n != 0 {
			t.Fatalf("%d abandons after a callback request, want none", n)
		}
		if req := ofType[event.CallbackRequested](r.ev); len(req) != 1 || req[0].Number != "13800000002" || req[0].Position != 1 {
			t.Fatalf("callback requested events %+v", req)
		}
		if pos, err := r.acd.Position(ctx, "c3"); err != nil || pos != 2 {
			t.Fatalf("c3 at %d (%v), want 2 behind the request", pos, err)
		}
		// Max wait sends callers on but not a request: nobody is on the line.
		r.sleep(31 * time.Second)
		// (Diversions are taken in order, but compared sorted all the same.)
		if got := slices.Sorted(slices.Values(r.diverted())); len(got) != 2 || got[0] != "c3 goodbye" || got[1] != "c4 goodbye" {
			t.Fatalf("diverted %v, want c3 and c4 only", got)
		}
		r.enqueue("c5", "q", "1005", 0)
		r.enqueue("c6", "q", "1006", 0)

		// a1 frees up: the request is first, offered as a callback.
		r.end("c1")
		o := r.offered("c2", "a1")
		if d := o[0].data; d[acd.DataCallback] != "1" || d[acd.DataCallbackNumber] != "13800000002" || d[acd.DataCallbackAttempt] != "1" {
			t.Fatalf("offer data %v", d)
		}
		if off := ofType[event.CallOffered](r.ev); off[len(off)-1].Data[acd.DataCallback] != "1" {
			t.Fatalf("CallOffered data %v, want the callback marked for the pop", off[len(off)-1].Data)
		}
		r.answer("c2", "a1")
		retry, err := r.acd.CallbackResult(ctx, "c2", acd.CallbackNoAnswer)
		if err != nil || !retry {
			t.Fatalf("first unanswered try: retry %v, %v", retry, err)
		}
		synctest.Wait()
		r.wantState("a1", acd.StateRinging, "") // straight on to the next caller
		r.offered("c5", "a1")
		r.answer("c5", "a1")

		// After RetryAfter the request is back in its old place, ahead of c6.
		r.sleep(20 * time.Second)
		if pos, err := r.acd.Position(ctx, "c6"); err != nil || pos != 2 {
			t.Fatalf("c6 at %d (%v) after the retry, want 2", pos, err)
		}
		r.end("c5")
		o = r.offered("c2", "a1")
		if o[0].data[acd.DataCallbackAttempt] != "2" {
			t.Fatalf("second offer data %v", o[0].data)
		}
		r.answer("c2", "a1")
		retry, err = r.acd.CallbackResult(ctx, "c2", acd.CallbackNoAnswer)
		if err != nil || retry {
			t.Fatalf("last try: retry %v, %v; want given up", retry, err)
		}
		synctest.Wait()
		if f := ofType[event.CallbackFailed](r.ev); len(f) != 1 || f[0].Attempts != 2 || f[0].Call() != "c2" {
			t.Fatalf("callback failed events %+v", f)
		}
		r.offered("c6", "a1")
		r.answer("c6", "a1")
		r.end("c6")

		// A request whose caller answers is a call like any other.
		r.enqueue("c7", "q", "1007", 0)
		r.answer("c7", "a1")
		r.end("c7")
		r.enqueue("c8", "q", "1008", 0)
		r.take()
		r.enqueue("c9", "q", "1009", 0)
		r.check(r.acd.Callback(ctx, "c9", "13800000009"))
		r.end("c9")
		r.answer("c8", "a1")
		r.end("c8")
		r.offered("c9", "a1")
		r.answer("c9", "a1")
		if retry, err := r.acd.CallbackResult(ctx, "c9", acd.CallbackAnswered); err != nil || retry {
			t.Fatalf("answered callback: retry %v, %v", retry, err)
		}
		r.wantState("a1", acd.StateTalking, "")
		r.end("c9")
		r.wantState("a1", acd.StateReady, "")
		att := ofType[event.CallbackAttempted](r.ev)
		if len(att) != 3 || att[2].Result != acd.CallbackAnswered || att[2].Attempt != 1 || att[2].Agent != "a1" {
			t.Fatalf("attempts %+v", att)
		}
		if _, err := r.acd.CallbackResult(ctx, "c9", acd.CallbackAnswered); err == nil {
			t.Fatal("a result for a finished request was taken")
		}
	})
}

// TestCallbackRefusedWhileRinging: a caller whose call already rings an agent
// is about to be answered; the request is refused and nothing changes.
func TestCallbackRefusedWhileRinging(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{Queues: []acd.QueueConfig{{Name: "q"}}, Agents: agents("a1")}, 1)
		r.login("a1")
		r.enqueue("c1", "q", "1001", 0)
		r.offered("c1", "a1")
		wantErr(t, r.acd.Callback(t.Context(), "c1", "1001"), acd.ErrOnCall)
		wantErr(t, r.acd.Callback(t.Context(), "nope", "1001"), acd.ErrUnknownCall)
		r.answer("c1", "a1")
		r.end("c1")
		if n := len(ofType[event.CallbackRequested](r.ev)); n != 0 {
			t.Errorf("%d callback requests, want none", n)
		}
	})
}

// TestCallbackCallerLeavesLate: the queue node reports its caller's hangup
// after the goodbye it says once the request is taken; by then a free agent
// may be talking to the called-back caller. That report leaves them talking;
// the callback call's own end sends them on.
func TestCallbackCallerLeavesLate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{Queues: []acd.QueueConfig{{Name: "q"}}, Agents: agents("a1")}, 1)
		r.enqueue("c1", "q", "1001", 0)
		r.check(r.acd.Callback(t.Context(), "c1", "1001"))
		r.login("a1")
		r.offered("c1", "a1")
		r.answer("c1", "a1")
		if retry, err := r.acd.CallbackResult(t.Context(), "c1", acd.CallbackAnswered); err != nil || retry {
			t.Fatalf("answered callback: retry %v, %v", retry, err)
		}
		r.end("c1") // the queue node's caller, late
		r.wantState("a1", acd.StateTalking, "")
		r.end("c1") // the callback call
		r.wantState("a1", acd.StateReady, "")
	})
}
