package acd_test

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"tracecall/acd"
	"tracecall/telephony/event"
)

func TestSkillsAndWidening(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		as := agents("expert", "junior", "novice", "other")
		as[0].Skills = map[string]int{"pork": 8, "zh": 5}
		as[1].Skills = map[string]int{"pork": 4, "zh": 5}
		as[2].Skills = map[string]int{"pork": 1, "zh": 9}
		as[3].Skills = map[string]int{"veg": 9, "zh": 9} // no pork at all: never
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "pork", Strategy: acd.StrategyLinear,
				Skills: map[string]int{"pork": 7, "zh": 3}, WidenAfter: 30 * time.Second, WidenStep: 2}},
			Agents: as,
		}, 1)
		r.login("junior", "novice", "other")
		r.enqueue("c1", "pork", "", 0)
		r.none() // needs pork 7: nobody
		r.login("expert")
		r.offered("c1", "expert")
		r.answer("c1", "expert")

		r.enqueue("c2", "pork", "", 0)
		r.sleep(30 * time.Second) // pork 5: still nobody
		r.none()
		r.sleep(30 * time.Second) // pork 3: junior
		r.offered("c2", "junior")
		r.answer("c2", "junior")

		r.enqueue("c3", "pork", "", 0)
		r.sleep(89 * time.Second)
		r.none()
		r.sleep(time.Second) // pork 1 after 90 s: novice
		r.offered("c3", "novice")
		r.answer("c3", "novice")

		// A freed agent takes the caller it qualifies for, not merely the first.
		r.enqueue("c4", "pork", "", 9) // VIP, just arrived: needs pork 7
		r.enqueue("c5", "pork", "", 0)
		r.sleep(60 * time.Second) // c4 and c5 at pork 3
		r.enqueue("c6", "pork", "", 9)
		r.end("c2") // junior (pork 4) frees up: c6 needs 7, c4 comes before c5
		r.offered("c4", "junior")
		if got := r.agent("other").Queues; len(got) != 0 {
			t.Errorf("agent without the skill serves %v", got)
		}
	})
}

func TestRingTimeoutThenNextAgent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", Strategy: acd.StrategyLinear, RingTimeout: 15 * time.Second}},
			Agents: agents("a1", "a2"),
		}, 1)
		r.login("a1", "a2")
		r.enqueue("c1", "q", "", 0)
		first := r.offered("c1", "a1")
		r.sleep(14 * time.Second)
		r.none()
		r.sleep(time.Second)
		r.offered("c1", "a2")
		if first[0].ctx.Err() == nil {
			t.Error("a1's offer still running after the ring timeout")
		}
		wantErr(t, r.acd.OfferResult(t.Context(), "c1", "a1", true), acd.ErrNoOffer)
		r.wantState("a1", acd.StateReady, "")
		r.wantState("a2", acd.StateRinging, "")
		// Refusing is a miss too: back to a1.
		r.check(r.acd.OfferResult(t.Context(), "c1", "a2", false))
		r.offered("c1", "a1")
		r.answer("c1", "a1")
		missed := ofType[event.CallOfferMissed](r.ev)
		if len(missed) != 2 || missed[0].Reason != "timeout" || missed[1].Reason != "rejected" {
			t.Errorf("missed events %+v", missed)
		}
	})
}

func TestNoAnswerSetsNotReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", RingTimeout: 10 * time.Second, MaxNoAnswer: 3}},
			Agents: agents("a1", "a2"),
		}, 1)
		r.login("a1")
		r.enqueue("c1", "q", "", 0)
		for range 2 {
			r.offered("c1", "a1") // the only agent: offered again after each miss
			r.sleep(10 * time.Second)
		}
		r.offered("c1", "a1")
		r.sleep(10 * time.Second)
		r.none()
		r.wantState("a1", acd.StateNotReady, acd.ReasonNoAnswer)
		if q := r.queue("q"); q.Waiting != 1 {
			t.Errorf("waiting %d, want the caller still waiting", q.Waiting)
		}
		// Ready again: the count starts afresh, and answering resets it.
		r.check(r.acd.SetReady(t.Context(), "a1"))
		r.offered("c1", "a1")
		r.sleep(10 * time.Second)
		r.offered("c1", "a1")
		r.answer("c1", "a1")
		r.wantState("a1", acd.StateTalking, "")
	})
}

func TestWrapUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", WrapUp: 20 * time.Second}},
			Agents: agents("a1"),
		}, 1)
		r.login("a1")
		r.serve("c1", "q", "", "a1")
		r.end("c1")
		r.wantState("a1", acd.StateWrapUp, "")
		r.enqueue("c2", "q", "", 0)
		r.sleep(19 * time.Second)
		r.none()
		r.sleep(time.Second)
		r.offered("c2", "a1")
		r.answer("c2", "a1")
		r.end("c2")
		// Ready cuts wrap-up short; not ready asked for on the call applies after it.
		r.check(r.acd.SetReady(t.Context(), "a1"))
		r.wantState("a1", acd.StateReady, "")
		r.serve("c3", "q", "", "a1")
		r.check(r.acd.SetNotReady(t.Context(), "a1", "meeting"))
		r.wantState("a1", acd.StateTalking, "")
		r.end("c3")
		r.wantState("a1", acd.StateWrapUp, "")
		r.sleep(20 * time.Second)
		r.wantState("a1", acd.StateNotReady, "meeting")
	})
}

func TestOverflowMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		as := agents("a1", "b1")
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{
				{Name: "main", Agents: []string{"a1"}, MaxWait: time.Minute, Overflow: "queue backup"},
				{Name: "backup", Agents: []string{"b1"}, MaxWait: time.Minute, Overflow: "voicemail"},
			},
			Agents: as,
		}, 1)
		r.login("a1", "b1")
		r.check(r.acd.SetNotReady(t.Context(), "b1", "break"))
		r.serve("c0", "main", "", "a1")
		r.enqueue("c1", "main", "", 0)
		r.sleep(time.Minute)
		if q := r.queue("backup"); q.Waiting != 1 {
			t.Fatalf("backup waiting %d, want 1", q.Waiting)
		}
		r.check(r.acd.SetReady(t.Context(), "b1"))
		r.offered("c1", "b1")
		r.answer("c1", "b1")
		// Ringing when max wait passes: it rings out first, then goes on.
		r.enqueue("c2", "backup", "", 0)
		r.sleep(50 * time.Second)
		r.end("c1") // b1 is free and c2 rings it at 50 s
		r.offered("c2", "b1")
		r.sleep(20 * time.Second)
		r.none()
		if got := r.diverted(); !slices.Equal(got, []string{"c2 voicemail"}) {
			t.Errorf("diverted %v, want c2 to voicemail", got)
		}
		ov := ofType[event.CallOverflowed](r.ev)
		if len(ov) != 2 || ov[0].Target != "backup" || ov[0].Reason != "max_wait" || ov[1].Action != "voicemail" {
			t.Errorf("overflow events %+v", ov)
		}
	})
}

func TestOverflowMaxLength(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{
				{Name: "a", MaxLength: 2, Overflow: "queue b"},
				{Name: "b", MaxLength: 1, Overflow: "queue a"},
			},
			Agents: agents("x"),
		}, 1)
		for i := range 4 {
			r.enqueue(callID(i), "a", "", 0)
		}
		// Two wait in a, one overflows to b, the fourth finds both full: goodbye.
		if a, b := r.queue("a"), r.queue("b"); a.Waiting != 2 || b.Waiting != 1 {
			t.Errorf("waiting a=%d b=%d, want 2 and 1", a.Waiting, b.Waiting)
		}
		if got := r.diverted(); !slices.Equal(got, []string{"c3 goodbye"}) {
			t.Errorf("diverted %v, want c3 goodbye", got)
		}
	})
}

