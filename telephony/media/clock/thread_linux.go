package clock

import (
	"context"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// threadWait sleeps a clock worker's own OS thread in the kernel until a
// phase's time, keeping the worker's P through the sleep. It is for a clock
// goroutine locked to its thread with a raised priority and GOMAXPROCS of
// two or more (the daemon sees to it): the kernel's high-resolution timer
// wakes that thread, which runs the phase at once — no runtime timer, no
// other thread to hand over to, no wait for a P. On a runtime timer the
// clock started a phase 0.5 ms late half the time and over 2 ms late one
// time in a hundred, whenever the runtime's other threads were busy.
//
// Holding a P in a raw system call looks to the runtime like a goroutine
// that never stops, so before each sleep the clock yields (the runtime
// would otherwise preempt it every 10 ms, at a moment of its choosing),
// while the next phase is still 3 ms or more away. Getting a P back takes
// a few hundred microseconds, but while a collection marks, its workers
// can hold every P for up to 7 ms; a second worker, asleep in the kernel
// with its P meanwhile, then takes the phase (Clock.runWith). The runtime's own
// requests (a collection's stop-the-world or stack scan) reach the sleeping
// thread as a signal, which ends the sleep early; the loop then passes a
// preemption point and sleeps again.
type threadWait struct{}

func (threadWait) until(ctx context.Context, at time.Time) bool {
	runtime.Gosched()
	for {
		if ctx.Err() != nil {
			return false
		}
		d := time.Until(at)
		if d <= 0 {
			return true
		}
		var now unix.Timespec
		if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &now); err != nil {
			return newTimerWait().until(ctx, at)
		}
		ts := unix.NsecToTimespec(now.Nano() + int64(d))
		_, _, errno := syscall.RawSyscall6(unix.SYS_CLOCK_NANOSLEEP, unix.CLOCK_MONOTONIC, unix.TIMER_ABSTIME,
			uintptr(unsafe.Pointer(&ts)), 0, 0, 0)
		if errno != 0 && errno != unix.EINTR {
			return newTimerWait().until(ctx, at) // the kernel refused the sleep
		}
	}
}

// threads says how many workers Run starts and how they wait: in the
// kernel, one per P the runtime can spare beyond one for everything else,
// up to MaxWorkers; on a runtime timer when it has no P to spare.
func threads() (workers int, kernel bool) {
	spare := runtime.GOMAXPROCS(0) - 1
	if spare < 1 {
		return 1, false
	}
	return min(spare, MaxWorkers), true
}
