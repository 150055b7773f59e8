package telephonytest

import (
	"context"
	"testing"

	"tracecall/telephony/media/clock"
)

// Clock returns a media clock that runs until the test ends, for the rooms
// and drivers a test builds on it.
func Clock(t testing.TB) *clock.Clock {
	t.Helper()
	c := clock.New(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = c.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return c
}
