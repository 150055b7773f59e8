package clock

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"tracecall/telephony/media"
)

const (
	// Period is the clock's tick: one frame each way on every stream.
	Period = media.FrameDuration * time.Millisecond
	// Phases is how many parts each tick is cut into: a stream belongs to
	// one phase, and phase p runs p/Phases of a tick after the first (every
	// 5 ms a quarter of the streams), so the work comes in short runs.
	Phases = 4
	// MaxCatchUp is how many ticks a clock that fell behind may owe: it
	// runs them back to back; ticks owed beyond it are skipped (see the
	// package doc, "Catch-up policy").
	MaxCatchUp = 10
	// MaxWorkers bounds Tick.Worker: a stream that keeps scratch per worker
	// needs MaxWorkers of it.
	MaxWorkers = 2
)

// A Stream is moved one frame each way on every tick, from one of the
// clock's workers, never from two at once. Neither method may block.
type Stream interface {
	// Send hands this tick's outgoing frame on (the app's, or silence);
	// under reports an underrun: an app that had been writing had no frame
	// ready.
	Send(t Tick) (under bool)
	// Receive takes what came in since the last tick and hands the app one
	// frame; over reports an overrun: the app had not taken its earlier
	// frames and this one was dropped. Every Send of a phase runs before
	// its first Receive.
	Receive(t Tick) (over bool)
}

// Tick is what the clock tells a stream each time it runs it.
type Tick struct {
	// Now is when the stream's phase began (all of the phase's streams get
	// the same Now).
	Now time.Time
	// Worker is the worker running the phase, below MaxWorkers: two phases
	// may run at once on two workers, so scratch that a stream shares with
	// others must be kept per worker.
	Worker int
}

// Clock is the media clock. Add and Remove may be called from any goroutine,
// while it runs or not; Run runs it.
type Clock struct {
	log     *slog.Logger
	running atomic.Bool

	// mu serialises Add and Remove and guards wake (n is changed under it
	// too, and read without it by the workers); the lists they publish in
	// phases are never changed in place.
	mu     sync.Mutex
	phases [Phases]atomic.Pointer[[]Stream]
	n      atomic.Int64  // streams on the clock
	wake   chan struct{} // closed when a stream is added to an empty clock

	// beatMu guards next and started: the next phase to run, which a
	// worker claims.
	beatMu  sync.Mutex
	next    beat
	started bool
	// phaseMu keeps each phase to one worker at a time.
	phaseMu [Phases]sync.Mutex

	st counters
}

// New returns a clock with no streams on it; log says how its workers run
// (nil logs nothing).
func New(log *slog.Logger) *Clock {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Clock{log: log}
}

// phase is the streams phase p runs over, in order.
func (c *Clock) phase(p int) []Stream {
	if l := c.phases[p].Load(); l != nil {
		return *l
	}
	return nil
}

// Add starts ticking s in the phase with the fewest streams, after the ones
// already there; adding it twice changes nothing.
func (c *Clock) Add(s Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	best := 0
	for p := range Phases {
		l := c.phase(p)
		if slices.Contains(l, s) {
			return
		}
		if len(l) < len(c.phase(best)) {
			best = p
		}
	}
	l := append(slices.Clip(c.phase(best)), s) // a new array: a phase may be reading the old one
	c.phases[best].Store(&l)
	c.n.Add(1)
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
}

// Remove stops ticking s from its phase's next run on, keeping the others
// in their phases and places. A run of its phase that has begun may still
// tick it once.
func (c *Clock) Remove(s Stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range Phases {
		old := c.phase(p)
		i := slices.Index(old, s)
		if i < 0 {
			continue
		}
		l := make([]Stream, 0, len(old)-1)
		l = append(append(l, old[:i]...), old[i+1:]...)
		c.phases[p].Store(&l)
		c.n.Add(-1)
		return
	}
}

// Len is how many streams are on the clock.
func (c *Clock) Len() int { return int(c.n.Load()) }