func TestWhenEmpty(t *testing.T) {
	tests := []struct {
		policy       string
		joined, kept bool // a caller joins an empty queue; callers stay when the last agent leaves
	}{
		{acd.EmptyJoin, true, true},
		{acd.EmptyRefuse, false, true},
		{acd.EmptyLeave, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := start(t, acd.Config{
					Queues: []acd.QueueConfig{{Name: "q", WhenEmpty: tt.policy}},
					Agents: agents("a1"),
				}, 1)
				r.enqueue("c1", "q", "", 0)
				if got := r.queue("q").Waiting == 1; got != tt.joined {
					t.Errorf("joined an empty queue: %v, want %v", got, tt.joined)
				}
				r.login("a1")
				r.check(r.acd.SetNotReady(t.Context(), "a1", "break"))
				r.enqueue("c2", "q", "", 0)
				r.enqueue("c3", "q", "", 0)
				r.check(r.acd.Logout(t.Context(), "a1"))
				if got := r.queue("q").Waiting >= 2; got != tt.kept {
					t.Errorf("kept callers after the last agent left: %v, want %v", got, tt.kept)
				}
			})
		})
	}
}

func TestPriorityCallersFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{Queues: []acd.QueueConfig{{Name: "q"}}, Agents: agents("a1")}, 1)
		r.login("a1")
		r.serve("c0", "q", "", "a1")
		r.enqueue("c1", "q", "", 0)
		r.sleep(time.Second)
		r.enqueue("c2", "q", "", 0)
		r.sleep(time.Second)
		r.enqueue("vip", "q", "", 5)
		r.sleep(time.Second)
		r.enqueue("ivr", "q", "", 2)
		for id, want := range map[string]int{"vip": 1, "ivr": 2, "c1": 3, "c2": 4} {
			if p, err := r.acd.Position(t.Context(), cid(id)); err != nil || p != want {
				t.Errorf("Position(%s) = %d, %v; want %d", id, p, err, want)
			}
		}
		prev := "c0"
		for _, id := range []string{"vip", "ivr", "c1", "c2"} {
			r.end(prev)
			r.offered(id, "a1")
			if p, _ := r.acd.Position(t.Context(), cid(id)); p != 0 {
				t.Errorf("Position(%s) = %d while ringing, want 0", id, p)
			}
			r.answer(id, "a1")
			prev = id
		}
	})
}

func TestCrossQueueFairness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "pork"}, {Name: "veg"}, {Name: "vip", Priority: 10}},
			Agents: agents("a1"),
		}, 1)
		r.login("a1")
		r.serve("c0", "pork", "", "a1")
		r.enqueue("p1", "pork", "", 0)
		r.sleep(10 * time.Second)
		r.enqueue("v1", "veg", "", 0)
		r.sleep(10 * time.Second)
		r.enqueue("p2", "pork", "", 0)
		r.sleep(10 * time.Second)
		r.enqueue("v2", "veg", "", 0)
		r.sleep(10 * time.Second)
		r.enqueue("x1", "vip", "", 0) // newest, but its queue's callers go first
		prev := "c0"
		for _, id := range []string{"x1", "p1", "v1", "p2", "v2"} {
			r.end(prev)
			r.offered(id, "a1")
			r.answer(id, "a1")
			prev = id
		}
	})
}

func TestEstimatedWaitNeverRises(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{Queues: []acd.QueueConfig{{Name: "q"}}, Agents: agents("a1", "a2")}, 1)
		r.login("a1", "a2")
		r.enqueue("w1", "q", "", 0)
		r.offered("w1", "a1")
		_, err := r.acd.EstimatedWait(t.Context(), "w1")
		if err != nil {
			t.Fatalf("EstimatedWait while ringing: %v, want 0", err)
		}
		r.answer("w1", "a1")
		r.serve("w2", "q", "", "a2")
		for i := range 5 {
			r.enqueue(callID(i), "q", "", 0)
		}
		_, err = r.acd.EstimatedWait(t.Context(), "c4")
		wantErr(t, err, acd.ErrNoEstimate) // nothing answered from a wait yet

		// Two calls handled in 2 min each, two agents: the 5th in line waits
		// about 5 × 2 min / 2.
		r.sleep(2 * time.Minute)
		r.end("w1")
		r.offered("c0", "a1")
		r.answer("c0", "a1")
		r.end("w2")
		r.offered("c1", "a2")
		r.answer("c1", "a2")
		r.enqueue("c5", "q", "", 0)
		est := func(id string) time.Duration {
			t.Helper()
			d, err := r.acd.EstimatedWait(t.Context(), cid(id))
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		first := est("c5") // 4th in line: 4 × 2 min / 2
		if first != 4*time.Minute {
			t.Fatalf("estimate for the 4th in line %v, want 4m", first)
		}
		// An agent goes on a break after this call: the figure would double, the
		// caller still hears no more than before.
		r.check(r.acd.SetNotReady(t.Context(), "a2", "break"))
		r.end("c1")
		if got := est("c5"); got != first {
			t.Errorf("estimate after a break %v, want it held at %v", got, first)
		}
		// Nobody staffed: the last figure stands.
		r.check(r.acd.SetNotReady(t.Context(), "a1", "break"))
		r.end("c0")
		if got := est("c5"); got != first {
			t.Errorf("estimate with nobody staffed %v, want %v", got, first)
		}
		// Back at work, the line moves: it comes down.
		r.check(r.acd.SetReady(t.Context(), "a1"))
		r.check(r.acd.SetReady(t.Context(), "a2"))
		r.take()
		prev := first
		for _, id := range []string{"c2", "c3", "c4"} {
			if got := est("c5"); got > prev {
				t.Fatalf("estimate rose from %v to %v", prev, got)
			} else {
				prev = got
			}
			r.check(r.acd.Leave(t.Context(), cid(id)))
		}
		if prev >= first {
			t.Errorf("estimate stayed at %v as the line shortened", prev)
		}
	})
}

func TestAgentStateErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{Queues: []acd.QueueConfig{{Name: "q"}}, Agents: agents("a1", "a2")}, 1)
		ctx := t.Context()
		wantErr(t, r.acd.SetReady(ctx, "a1"), acd.ErrLoggedOut)
		wantErr(t, r.acd.SetNotReady(ctx, "a1", "x"), acd.ErrLoggedOut)
		wantErr(t, r.acd.Logout(ctx, "a1"), acd.ErrLoggedOut)
		wantErr(t, r.acd.Login(ctx, "nobody"), acd.ErrUnknownAgent)
		r.login("a1")
		wantErr(t, r.acd.Login(ctx, "a1"), acd.ErrLoggedIn)
		wantErr(t, r.acd.Enqueue(ctx, acd.Call{ID: "c1", Queue: "nowhere"}), acd.ErrUnknownQueue)
		wantErr(t, r.acd.Enqueue(ctx, acd.Call{Queue: "q"}), acd.ErrDuplicateCall)
		r.enqueue("c1", "q", "", 0)
		wantErr(t, r.acd.Enqueue(ctx, acd.Call{ID: "c1", Queue: "q"}), acd.ErrDuplicateCall)
		r.offered("c1", "a1")
		wantErr(t, r.acd.SetReady(ctx, "a1"), acd.ErrOnCall)
		wantErr(t, r.acd.OfferResult(ctx, "c1", "a2", true), acd.ErrNoOffer)
		r.answer("c1", "a1")
		wantErr(t, r.acd.Logout(ctx, "a1"), acd.ErrOnCall)
		wantErr(t, r.acd.Leave(ctx, "c1"), acd.ErrUnknownCall)
		wantErr(t, r.acd.OfferResult(ctx, "c1", "a1", true), acd.ErrNoOffer)
		r.end("c1")
		r.end("c1") // twice is fine
		r.check(r.acd.Logout(ctx, "a1"))

		// Logging out while ringing hands the call to the next agent.
		r.login("a1", "a2")
		r.enqueue("c2", "q", "", 0)
		r.offered("c2", "a1")
		r.check(r.acd.Logout(ctx, "a1"))
		r.offered("c2", "a2")
		// Going not ready while ringing puts the caller back, not counted as a miss.
		r.check(r.acd.SetNotReady(ctx, "a2", "toilet"))
		r.wantState("a2", acd.StateNotReady, "toilet")
		if q := r.queue("q"); q.Waiting != 1 || len(q.Calls) != 1 || q.Calls[0].Position != 1 {
			t.Errorf("queue after a refusal: %+v", q)
		}

		states := ofType[event.AgentStateChanged](r.ev)
		if len(states) == 0 || states[0].State != "ready" || states[0].Prev != "logged_out" {
			t.Errorf("first agent event %+v", states)
		}
	})
}

