package acd

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"

	"tracecall/telephony"
)

// bench is a core driven by hand, without the actor, offers answered at once.
type bench struct {
	tb    testing.TB
	c     *core
	now   time.Time
	n     int
	ring  []*call // offered, waiting to be answered by the test
	order []*call // talking, oldest first
}

func newBench(tb testing.TB, cfg Config) *bench {
	tb.Helper()
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b := &bench{tb: tb, now: now}
	b.c = newCore(cfg.withDefaults(), Deps{
		Log:      slog.New(slog.DiscardHandler),
		Location: time.UTC,
		Rand:     rand.New(rand.NewPCG(1, 2)),
	}, now)
	b.c.startOffer = func(a *agent, k *call) { b.ring = append(b.ring, k) }
	return b
}

func (b *bench) do(f func(c *core)) {
	b.c.tick(b.now)
	f(b.c)
	b.c.settle()
}

func (b *bench) enqueue(queue string) *call {
	b.n++
	id := telephony.CallID(fmt.Sprintf("c%d", b.n))
	b.do(func(c *core) {
		c.callSeq++
		k := &call{pub: Call{ID: id, Queue: queue, Caller: fmt.Sprint(b.n % 5000)}, arrived: c.now, seq: c.callSeq, idx: -1}
		c.calls[id] = k
		c.join(k, c.queueBy[queue])
	})
	return b.c.calls[id]
}

// answerAll has the first agent ringing with each offered call answer it.
func (b *bench) answerAll() {
	for len(b.ring) > 0 {
		k := b.ring[0]
		b.ring = b.ring[1:]
		if k.state == callRinging {
			b.do(func(c *core) { c.answer(k, k.ringing[0]) })
			b.order = append(b.order, k)
		}
	}
}

// skilledConfig has nq queues, each needing its own skill at level 5, a general
// queue needing none, and na agents. Every skilled agent (every one, or every
// other one with alternate) has two neighbouring skills, so serves two skill
// queues; the rest serve only the general queue.
func skilledConfig(strategy string, nq, na int, alternate bool) Config {
	cfg := Config{}
	for j := range nq {
		cfg.Queues = append(cfg.Queues, QueueConfig{Name: fmt.Sprintf("q%d", j), Strategy: strategy,
			Skills: map[string]int{fmt.Sprintf("s%d", j): 5}})
	}
	cfg.Queues = append(cfg.Queues, QueueConfig{Name: "general", Strategy: strategy})
	for i := range na {
		a := AgentConfig{ID: fmt.Sprintf("a%d", i), Extension: fmt.Sprintf("sim:%d", 1000+i), Priority: i % 7}
		if !alternate || i%2 == 0 {
			a.Skills = map[string]int{fmt.Sprintf("s%d", i%nq): 5 + i%5, fmt.Sprintf("s%d", (i+1)%nq): 5}
		}
		cfg.Agents = append(cfg.Agents, a)
	}
	return cfg
}

// BenchmarkPickAgent measures the ACD's decision with 1,000 agents and 10,000
// callers waiting.
//
// agent_frees: every agent is talking and 10,000 callers wait across ten skill
// queues; each op ends one call, so the freed agent is offered the best caller
// across its queues, answers, and a new caller joins to keep 10,000 waiting.
//
// caller_arrives/<strategy>: the same 10,000 wait for 500 busy agents, while
// the other 500 are free in a general queue; each op places a caller there, the
// strategy picks one of the 500 and rings it, and the caller hangs up.
func BenchmarkPickAgent(b *testing.B) {
	const agents, waiting, queues = 1000, 10000, 10
	b.Run("agent_frees", func(tb *testing.B) {
		bb := newBench(tb, skilledConfig(StrategyLongestIdle, queues, agents, false))
		for _, a := range bb.c.agents {
			bb.do(func(c *core) { c.move(a, StateReady, "") })
		}
		for i := range agents + waiting {
			bb.enqueue(fmt.Sprintf("q%d", i%queues))
			bb.answerAll()
		}
		if n := waitingCalls(bb.c); n != waiting {
			tb.Fatalf("%d waiting, want %d", n, waiting)
		}
		tb.ReportAllocs()
		tb.ResetTimer()
		for i := 0; tb.Loop(); i++ {
			bb.now = bb.now.Add(time.Second)
			k := bb.order[0]
			bb.order = bb.order[1:]
			bb.do(func(c *core) { c.endTalk(k) })
			bb.answerAll()
			bb.enqueue(fmt.Sprintf("q%d", i%queues))
		}
		tb.StopTimer()
		if n := waitingCalls(bb.c); n != waiting {
			tb.Fatalf("%d waiting after, want %d", n, waiting)
		}
	})
	for _, s := range Strategies() {
		b.Run("caller_arrives/"+s, func(tb *testing.B) {
			bb := newBench(tb, skilledConfig(s, queues, agents, true))
			for i, a := range bb.c.agents {
				if i%2 == 0 {
					bb.do(func(c *core) { c.move(a, StateReady, "") })
				}
			}
			for i := range agents/2 + waiting {
				bb.enqueue(fmt.Sprintf("q%d", i%queues))
				bb.answerAll()
			}
			for i, a := range bb.c.agents {
				if i%2 == 1 {
					bb.do(func(c *core) { c.move(a, StateReady, "") })
				}
			}
			if n := waitingCalls(bb.c); n != waiting {
				tb.Fatalf("%d waiting, want %d", n, waiting)
			}
			tb.ReportAllocs()
			tb.ResetTimer()
			for tb.Loop() {
				bb.now = bb.now.Add(time.Second)
				k := bb.enqueue("general")
				if k.state != callRinging {
					tb.Fatal("no agent picked")
				}
				bb.ring = bb.ring[:0]
				bb.do(func(c *core) { c.abandon(k) })
			}
		})
	}
}

func waitingCalls(c *core) int {
	n := 0
	for _, q := range c.queues {
		n += q.nWaiting
	}
	return n
}
