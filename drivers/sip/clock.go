package sip

import (
	"context"
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
type clock struct {
	// mu guards streams.
	mu      sync.Mutex
	streams map[*stream]struct{}

	ticks, under, over atomic.Uint64
	lateMax            atomic.Int64
}

func newClock() *clock { return &clock{streams: make(map[*stream]struct{})} }

func (c *clock) add(s *stream) {
	c.mu.Lock()
	c.streams[s] = struct{}{}
	c.mu.Unlock()
}

func (c *clock) remove(s *stream) {
	c.mu.Lock()
	delete(c.streams, s)
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
	for s := range c.streams {
		u, o := s.tick(now)
		if u {
			under++
		}
		if o {
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
