package acd

import (
	"bytes"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestCoreInvariants drives the core with random operations on every strategy
// and checks after each that its indexes agree with the agents and calls, that
// no waiting caller has a free agent who qualifies, and that no impossible state
// change was tried (it would be logged as an error).
func TestCoreInvariants(t *testing.T) {
	for _, s := range Strategies() {
		t.Run(s, func(t *testing.T) {
			cfg := skilledConfig(s, 3, 12, true)
			for i := range cfg.Queues {
				q := &cfg.Queues[i]
				q.WidenAfter, q.WidenStep = 20*time.Second, 2
				q.MaxWait, q.MaxLength, q.WrapUp = 3*time.Minute, 6, 5*time.Second
				q.RingTimeout, q.MaxNoAnswer = 10*time.Second, 2
				q.Overflow = fmt.Sprintf("queue q%d", (i+1)%3)
				if i == 1 {
					q.WhenEmpty = EmptyLeave
				}
			}
			cfg.Queues[0].Skills["s1"] = 9 // needs widening for most
			var logs bytes.Buffer
			b := newBench(t, cfg)
			b.c.log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelError}))
			rng := rand.New(rand.NewPCG(uint64(len(s)), 9))
			for step := range 4000 {
				b.now = b.now.Add(time.Duration(rng.IntN(4000)) * time.Millisecond)
				randomMove(b, rng)
				if rng.IntN(3) == 0 {
					b.enqueue(fmt.Sprintf("q%d", rng.IntN(3)))
				}
				if err := checkCore(b.c); err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if logs.Len() > 0 {
					t.Fatalf("step %d: %s", step, logs.String())
				}
			}
		})
	}
}

// randomMove makes one move an agent, a caller or the clock could make, at
// random: an agent logs in or out, goes ready or not, answers or refuses an
// offer, loses or regains their phone; a call ends or leaves its queue; or
// the timers fire.
func randomMove(b *bench, rng *rand.Rand) {
	a := b.c.agents[rng.IntN(len(b.c.agents))]
	var k *call
	if ids := slices.Sorted(maps.Keys(b.c.calls)); len(ids) > 0 {
		k = b.c.calls[ids[rng.IntN(len(ids))]]
	}
	b.do(func(c *core) {
		switch rng.IntN(10) {
		case 0:
			_ = c.login(a)
		case 1:
			_ = c.setNotReady(a, "break")
		case 2:
			_ = c.setReady(a)
		case 3:
			if k := a.call; k != nil {
				_ = c.offerResult(k.pub.ID, a, rng.IntN(2) == 0)
			}
		case 4:
			if k != nil {
				c.callEnded(k.pub.ID)
			}
		case 5:
			if k != nil {
				_ = c.leave(k.pub.ID)
			}
		case 6:
			c.setReachable(a, a.down)
		case 7:
			_ = c.logout(a)
		default:
			c.fire()
		}
	})
}

func checkCore(c *core) error {
	for _, q := range c.queues {
		n := 0
		for s, h := range q.waiting {
			for i, k := range h.items {
				n++
				if k.idx != i || k.stage != s || k.q != q || k.state != callWaiting || k.gone {
					return fmt.Errorf("queue %s: bad waiting entry %s", q.cfg.Name, k.pub.ID)
				}
				if p := q.pools[s]; p.len() > 0 {
					return fmt.Errorf("queue %s: %s waits at stage %d with %d free agents", q.cfg.Name, k.pub.ID, s, p.len())
				}
			}
		}
		if n != q.nWaiting {
			return fmt.Errorf("queue %s: nWaiting %d, heaps hold %d", q.cfg.Name, q.nWaiting, n)
		}
		present, ringing := 0, 0
		for _, m := range q.members {
			if m.a.present() {
				present++
			}
			for s, p := range q.pools {
				if want := m.a.free() && s >= m.stage; p.has(m) != want {
					return fmt.Errorf("queue %s stage %d: agent %s (%s) in pool %v", q.cfg.Name, s, m.a.cfg.ID, m.a.state, p.has(m))
				}
			}
		}
		for _, k := range c.calls {
			if k.q == q && k.state == callRinging {
				ringing++
			}
		}
		if present != q.present || ringing != q.nRinging {
			return fmt.Errorf("queue %s: present %d ringing %d, counted %d and %d", q.cfg.Name, q.present, q.nRinging, present, ringing)
		}
		if q.cfg.WhenEmpty == EmptyLeave && q.present == 0 && q.nWaiting > 0 {
			return fmt.Errorf("queue %s: callers left waiting in an empty leave-when-empty queue", q.cfg.Name)
		}
	}
	for _, a := range c.agents {
		busy := a.state == StateRinging || a.state == StateTalking
		if busy != (a.call != nil) {
			return fmt.Errorf("agent %s is %s with call %v", a.cfg.ID, a.state, a.call != nil)
		}
		if a.state == StateRinging && a.call.state != callRinging {
			return fmt.Errorf("agent %s rings with a call that is not ringing", a.cfg.ID)
		}
	}
	return nil
}

func TestBitsetNext(t *testing.T) {
	b := newBitset(200)
	for _, i := range []int{0, 63, 64, 130, 199} {
		b.set(i)
	}
	b.clear(0)
	tests := []struct{ from, want int }{
		{0, 63}, {63, 63}, {64, 64}, {65, 130}, {131, 199}, {199, 199}, {200, -1}, {1000, -1},
	}
	for _, tt := range tests {
		if got := b.next(tt.from); got != tt.want {
			t.Errorf("next(%d) = %d, want %d", tt.from, got, tt.want)
		}
	}
}

func TestMinHeapRemove(t *testing.T) {
	type item struct{ v, i int }
	h := minHeap[*item]{less: func(x, y *item) bool { return x.v < y.v }, at: func(x *item, i int) { x.i = i }}
	rng := rand.New(rand.NewPCG(3, 4))
	var live []*item
	for range 2000 {
		if len(live) > 0 && rng.IntN(3) == 0 {
			j := rng.IntN(len(live))
			x := live[j]
			if h.remove(x.i) != x || x.i != -1 {
				t.Fatal("removed the wrong item")
			}
			live = append(live[:j], live[j+1:]...)
		} else {
			x := &item{v: rng.IntN(100)}
			h.push(x)
			live = append(live, x)
		}
		for i, x := range h.items {
			if x.i != i || (i > 0 && h.less(x, h.items[(i-1)/2])) {
				t.Fatalf("heap broken at %d", i)
			}
		}
	}
	prev := -1
	for h.len() > 0 {
		x := h.pop()
		if x.v < prev {
			t.Fatal("popped out of order")
		}
		prev = x.v
	}
}
