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
	// clockPhases is how many parts each tick is cut into: a call belongs
	// to one phase, and phase p runs p/clockPhases of a tick after the
	// first (every 5 ms one quarter of the calls), so the work comes in
	// short runs instead of one long one.
	clockPhases = 4
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
// Each call has a phase for as long as it is on the clock (add picks the
// emptiest), and phase p of every tick runs p × 5 ms after its start. Within
// a phase, calls are ticked in the order they were added, and that order
// holds from tick to tick: a call's packet leaves at the same offset into
// every tick, so however long the loop takes, each call's packets stay 20 ms
// apart. (A map's random order moved each call around inside the loop and
// showed up as send jitter as large as the loop.) Removing a call never moves
// another to a different phase or place. All of a phase's sends come first,
// then its receives, so what arrived does not shift when a packet leaves.
//
// Phases keep the clock's runs short: at 800 calls one loop over all of them
// took most of 10 ms, long enough for the runtime to preempt the clock in
// the middle of it (calls after that point then sent late), and with
// GOMAXPROCS=1 the signalling and the IVR waited behind the whole loop.
//
// The signalling never waits for a tick: add and remove publish a new list,
// and each phase runs over the list it loaded when it began. (With the list
// under a mutex held for the whole loop, answering a call waited behind up to
// a tick's worth of work, and with GOMAXPROCS=1 behind whatever ran while the
// clock was preempted holding it.) So a stream removed during a phase may be
// ticked once more, by that phase; stream.close is safe against it.
//
// The clock runs as one or more workers (runWith; the driver starts two on
// threads of its own, runClock), which claim phases from one shared beat:
// whichever is awake at a phase's time runs it, each with its own receive
// scratch, and a phase's calls are never ticked by two workers at once.
type clock struct {
	// mu serialises add and remove; the lists they publish in phases are
	// never changed in place.
	mu     sync.Mutex
	phases [clockPhases]atomic.Pointer[[]*stream]

	// beatMu guards next, the next phase to run, which a worker claims.
	beatMu  sync.Mutex
	next    beat
	started bool
	// phaseMu keeps each phase to one worker at a time.
	phaseMu [clockPhases]sync.Mutex

	ticks, under, over atomic.Uint64
	lateMax            atomic.Int64
}

func newClock() *clock { return &clock{} }

// phase is the streams phase p runs over, in order.
func (c *clock) phase(p int) []*stream {
	if l := c.phases[p].Load(); l != nil {
		return *l
	}
	return nil
}

// list is every stream on the clock, phase by phase.
func (c *clock) list() []*stream {
	var all []*stream
	for p := range clockPhases {
		all = append(all, c.phase(p)...)
	}
	return all
}

// add starts ticking s in the phase with the fewest calls, after the ones
// already there; adding it twice changes nothing.
func (c *clock) add(s *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	best := 0
	for p := range clockPhases {
		l := c.phase(p)
		if slices.Contains(l, s) {
			return
		}
		if len(l) < len(c.phase(best)) {
			best = p
		}
	}
	l := append(slices.Clip(c.phase(best)), s) // a new array: a tick may be reading the old one
	c.phases[best].Store(&l)
}

// remove stops ticking s from its phase's next run on, keeping the others
// where they are.
func (c *clock) remove(s *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range clockPhases {
		old := c.phase(p)
		i := slices.Index(old, s)
		if i < 0 {
			continue
		}
		l := make([]*stream, 0, len(old)-1)
		l = append(append(l, old[:i]...), old[i+1:]...)
		c.phases[p].Store(&l)
		return
	}
}

// run ticks until ctx ends, waiting between phases on a runtime timer.
func (c *clock) run(ctx context.Context) { c.runWith(ctx, newTimerWait()) }

// A phaseWait holds the clock until a phase's time; false once ctx is done.
type phaseWait interface {
	until(ctx context.Context, at time.Time) bool
}

// timerWait waits on a runtime timer: the timer wakes one of the runtime's
// threads, which then gets the clock goroutine a P when one is free.
type timerWait struct{ t *time.Timer }

func newTimerWait() *timerWait {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerWait{t: t}
}

func (w *timerWait) until(ctx context.Context, at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err() == nil
	}
	w.t.Reset(d)
	select {
	case <-ctx.Done():
		w.t.Stop()
		return false
	case <-w.t.C:
		return true
	}
}

// beat is the next phase to run: its number since the clock started (phase
// n%clockPhases of tick n/clockPhases) and its time.
type beat struct {
	n  uint64
	at time.Time
}

// runWith runs the clock as one worker: it waits for each phase's time and
// runs it. Several workers may run one clock (clock_thread_linux.go), each
// with its own wait: whichever is awake at a phase's time claims it, so a
// worker that waits for the runtime to give it a P does not hold the beat
// up while another one is ready.
func (c *clock) runWith(ctx context.Context, wait phaseWait) {
	rb := newReadBatch() // this worker's receive scratch, shared by its calls
	for {
		b := c.nextBeat()
		if !wait.until(ctx, b.at) {
			return
		}
		if !c.claim(b) {
			continue // another worker took this phase
		}
		// Behind time (a stall), phases run back to back until the
		// clock has caught up.
		now := time.Now()
		for late := int64(now.Sub(b.at)); ; {
			old := c.lateMax.Load()
			if late <= old || c.lateMax.CompareAndSwap(old, late) {
				break
			}
		}
		p := int(b.n % clockPhases)
		// A phase's calls are ticked by one worker at a time: a worker held
		// up in the middle of one (preempted) is waited for, not overtaken.
		c.phaseMu[p].Lock()
		c.tickPhase(p, now, rb)
		c.phaseMu[p].Unlock()
		if p == clockPhases-1 {
			c.ticks.Add(1)
		}
	}
}

// nextBeat is the next phase to run; the first is a tick from the first call.
func (c *clock) nextBeat() beat {
	c.beatMu.Lock()
	defer c.beatMu.Unlock()
	if !c.started {
		c.next, c.started = beat{at: time.Now().Add(tick)}, true
	}
	return c.next
}

// claim takes phase b for the calling worker, unless another worker has,
// and moves the beat on; after a long stall the beat starts afresh instead
// of catching up in a burst.
func (c *clock) claim(b beat) bool {
	c.beatMu.Lock()
	defer c.beatMu.Unlock()
	if c.next.n != b.n {
		return false
	}
	c.next = beat{n: b.n + 1, at: b.at.Add(tick / clockPhases)}
	if time.Since(c.next.at) > maxCatchUp*tick {
		c.next.at = time.Now()
	}
	return true
}

// tickAll runs every phase at once (tests and benchmarks).
func (c *clock) tickAll(now time.Time, rb *readBatch) {
	for p := range clockPhases {
		c.tickPhase(p, now, rb)
	}
	c.ticks.Add(1)
}

// tickPhase sends each of the phase's calls its packet, then takes what came
// in for each and hands it on.
func (c *clock) tickPhase(p int, now time.Time, rb *readBatch) {
	var under, over uint64
	streams := c.phase(p)
	for _, s := range streams {
		if s.send(now) {
			under++
		}
	}
	for _, s := range streams {
		if s.receive(rb) {
			over++
		}
	}
	c.under.Add(under)
	c.over.Add(over)
}

func (c *clock) stats() ClockStats {
	return ClockStats{
		Ticks: c.ticks.Load(), Underruns: c.under.Load(), Overruns: c.over.Load(),
		LateMax: time.Duration(c.lateMax.Load()),
	}
}
