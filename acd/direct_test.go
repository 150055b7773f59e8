package acd_test

import (
	"testing"
	"testing/synctest"
	"time"

	"tracecall/acd"
	"tracecall/telephony/event"
)

func directConfig() acd.Config {
	as := agents("a1", "a2")
	as = append(as, acd.AgentConfig{ID: "dm", Role: acd.RoleDutyManager, Extension: "sim:dm"})
	return acd.Config{
		Agents: as,
		Queues: []acd.QueueConfig{{Name: "q", RingTimeout: 10 * time.Second, WrapUp: 30 * time.Second, MaxNoAnswer: 2}},
	}
}

func TestTransferID(t *testing.T) {
	tests := []struct {
		id, want string
	}{
		{"20261124T200102Z-3f9a1c0d", "20261124T200102Z-3f9a1c0d"},
		{string(acd.TransferID("c1", 2)), "c1"},
		{string(acd.TransferID(acd.TransferID("c1", 1), 2)), "c1"},
	}
	for _, tt := range tests {
		if got := acd.CallOf(cid(tt.id)); string(got) != tt.want {
			t.Errorf("CallOf(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
	if got := acd.TransferID("c1", 2); got != "c1/transfer/2" {
		t.Errorf("TransferID = %q", got)
	}
}

// TestBlindTransferToAgent: the first agent's part ends (wrap-up), the call
// is offered to the second agent only, with its data, under the same id.
func TestBlindTransferToAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, directConfig(), 1)
		r.login("a1", "a2")
		r.serve("c1", "q", "138", "a1")
		r.end("c1")
		r.wantState("a1", acd.StateWrapUp, "")

		data := map[string]string{"trace_code": "11010600524031500425", "transferred_by": "a1"}
		r.check(r.acd.OfferTo(t.Context(), acd.Call{ID: "c1", Caller: "138", Queue: "q", Data: data}, "a2"))
		os := r.offered("c1", "a2")
		if os[0].data["transferred_by"] != "a1" {
			t.Fatalf("offer data %v", os[0].data)
		}
		r.wantState("a2", acd.StateRinging, "")
		offers := ofType[event.CallOffered](r.ev)
		if o := offers[len(offers)-1]; o.Agent != "a2" || o.Data["trace_code"] == "" || o.CallID != "c1" || o.Queue != "q" {
			t.Fatalf("CallOffered = %+v", o)
		}
		r.answer("c1", "a2")
		r.wantState("a2", acd.StateTalking, "")
		if a := r.agent("a2"); a.CallID != "c1" {
			t.Fatalf("a2 talking on %q", a.CallID)
		}
		r.end("c1")
		r.wantState("a2", acd.StateWrapUp, "") // the origin queue's wrap-up
		if q := r.queue("q"); q.Answered != 1 {
			t.Fatalf("queue q answered %d, want 1: a direct call is not queue traffic", q.Answered)
		}
	})
}

func TestDirectOfferErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, directConfig(), 1)
		r.login("a1")
		wantErr(t, r.acd.OfferTo(t.Context(), acd.Call{ID: "c1"}, "a2"), acd.ErrAgentBusy) // logged out
		wantErr(t, r.acd.OfferTo(t.Context(), acd.Call{ID: "c1"}, "nobody"), acd.ErrUnknownAgent)
		wantErr(t, r.acd.OfferTo(t.Context(), acd.Call{}, "a1"), acd.ErrDuplicateCall)
		r.serve("c2", "q", "139", "a1")
		wantErr(t, r.acd.OfferTo(t.Context(), acd.Call{ID: "c3"}, "a1"), acd.ErrAgentBusy) // talking
		_, err := r.acd.OfferToRole(t.Context(), acd.Call{ID: "c3"}, acd.RoleDutyManager)
		wantErr(t, err, acd.ErrAgentBusy) // the duty manager is not logged in
	})
}

// TestDirectUnanswered: a direct offer that rings out goes to nobody else and
// is diverted as unanswered.
func TestDirectUnanswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, directConfig(), 1)
		r.login("a1", "a2")
		r.check(r.acd.OfferTo(t.Context(), acd.Call{ID: "c1", Queue: "q"}, "a1"))
		r.offered("c1", "a1")
		r.sleep(11 * time.Second)
		r.none() // a2 is free but may not have it
		if d := r.diverted(); len(d) != 1 || d[0] != "c1 unanswered" {
			t.Fatalf("diverted %v", d)
		}
		r.wantState("a1", acd.StateReady, "")
		r.wantState("a2", acd.StateReady, "")
		// Refused: the same.
		r.check(r.acd.OfferTo(t.Context(), acd.Call{ID: "c2", Queue: "q"}, "a2"))
		r.check(r.acd.OfferResult(t.Context(), "c2", "a2", false))
		if d := r.diverted(); len(d) != 2 || d[1] != "c2 unanswered" {
			t.Fatalf("diverted %v", d)
		}
		r.take()
	})
}

// TestTransferCall: a consult is its own call in the ACD while the caller's
// call stays with the first agent; its events carry the caller's id.
func TestTransferCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, directConfig(), 1)
		r.login("a1", "dm")
		r.serve("c1", "q", "138", "a1")
		k := acd.TransferID("c1", 1)
		got, err := r.acd.OfferToRole(t.Context(), acd.Call{ID: k, Caller: "138", Queue: "q", Data: map[string]string{"transferred_by": "a1"}}, acd.RoleDutyManager)
		r.check(err)
		if got != "dm" {
			t.Fatalf("OfferToRole chose %q", got)
		}
		r.offered(string(k), "dm")
		offers := ofType[event.CallOffered](r.ev)
		if o := offers[len(offers)-1]; o.CallID != "c1" || o.Agent != "dm" {
			t.Fatalf("consult CallOffered = %+v, want it under c1", o)
		}
		r.answer(string(k), "dm")
		r.wantState("a1", acd.StateTalking, "")
		r.wantState("dm", acd.StateTalking, "")
		// The first agent completes the transfer and leaves.
		r.end("c1")
		r.wantState("a1", acd.StateWrapUp, "")
		r.wantState("dm", acd.StateTalking, "")
		r.end(string(k))
		r.wantState("dm", acd.StateWrapUp, "")

		// Withdrawn while it rings: the agent is ready again, nothing is missed.
		r.sleep(time.Minute)
		k2 := acd.TransferID("c5", 1)
		r.check(r.acd.OfferTo(t.Context(), acd.Call{ID: k2, Queue: "q"}, "dm"))
		r.take()
		r.check(r.acd.Withdraw(t.Context(), k2))
		r.wantState("dm", acd.StateReady, "")
		if d := r.diverted(); len(d) != 0 {
			t.Fatalf("withdrawn consult diverted: %v", d)
		}
		wantErr(t, r.acd.Withdraw(t.Context(), k2), acd.ErrUnknownCall)
	})
}
