package eventtest

import (
	"testing"
	"time"

	"tracecall/telephony/event"
)

// Watcher records every event published on a bus from the moment it was created.
type Watcher struct {
	t   testing.TB
	sub *event.Subscriber[event.Event]
}

// Watch subscribes to every event on b. The subscription ends with the test.
func Watch(t testing.TB, b *event.Bus) *Watcher {
	t.Helper()
	sub := event.Subscribe[event.Event](b.Client("eventtest"), event.WithQueue(1<<16))
	t.Cleanup(sub.Close)
	return &Watcher{t: t, sub: sub}
}

// Expect waits up to timeout for an event of type T for which match returns true
// (nil matches any) and returns it, failing the test if none comes. Events before it
// are consumed.
func Expect[T event.Event](w *Watcher, timeout time.Duration, match func(T) bool) T {
	w.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case e := <-w.sub.Events():
			if v, ok := e.(T); ok && (match == nil || match(v)) {
				return v
			}
		case <-w.sub.Done():
			w.t.Fatalf("eventtest: watcher cut off: %v", w.sub.Err())
		case <-deadline.C:
			var zero T
			w.t.Fatalf("eventtest: no %T within %v", zero, timeout)
		}
	}
}