// beat is the next phase to run: its number since the clock started (phase
// n%Phases of tick n/Phases) and its time on the grid.
type beat struct {
	n  uint64
	at time.Time
}

// runWith runs the clock as worker w until ctx ends: it waits for each
// phase's time and runs it, unless another worker has claimed it first, so a
// worker waiting for the runtime to give it a P does not hold the beat up
// while another one is ready.
func (c *Clock) runWith(ctx context.Context, wait phaseWait, w int) {
	for {
		if !c.awake(ctx) {
			return
		}
		b := c.nextBeat()
		if !wait.until(ctx, b.at) {
			return
		}
		if !c.claim(b) {
			continue // another worker took this phase
		}
		now := time.Now()
		late := now.Sub(b.at)
		c.st.late.record(late)
		p := int(b.n % Phases)
		// A phase's streams are ticked by one worker at a time: a worker
		// held up in the middle of one (preempted) is waited for, not
		// overtaken.
		c.phaseMu[p].Lock()
		c.runPhase(p, Tick{Now: now, Worker: w})
		c.phaseMu[p].Unlock()
		if p == Phases-1 {
			c.st.ticks.Add(1)
			if late >= Period {
				c.st.behind.Add(1)
			}
		}
	}
}

// awake returns at once while the clock has streams; otherwise it waits
// until one is added (the grid then starts afresh) or ctx ends (false).
func (c *Clock) awake(ctx context.Context) bool {
	if c.n.Load() > 0 { // every phase of a busy clock: no lock
		return true
	}
	c.mu.Lock()
	if c.n.Load() > 0 {
		c.mu.Unlock()
		return true
	}
	if c.wake == nil {
		c.wake = make(chan struct{})
	}
	wake := c.wake
	c.beatMu.Lock()
	c.started = false
	c.beatMu.Unlock()
	c.mu.Unlock()
	select {
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	}
}

// nextBeat is the next phase to run; a fresh grid starts a tick from now.
func (c *Clock) nextBeat() beat {
	c.beatMu.Lock()
	defer c.beatMu.Unlock()
	if !c.started {
		c.next, c.started = beat{n: c.next.n, at: time.Now().Add(Period)}, true
	}
	return c.next
}

// claim takes phase b for the calling worker, unless another worker has (or
// the grid has started afresh since b was read), and moves the beat on by a
// phase on the grid; with more than MaxCatchUp ticks owed it jumps the grid
// forward by whole ticks.
func (c *Clock) claim(b beat) bool {
	c.beatMu.Lock()
	defer c.beatMu.Unlock()
	if c.next.n != b.n || !c.next.at.Equal(b.at) {
		return false
	}
	c.next = beat{n: b.n + 1, at: b.at.Add(Period / Phases)}
	if owed := time.Since(c.next.at) - MaxCatchUp*Period; owed > 0 {
		skip := (owed + Period - 1) / Period
		c.next.at = c.next.at.Add(skip * Period)
		c.st.skipped.Add(uint64(skip))
	}
	return true
}

// Step runs one whole tick at once, every phase in turn as worker 0, for
// tests and benchmarks that drive a clock themselves instead of running it.
func (c *Clock) Step(now time.Time) {
	for p := range Phases {
		c.phaseMu[p].Lock()
		c.runPhase(p, Tick{Now: now})
		c.phaseMu[p].Unlock()
	}
	c.st.ticks.Add(1)
}

// runPhase sends each of the phase's streams its frame, then has each take
// what came in.
func (c *Clock) runPhase(p int, t Tick) {
	var under, over uint64
	streams := c.phase(p)
	for _, s := range streams {
		if s.Send(t) {
			under++
		}
	}
	for _, s := range streams {
		if s.Receive(t) {
			over++
		}
	}
	if len(streams) > 0 {
		c.st.frames.Add(uint64(len(streams)))
	}
	if under > 0 {
		c.st.under.Add(under)
	}
	if over > 0 {
		c.st.over.Add(over)
	}
}
