package main

import (
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
)

// gcPercent is the daemon's GOGC: the heap may grow to 1.5 times what is
// live between collections, not the runtime's 2 times. At 800 SIP calls that
// is 96 MB of memory instead of 115 MB, for a collection every ~3 s instead of
// every ~5 s (the media clock's workers ride through them: drivers/sip).
const gcPercent = 50

// tuneGC sets gcPercent unless GOGC is set in the environment.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
}

// sparePForClock gives the Go runtime three Ps when it would run on fewer
// (the daemon pinned to one CPU, as in the load test). The media clock
// runs two workers, each on a thread of its own at a raised priority that
// sleeps in the kernel holding a P (telephony/media/clock); the third P is for the
// rest of the daemon. With one P the clock waited its turn behind whatever
// goroutine held it (a collection's mark worker, for up to 5 ms) and every
// call's next packet went late. The kernel runs the clock's threads ahead of
// the others on the same CPU. GOMAXPROCS set in the environment wins.
func sparePForClock(log *slog.Logger) {
	if os.Getenv("GOMAXPROCS") != "" || runtime.GOMAXPROCS(0) >= 3 {
		return
	}
	runtime.GOMAXPROCS(3)
	log.Info("GOMAXPROCS raised to 3 for the media clock", "cpus", runtime.NumCPU())
}
