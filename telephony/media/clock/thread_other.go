//go:build !linux

package clock

import (
	"context"
	"time"
)

// threads is one worker on a runtime timer off Linux (thread_linux.go).
func threads() (workers int, kernel bool) { return 1, false }

// threadWait is not used off Linux (threads says so); it waits on a timer.
type threadWait struct{}

func (threadWait) until(ctx context.Context, at time.Time) bool {
	return newTimerWait().until(ctx, at)
}
