package clock

import (
	"context"
	"time"
)

// A phaseWait holds a worker until a phase's time; false once ctx is done.
type phaseWait interface {
	until(ctx context.Context, at time.Time) bool
}

// timerWait waits on a runtime timer: the timer wakes one of the runtime's
// threads, which then gets the worker a P when one is free.
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
