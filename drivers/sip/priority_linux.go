package sip

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// clockRTPriority is the SCHED_FIFO priority of the clock's thread: above
// every ordinary thread, below the kernel's threaded interrupts (50).
const clockRTPriority = 10

// raiseThreadPriority puts the calling OS thread (the clock's, locked to it)
// ahead of the daemon's other threads. With SCHED_FIFO the kernel runs the
// clock the moment its timer wakes it and lets it finish a phase; without
// the privilege for that (CAP_SYS_NICE) it asks for nice -10, and without
// that it says so and the clock runs as it is. It reports what it got.
func raiseThreadPriority() (string, error) {
	attr := unix.SchedAttr{
		Size:     unix.SizeofSchedAttr,
		Policy:   unix.SCHED_FIFO,
		Flags:    unix.SCHED_FLAG_RESET_ON_FORK,
		Priority: clockRTPriority,
	}
	fifoErr := unix.SchedSetAttr(0, &attr, 0)
	if fifoErr == nil {
		return fmt.Sprintf("SCHED_FIFO %d", clockRTPriority), nil
	}
	if err := unix.Setpriority(unix.PRIO_PROCESS, unix.Gettid(), -10); err == nil {
		return "nice -10", nil
	}
	return "", fmt.Errorf("SCHED_FIFO: %w", fifoErr)
}
