package clock

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// clockNice is the nice value of the clock's thread: the highest weight the
// kernel's fair scheduler gives, so the clock's thread preempts the daemon's
// others as soon as its timer wakes it and is not cut off in a phase.
//
// Not SCHED_FIFO: a real-time thread that waits in one of the runtime's spin
// loops for another of our threads on the same CPU (a garbage collection
// assist waiting for a goroutine to stop, for one) never lets that thread
// run, and the whole daemon stood still until the kernel's real-time
// throttling cut in after 950 ms. A fair thread's yield lets the other run.
const clockNice = -20

// raiseThreadPriority puts the calling OS thread (the clock's, locked to it)
// ahead of the daemon's other threads. Without the privilege for that
// (CAP_SYS_NICE) it says so and the clock runs as it is. It reports what it
// got.
func raiseThreadPriority() (string, error) {
	if err := unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), clockNice); err != nil {
		return "", fmt.Errorf("nice %d: %w", clockNice, err)
	}
	return fmt.Sprintf("nice %d", clockNice), nil
}
