package main

import (
	"log/slog"
	"os"
	"runtime"
)

// sparePForClock gives the Go runtime a second P when it would run on one
// (the daemon pinned to a single CPU, as on the load test's appliance). The
// SIP media clock holds a real-time thread (drivers/sip); with one P it
// still waits its turn behind whatever goroutine holds that P — a garbage
// collection's mark worker holds it for up to 5 ms — and every call's next
// packet goes late. With two, the clock takes the spare P and the kernel
// runs its thread ahead of the other. GOMAXPROCS set in the environment wins.
func sparePForClock(log *slog.Logger) {
	if os.Getenv("GOMAXPROCS") != "" || runtime.GOMAXPROCS(0) >= 3 {
		return
	}
	runtime.GOMAXPROCS(3)
	log.Info("GOMAXPROCS raised to 3 for the SIP media clock", "cpus", runtime.NumCPU())
}
