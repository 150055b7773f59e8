package sim

import (
	"context"
	"sync"
	"time"

	"tracecall/telephony/media"
)

const (
	tick = media.FrameDuration * time.Millisecond
	// histBucket is the lateness histogram's resolution; histBuckets cover 200 ms.
	histBucket  = 50 * time.Microsecond
	histBuckets = 4000
)

// ClockStats say how well the clock kept its 20 ms beat.
type ClockStats struct {
	Ticks     uint64        // ticks run
	Frames    uint64        // frames moved from appliance to caller
	Underruns uint64        // ticks where an answered leg had no frame ready
	Overruns  uint64        // caller frames dropped because the appliance fell behind
	LateP50   time.Duration // tick start lateness percentiles
	LateP99   time.Duration
	LateMax   time.Duration
}

// clock moves frames on every active line once per tick.
type clock struct {
	// mu guards legs.
	mu   sync.Mutex
	legs map[*leg]struct{}

	// smu guards the statistics.
	smu                        sync.Mutex
	hist                       [histBuckets + 1]uint64
	ticks, frames, under, over uint64
	max                        time.Duration
}

func newClock() *clock { return &clock{legs: make(map[*leg]struct{})} }

func (c *clock) add(l *leg) {
	c.mu.Lock()
	c.legs[l] = struct{}{}
	c.mu.Unlock()
}

func (c *clock) remove(l *leg) {
	c.mu.Lock()
	delete(c.legs, l)
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
		late := time.Since(next)
		// A starved clock catches up, so that audio keeps wall-clock time (a
		// recording is as long as the call); past maxCatchUp it starts a new beat.
		due := 1 + int(late/tick)
		if due > maxCatchUp {
			due, next = 1, time.Now()
		}
		for i := range due {
			if i > 0 {
				next = next.Add(tick)
			}
			c.tickAll(late - time.Duration(i)*tick)
		}
	}
}

// maxCatchUp bounds how many ticks a late clock runs back to back.
const maxCatchUp = 50

// tickAll moves one frame each way on every leg.
func (c *clock) tickAll(late time.Duration) {
	var frames, under, over uint64
	c.mu.Lock()
	for l := range c.legs {
		f, u, o := l.tick()
		frames += f
		under += u
		over += o
	}
	c.mu.Unlock()
	c.record(late, frames, under, over)
}

// tick moves one frame each way on the leg without blocking.
func (l *leg) tick() (frames, under, over uint64) {
	c := l.caller
	var f media.Frame
	c.next(&f, l.oob)
	if l.arrive(&f) {
		over = 1
	}
	select {
	case g := <-l.tx:
		c.started = true
		c.hear(&g)
		frames = 1
	default:
		if c.started {
			under = 1
		}
		f.Silence()
		c.hear(&f)
	}
	return frames, under, over
}

func (c *clock) record(late time.Duration, frames, under, over uint64) {
	c.smu.Lock()
	defer c.smu.Unlock()
	c.ticks++
	c.frames += frames
	c.under += under
	c.over += over
	if late < 0 {
		late = 0
	}
	c.max = max(c.max, late)
	c.hist[min(int(late/histBucket), histBuckets)]++
}

func (c *clock) stats() ClockStats {
	c.smu.Lock()
	defer c.smu.Unlock()
	s := ClockStats{Ticks: c.ticks, Frames: c.frames, Underruns: c.under, Overruns: c.over, LateMax: c.max}
	s.LateP50 = c.percentile(0.50)
	s.LateP99 = c.percentile(0.99)
	return s
}

// percentile reads the histogram; c.smu is held.
func (c *clock) percentile(p float64) time.Duration {
	if c.ticks == 0 {
		return 0
	}
	want := uint64(p * float64(c.ticks))
	var seen uint64
	for i, n := range c.hist {
		seen += n
		if seen > want {
			return time.Duration(i+1) * histBucket
		}
	}
	return c.max
}
