package sip

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"tracecall/telephony/media"
)

const (
	tick = media.FrameDuration * time.Millisecond
	// maxCatchUp bounds how many ticks a starved clock runs back to back
	// before it starts a new beat: RTP timestamps keep wall-clock time through
	// a short stall, and a long one does not turn into a burst.
	maxCatchUp = 5
)

// ClockStats say how the shared 20 ms send clock kept time.
type ClockStats struct {
	Ticks     uint64        // ticks run
	Underruns uint64        // ticks where an app that had been writing had no frame ready
	Overruns  uint64        // received frames dropped because the app fell behind
	LateMax   time.Duration // the latest a tick started
}

// clock moves one frame each way on every answered call once per tick, from
// one goroutine, never blocking.
//
// Streams are ticked in the order they were added, and that order holds from
// tick to tick: a call's packet leaves at the same offset into every tick, so
// however long the loop over all calls takes, each call's packets stay 20 ms
// apart. (A map's random order moved each call around inside the loop and
// showed up as send jitter as large as the loop.) All sends come first, then
// all receives, so what arrived does not shift when a call's packet leaves.
type clock struct {
	// mu guards streams; tickAll holds it for the whole loop, so a stream
	// removed is never ticked again.
	mu      sync.Mutex
	streams []*stream

	ticks, under, over atomic.Uint64
	lateMax            atomic.Int64
}

func newClock() *clock { return &clock{} }

// add starts ticking s, after the streams already there; adding it twice
// changes nothing.
func (c *clock) add(s *stream) {
	c.mu.Lock()
	if !slices.Contains(c.streams, s) {
		c.streams = append(c.streams, s)
	}
	c.mu.Unlock()
}

// remove stops ticking s, keeping the others in their order.
func (c *clock) remove(s *stream) {
	c.mu.Lock()
	if i := slices.Index(c.streams, s); i >= 0 {
		c.streams = slices.Delete(c.streams, i, i+1)
	}
	c.mu.Unlock()
}

func (c *clock) run(ctx context.Context) {
	t := time.NewTimer(tick)
	defer t.Stop()
	next := time.Now()
	for {
		next = next.Add(tick)
		t.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		late := now.Sub(next)
		if int64(late) > c.lateMax.Load() {
			c.lateMax.Store(int64(late))
		}
		due := 1 + int(late/tick)
		if due > maxCatchUp {
			due, next = 1, now
		}
		for i := range due {
			if i > 0 {
				next = next.Add(tick)
			}
			c.tickAll(now)
		}
	}
}

func (c *clock) tickAll(now time.Time) {
	var under, over uint64
	c.mu.Lock()
	// Every call's packet goes out first, at the start of the tick, then
	// what came in is taken and handed on.
	for _, s := range c.streams {
		if s.send(now) {
			under++
		}
	}
	for _, s := range c.streams {
		if s.receive() {
			over++
		}
	}
	c.mu.Unlock()
	c.ticks.Add(1)
	c.under.Add(under)
	c.over.Add(over)
}

func (c *clock) stats() ClockStats {
	return ClockStats{
		Ticks: c.ticks.Load(), Underruns: c.under.Load(), Overruns: c.over.Load(),
		LateMax: time.Duration(c.lateMax.Load()),
	}
}