func TestEndpointUnavailable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", Strategy: acd.StrategyLinear, WhenEmpty: acd.EmptyLeave}},
			Agents: agents("a1", "a2"),
		}, 1)
		r.login("a1", "a2")
		r.check(r.acd.SetEndpointAvailable(t.Context(), "a1", false))
		r.serve("c1", "q", "", "a2") // a1 comes first, but its phone is gone
		r.enqueue("c2", "q", "", 0)
		r.none()
		r.check(r.acd.SetEndpointAvailable(t.Context(), "a1", true))
		os := r.offered("c2", "a1")
		// The phone drops while ringing: the offer ends, the caller waits again.
		r.check(r.acd.SetEndpointAvailable(t.Context(), "a1", false))
		if os[0].ctx.Err() == nil {
			t.Error("offer still running after the phone went away")
		}
		if a := r.agent("a1"); a.State != acd.StateReady || a.Reachable {
			t.Errorf("a1 %+v, want ready but unreachable", a)
		}
		if q := r.queue("q"); q.Waiting != 1 {
			t.Errorf("waiting %d, want 1", q.Waiting)
		}
		// Talking on a phone that then goes away counts as absent for leave-when-empty.
		r.check(r.acd.SetEndpointAvailable(t.Context(), "a2", false))
		if q := r.queue("q"); q.Waiting != 0 || q.LoggedIn != 0 {
			t.Errorf("queue %+v, want emptied", q)
		}
	})
}

func TestStuckTalkingHeals(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues:  []acd.QueueConfig{{Name: "q", WrapUp: 10 * time.Second}},
			Agents:  agents("a1"),
			MaxTalk: time.Hour,
		}, 1)
		r.login("a1")
		r.serve("c1", "q", "", "a1")
		r.sleep(time.Hour)
		r.wantState("a1", acd.StateWrapUp, "")
		r.sleep(10 * time.Second)
		r.wantState("a1", acd.StateReady, "")
		r.serve("c2", "q", "", "a1")
	})
}

func TestWallboardCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, acd.Config{
			Queues: []acd.QueueConfig{{Name: "q", ServiceLevel: 20 * time.Second}},
			Agents: agents("a1"),
		}, 1)
		r.login("a1")
		r.serve("c1", "q", "", "a1") // answered at once
		r.enqueue("c2", "q", "138", 0)
		r.enqueue("c3", "q", "139", 0)
		r.sleep(10 * time.Second)
		r.check(r.acd.Leave(t.Context(), "c2")) // abandoned early: not held against it
		r.sleep(20 * time.Second)
		q := r.queue("q")
		if q.Waiting != 1 || q.LongestWait != 30*time.Second || q.Calls[0].Caller != "139" {
			t.Errorf("queue %+v", q)
		}
		r.end("c1")
		r.offered("c3", "a1")
		r.answer("c3", "a1") // answered after 30 s: outside the service level
		q = r.queue("q")
		if q.Answered != 2 || q.Abandoned != 1 || q.ServiceLevel != 0.5 {
			t.Errorf("answered %d abandoned %d service level %v; want 2, 1, 0.5", q.Answered, q.Abandoned, q.ServiceLevel)
		}
		if a := r.agent("a1"); a.Taken != 2 || a.CallID != "c3" || a.State != acd.StateTalking {
			t.Errorf("agent %+v", a)
		}
		ab := ofType[event.CallAbandonedQueue](r.ev)
		if len(ab) != 1 || ab[0].Position != 1 || ab[0].Wait != 10*time.Second {
			t.Errorf("abandoned events %+v", ab)
		}
	})
}

func TestClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, err := acd.New(acd.Config{Agents: agents("a1")}, acd.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- a.Run(ctx) }()
		if err := a.Login(t.Context(), "a1"); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Run = %v", err)
		}
		wantErr(t, a.Login(t.Context(), "a1"), acd.ErrClosed)
		wantErr(t, a.Run(t.Context()), acd.ErrClosed)
		if _, open := <-a.Offers(); open {
			t.Error("Offers still open after Run returned")
		}
		if _, open := <-a.Diversions(); open {
			t.Error("Diversions still open after Run returned")
		}
	})
}
