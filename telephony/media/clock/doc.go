// Package clock is the core's one media clock: every 20 ms it moves one frame
// each way on every stream the drivers put on it (a SIP call's RTP, a
// simulated line) and mixes every room that has something to mix. The daemon
// makes one Clock in cmd/tracecalld/run.go, runs it, and hands it to the
// drivers and to whoever makes rooms; there is no other clock, no other
// catch-up rule and no other set of lateness figures.
//
// # Streams and phases
//
// A Stream is anything that moves frames on the beat: Send hands this tick's
// outgoing frame on (an RTP packet to the far end, what a simulated caller
// hears), Receive takes what came in and hands the app one frame (or, for a
// room, mixes). Neither may block: the clock runs every stream from the same
// few goroutines.
//
// Each tick is cut into Phases phases 5 ms apart. Add puts a stream in the
// phase with the fewest streams, after the ones already there, and it keeps
// that phase and place until Remove: a stream's packet leaves at the same
// offset into every tick, so however long the clock's runs take, each
// stream's frames stay 20 ms apart. (Ticking in a map's random order moved
// each call around inside the tick and showed up as send jitter as large as
// the loop.) Within a phase every Send runs before any Receive, so what
// arrived does not shift when a packet leaves. Phases keep the runs short:
// at 800 SIP calls one loop over all of them took most of 10 ms, long enough
// to be preempted in the middle of it.
//
// Add and Remove never wait for a tick: each publishes a new list for the
// phase, and a phase runs over the list it loaded when it began. So a stream
// removed during its phase may be ticked once more, by that phase, and must
// bear it (a closed socket's send does nothing, say). A stream is on the
// clock at most once; adding it again changes nothing.
//
// # Catch-up policy
//
// Every phase has a time on a fixed grid from the clock's start (phase p of
// tick n at start + n×20 ms + p×5 ms). A worker runs a phase at its time, or
// at once if that time has passed, and the next phase's time is the grid's,
// not "5 ms from now". So a clock that was held up (starved of CPU, a
// collection holding every P) runs the phases it missed back to back until
// it is on time again: every stream moves every frame it owes, in order,
// audio keeps wall-clock time (a recording is as long as the call), and
// frames that arrived during the stall (an in-band key's tone) reach the app
// instead of being lost.
//
// At most MaxCatchUp ticks (200 ms) are ever owed. When the clock finds
// itself further behind than that, the grid moves forward by whole ticks
// until only MaxCatchUp are owed, and the ticks jumped over are never run
// (Stats.Skipped counts them): a stall of a second does not turn into a
// second's burst that costs most of a tick per 20 ms caught up at the very
// moment the CPU is short. MaxCatchUp is below the 16 frames (320 ms) each
// driver queues for its app, so a burst fits in the queue the app reads.
//
// The clock itself never drops a frame. Frames are dropped by the queues
// between the clock and an app, never by waiting: a Send with no frame from
// the app sends silence (an underrun, Stats.Underruns, when the app had
// been writing), and a Receive whose app has not taken its earlier frames
// drops the new one (an overrun, Stats.Overruns). What a skipped tick would
// have moved is not moved: a far end's packets past what its socket and
// jitter buffer hold are lost, and a simulated caller's audio resumes where
// it stopped.
//
// # Lateness figures
//
// Stats are the clock's one account of how it kept time, for every driver's
// ClockStats, the load harness and the logs: Late* say how late phases
// started past their time on the grid (p50, p99 from a 50 µs histogram up to
// 200 ms, and the maximum); Behind counts ticks run a whole tick or more
// late, catching up; Skipped counts ticks given up; Ticks, Frames, Underruns
// and Overruns count the work.
//
// # Workers and real time
//
// Run runs the clock as one or more workers, which claim phases from one
// shared beat: whichever is awake at a phase's time runs it, each with its
// own Tick.Worker (an index for per-worker scratch, such as a SIP driver's
// receive buffers), and a phase's streams are never ticked by two workers at
// once. On Linux, with Ps to spare (GOMAXPROCS of two or more; the daemon
// sees to three), Run starts two workers, each locked to an OS thread of its
// own at nice -20, sleeping in the kernel (clock_nanosleep) until each phase's
// time while holding its P. On a runtime timer the clock started a phase
// 0.5 ms late half the time and over 2 ms late one time in a hundred,
// whenever the runtime's other threads were busy; with one worker a
// collection's mark workers could hold every P for up to 7 ms, and the second
// worker, asleep in the kernel with its P meanwhile, now takes the phase.
// Not SCHED_FIFO: a real-time thread spinning in one of the runtime's waits
// for another of our threads on the same CPU never let it run, and the whole
// daemon stood still until the kernel's real-time throttling (~950 ms).
// drivers/sip/README.md has the measurements. Without spare Ps, or off Linux,
// Run is one worker on a runtime timer.
//
// While no stream is on the clock its workers sleep until one is added, and
// the grid then starts afresh.
//
// # Testing with it
//
// Tests run a Clock like the daemon does (New, then Run in a goroutine until
// the test's context ends). Step runs one whole tick at once, for tests and
// benchmarks that drive a clock themselves instead of running it.
package clock
