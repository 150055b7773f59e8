package clock

import (
	"context"
	"runtime"
	"sync"
)

// Run runs the clock until ctx ends, on threads of its own: as many
// workers as threads allows, each locked to its OS thread with a raised
// priority, waiting in the kernel when the runtime has Ps to spare (package
// doc, "Workers and real time"). The goroutines end still locked, so the
// runtime retires their threads instead of handing them, priority and all,
// to other goroutines. Run returns an error only if the clock is running
// already.
func (c *Clock) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return errRunning
	}
	defer c.running.Store(false)
	workers, kernel := threads()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			runtime.LockOSThread()
			got, err := raiseThreadPriority()
			if i == 0 {
				if err != nil {
					c.log.Info("media clock at normal priority", "threads", workers, "err", err)
				} else {
					c.log.Info("media clock", "threads", workers, "priority", got, "kernel_sleep", kernel)
				}
			}
			var wait phaseWait = newTimerWait()
			if kernel {
				wait = threadWait{}
			}
			c.runWith(ctx, wait, i)
		})
	}
	wg.Wait()
	return nil
}
