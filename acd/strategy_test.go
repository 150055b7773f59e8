package acd_test

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"tracecall/acd"
	"tracecall/telephony/event"
)

// One test per strategy: place calls and check who is offered them.

func oneQueue(strategy string, members []string, as []acd.AgentConfig) acd.Config {
	return acd.Config{
		Queues: []acd.QueueConfig{{Name: "q", Strategy: strategy, Agents: members}},
		Agents: as,
	}
}

func TestStrategyLinear(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The queue's own order, not the agents' or the logins'.
		r := start(t, oneQueue(acd.StrategyLinear, []string{"a3", "a1", "a2"}, agents("a1", "a2", "a3")), 1)
		r.login("a1", "a2", "a3")
		r.serve("c1", "q", "", "a3")
		r.serve("c2", "q", "", "a1")
		r.end("c1")
		r.serve("c3", "q", "", "a3") // top of the list again as soon as free
		r.end("c2")
		r.end("c3")
		r.serve("c4", "q", "", "a3")
	})
}

func TestStrategyCircular(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := oneQueue(acd.StrategyCircular, nil, agents("a1", "a2", "a3"))
		cfg.Queues = append(cfg.Queues, acd.QueueConfig{Name: "other", Strategy: acd.StrategyCircular})
		r := start(t, cfg, 1)
		r.login("a1", "a2", "a3")
		for i, want := range []string{"a1", "a2", "a3", "a1", "a2"} {
			id := callID(i)
			r.serve(id, "q", "", want)
			r.end(id) // every agent free again: only the memory decides
		}
		// Each queue remembers its own place.
		r.serve("o1", "other", "", "a1")
		r.end("o1")
		r.serve("c9", "q", "", "a3")
	})
}

func TestStrategyPriority(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		as := agents("a1", "a2", "a3", "a4")
		as[0].Priority, as[1].Priority, as[2].Priority, as[3].Priority = 1, 9, 5, 5
		r := start(t, oneQueue(acd.StrategyPriority, nil, as), 1)
		r.login("a1", "a2", "a3", "a4")
		r.serve("c1", "q", "", "a2")
		r.serve("c2", "q", "", "a3") // ties go in configured order
		r.serve("c3", "q", "", "a4")
		r.serve("c4", "q", "", "a1")
		r.end("c1")
		r.serve("c5", "q", "", "a2")
	})
}

// busyDay leaves a1 with two calls answered, free since 2 min, and a2 with one
// answered, free since 10 min: fewest answered and longest idle disagree.
func busyDay(r *rig) {
	r.t.Helper()
	r.login("a1", "a2")
	r.serve("b1", "q", "", "a1")
	r.serve("b2", "q", "", "a2")
	r.enqueue("b3", "q", "", 0)
	r.none()
	r.sleep(time.Minute)
	r.end("b1")
	r.offered("b3", "a1")
	r.answer("b3", "a1")
	r.sleep(time.Minute)
	r.end("b3")
	r.sleep(8 * time.Minute)
	r.end("b2")
}

func TestStrategyFewestAnswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, oneQueue(acd.StrategyFewestAnswered, nil, agents("a1", "a2", "a3")), 1)
		busyDay(r)
		r.serve("c1", "q", "", "a2") // 1 answered against a1's 2
		r.end("c1")
		r.serve("c2", "q", "", "a1") // both at 2: the longer idle
		r.login("a3")
		r.serve("c3", "q", "", "a3") // none answered yet
		if got := r.agent("a2").Taken; got != 2 {
			t.Errorf("a2 took %d calls today, want 2", got)
		}
		// A new day starts everyone at zero again.
		r.sleep(24 * time.Hour)
		if got := r.agent("a2").Taken; got != 0 {
			t.Errorf("a2 took %d calls today after midnight, want 0", got)
		}
	})
}

func TestStrategyLongestIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, oneQueue(acd.StrategyLongestIdle, nil, agents("a1", "a2", "a3")), 1)
		busyDay(r)
		r.serve("c1", "q", "", "a1") // free 8 min longer than a2
		r.serve("c2", "q", "", "a2")
		r.login("a3")
		r.sleep(time.Second)
		r.end("c1") // a1 is now idle for less time than a3

		r.serve("c3", "q", "", "a3")
		r.sleep(time.Second)
		r.end("c2")
		r.end("c3")
		r.serve("c4", "q", "", "a1")
	})
}

func TestStrategyCallMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, oneQueue(acd.StrategyCallMemory, nil, agents("a1", "a2", "a3")), 1)
		r.login("a1", "a2", "a3")
		r.serve("c1", "q", "13800000001", "a1")
		r.serve("c2", "q", "13800000002", "a2")
		r.sleep(time.Minute)
		r.end("c1")
		r.sleep(time.Minute)
		r.end("c2")
		// Longest idle would be a3 (never called), then a1.
		r.serve("c3", "q", "13800000002", "a2") // served them last time
		r.serve("c4", "q", "13800000009", "a3") // a stranger: longest idle
		r.serve("c5", "q", "13800000002", "a1") // their agent is busy: longest idle
	})
}

func TestStrategyRingAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, oneQueue(acd.StrategyRingAll, nil, agents("a1", "a2", "a3", "a4")), 1)
		r.login("a1", "a2", "a3", "a4")
		r.check(r.acd.SetNotReady(t.Context(), "a4", "lunch"))
		r.enqueue("c1", "q", "", 0)
		os := r.offered("c1", "a1", "a2", "a3")
		r.answer("c1", "a2")
		for _, o := range os {
			if o.agent != "a2" && o.ctx.Err() == nil {
				t.Errorf("offer to %s still running after a2 answered", o.agent)
			}
		}
		wantErr(t, r.acd.OfferResult(t.Context(), "c1", "a1", true), acd.ErrNoOffer)
		r.wantState("a1", acd.StateReady, "")
		r.wantState("a2", acd.StateTalking, "")
		missed := ofType[event.CallOfferMissed](r.ev)
		if len(missed) != 2 || missed[0].Reason != "withdrawn" {
			t.Errorf("offer missed events %+v, want two withdrawn", missed)
		}
		// The next call rings everyone free.
		r.enqueue("c2", "q", "", 0)
		r.offered("c2", "a1", "a3")
	})
}

func TestStrategyRandom(t *testing.T) {
	picks := func(seed uint64) []string {
		var got []string
		synctest.Test(t, func(t *testing.T) {
			r := start(t, oneQueue(acd.StrategyRandom, nil, agents("a1", "a2", "a3")), seed)
			r.login("a1", "a2", "a3")
			for i := range 300 {
				id := callID(i)
				r.enqueue(id, "q", "", 0)
				os := r.take()
				if len(os) != 1 {
					t.Fatalf("%s: %d offers, want 1", id, len(os))
				}
				got = append(got, os[0].agent)
				r.answer(id, os[0].agent)
				r.end(id)
			}
		})
		return got
	}
	a, b, c := picks(7), picks(7), picks(8)
	if !slices.Equal(a, b) {
		t.Error("same seed, different picks")
	}
	if slices.Equal(a, c) {
		t.Error("different seeds, same 300 picks")
	}
	n := map[string]int{}
	for _, p := range a {
		n[p]++
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		if n[id] < 60 { // 100 expected; far from uniform below 60
			t.Errorf("%s picked %d times in 300: %v", id, n[id], n)
		}
	}
}
