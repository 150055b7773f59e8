package web

import (
	"context"
	"fmt"
	"sync"

	"tracecall/telephony/event"
)

// liveCalls follows the bus to know what each call in progress is doing, for the
// line monitor.
type liveCalls struct {
	sub *event.Subscriber[event.Event]

	// mu guards calls.
	mu    sync.Mutex
	calls map[event.CallID]string
}

func newLiveCalls(b *event.Bus) *liveCalls {
	return &liveCalls{
		sub:   event.Subscribe[event.Event](b.Client("web.live"), event.WithQueue(1<<14)),
		calls: make(map[event.CallID]string),
	}
}

func (l *liveCalls) run(ctx context.Context) error {
	defer l.sub.Close()
	for {
		select {
		case e := <-l.sub.Events():
			l.apply(e)
		case <-l.sub.Done():
			return fmt.Errorf("web: live calls: %w", l.sub.Err())
		case <-ctx.Done():
			return nil
		}
	}
}

func (l *liveCalls) apply(e event.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := e.(type) {
	case event.CallStarted:
		l.calls[e.CallID] = "ringing"
	case event.CallAnswered:
		l.set(e.CallID, "answered")
	case event.IVRStep:
		l.set(e.CallID, "ivr "+e.Flow+"/"+e.Node)
	case event.TraceLookup:
		l.set(e.CallID, "trace lookup "+e.Code+": "+e.Result)
	case event.CallEnded:
		delete(l.calls, e.CallID)
	}
}

// set changes a known call's activity; l.mu is held.
func (l *liveCalls) set(id event.CallID, doing string) {
	if _, ok := l.calls[id]; ok {
		l.calls[id] = doing
	}
}

func (l *liveCalls) doing(id event.CallID) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls[id]
}

func (l *liveCalls) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}
