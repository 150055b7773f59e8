package acd

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestApplyInvariants drives the core with random operations as
// TestCoreInvariants does, and every few steps changes the configuration at
// random: agents removed, re-added and given other skills, queues changed,
// removed and added back. After each step the indexes must agree with the
// agents and calls, and no impossible state change may have been tried.
func TestApplyInvariants(t *testing.T) {
	for _, s := range Strategies() {
		t.Run(s, func(t *testing.T) {
			cfg := skilledConfig(s, 3, 12, true)
			for i := range cfg.Queues {
				q := &cfg.Queues[i]
				q.WidenAfter, q.WidenStep = 20*time.Second, 2
				q.MaxWait, q.MaxLength, q.WrapUp = 3*time.Minute, 6, 5*time.Second
				q.RingTimeout, q.MaxNoAnswer = 10*time.Second, 2
				if i == 1 {
					q.WhenEmpty = EmptyLeave
				}
			}
			cfg.Queues[0].Overflow = "queue q1"
			cfg.Queues[2].Overflow = "queue general"
			var logs bytes.Buffer
			b := newBench(t, cfg)
			b.c.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))
			rng := rand.New(rand.NewPCG(uint64(len(s)), 11))
			removedAgents := map[string]AgentConfig{}
			removedQueues := map[string]QueueConfig{}
			applied := 0
			for step := range 3000 {
				b.now = b.now.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
				if step%7 == 0 {
					next := mutate(rng, cloneConfig(b.c.cfg), removedAgents, removedQueues)
					if next.Validate() == nil {
						applied++
						b.do(func(c *core) { c.apply(next.withDefaults()) })
					}
				} else {
					randomMove(b, rng)
				}
				if rng.IntN(3) == 0 && len(b.c.queues) > 0 {
					b.enqueue(b.c.queues[rng.IntN(len(b.c.queues))].cfg.Name)
				}
				if err := checkCore(b.c); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if err := checkRuntime(b.c); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if logs.Len() > 0 {
					t.Fatalf("step %d: %s", step, logs.String())
				}
			}
			if applied < 100 {
				t.Errorf("only %d changes applied", applied)
			}
		})
	}
}

// mutate changes cfg at random, remembering what it removed so it can put it
// back.
func mutate(rng *rand.Rand, cfg Config, removedAgents map[string]AgentConfig, removedQueues map[string]QueueConfig) Config {
	switch rng.IntN(6) {
	case 0:
		if len(cfg.Agents) > 4 {
			i := rng.IntN(len(cfg.Agents))
			removedAgents[cfg.Agents[i].ID] = cfg.Agents[i]
			cfg.Agents = slices.Delete(cfg.Agents, i, i+1)
		}
	case 1:
		for id, a := range removedAgents {
			delete(removedAgents, id)
			cfg.Agents = append(cfg.Agents, a)
			break
		}
	case 2:
		a := &cfg.Agents[rng.IntN(len(cfg.Agents))]
		a.Skills = map[string]int{fmt.Sprintf("s%d", rng.IntN(3)): 1 + rng.IntN(9)}
		a.Priority = rng.IntN(5)
	case 3:
		if len(cfg.Queues) == 0 {
			break
		}
		q := &cfg.Queues[rng.IntN(len(cfg.Queues))]
		q.Strategy = Strategies()[rng.IntN(len(Strategies()))]
		q.Priority = rng.IntN(3)
		q.WidenAfter = time.Duration(rng.IntN(3)) * 15 * time.Second
		q.MaxWait = time.Duration(rng.IntN(4)) * time.Minute
	case 4:
		// Remove a queue nobody overflows to.
		for i, q := range cfg.Queues {
			if len(cfg.Queues) < 2 {
				break
			}
			if slices.ContainsFunc(cfg.Queues, func(o QueueConfig) bool { return o.Overflow == "queue "+q.Name }) {
				continue
			}
			removedQueues[q.Name] = q
			cfg.Queues = slices.Delete(cfg.Queues, i, i+1)
			break
		}
	case 5:
		for name, q := range removedQueues {
			delete(removedQueues, name)
			if o, _ := ParseOverflow(q.Overflow); o.Action == OverflowQueue && queueIndex(&cfg, o.Queue) < 0 {
				q.Overflow = ""
			}
			cfg.Queues = append(cfg.Queues, q)
			break
		}
	}
	return cfg
}

// checkRuntime checks what apply keeps: calls point at live queues, agents
// in the index are the configured ones plus those retiring, and every
// retiring agent is still at work.
func checkRuntime(c *core) error {
	live := map[*queue]bool{}
	for _, q := range c.queues {
		live[q] = true
	}
	for _, k := range c.calls {
		if k.state != callTalking && !live[k.q] {
			return fmt.Errorf("call %s (%d) in a dropped queue %s", k.pub.ID, k.state, k.q.cfg.Name)
		}
	}
	if len(c.agents) != len(c.cfg.Agents)+len(c.retiring) || len(c.agentBy) != len(c.agents) {
		return fmt.Errorf("%d agents, %d indexed, %d configured + %d retiring", len(c.agents), len(c.agentBy), len(c.cfg.Agents), len(c.retiring))
	}
	for _, a := range c.retiring {
		if !a.retired || len(a.members) > 0 || (a.state != StateTalking && a.state != StateWrapUp) {
			return fmt.Errorf("retiring agent %s is %s with %d queues", a.cfg.ID, a.state, len(a.members))
		}
	}
	return nil
}

// BenchmarkApply measures a runtime change (one queue's ring timeout) with
// 1,000 agents, all talking, and 10,000 callers waiting across ten queues:
// every queue is rebuilt and every caller put back in line.
func BenchmarkApply(b *testing.B) {
	const agents, waiting, queues = 1000, 10000, 10
	bb := newBench(b, skilledConfig(StrategyLongestIdle, queues, agents, false))
	for _, a := range bb.c.agents {
		bb.do(func(c *core) { c.move(a, StateReady, "") })
	}
	for i := range agents + waiting {
		bb.enqueue(fmt.Sprintf("q%d", i%queues))
		bb.answerAll()
	}
	cfg := cloneConfig(bb.c.cfg)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		cfg.Queues[0].RingTimeout = time.Duration(10+i%2) * time.Second
		bb.do(func(c *core) { c.apply(cfg) })
	}
	b.StopTimer()
	if n := waitingCalls(bb.c); n != waiting {
		b.Fatalf("%d waiting after, want %d", n, waiting)
	}
}
