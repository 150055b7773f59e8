package sip

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
)

// runClock runs the media clock on threads of its own until ctx ends: as
// many workers as clockThreads allows, each locked to its OS thread with a
// raised priority, waiting in the kernel when the runtime has Ps to spare.
// The goroutines end still locked, so the runtime retires their threads
// instead of handing them, priority and all, to other goroutines.
func runClock(ctx context.Context, c *clock, log *slog.Logger) {
	workers, kernel := clockThreads()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			runtime.LockOSThread()
			got, err := raiseThreadPriority()
			if i == 0 {
				if err != nil {
					log.Info("sip media clock at normal priority", "err", err)
				} else {
					log.Info("sip media clock", "threads", workers, "priority", got, "kernel_sleep", kernel)
				}
			}
			var wait phaseWait = newTimerWait()
			if kernel {
				wait = threadWait{}
			}
			c.runWith(ctx, wait)
		})
	}
	wg.Wait()
}
