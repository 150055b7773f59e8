package web

import (
	"context"
	"fmt"
	"sync"

	"tracecall/telephony/event"
)

// liveCalls follows the bus to know what each call in progress is doing, for the
// line monitor and the wallboard.
type liveCalls struct {
	sub *event.Subscriber[event.Event]

	// mu guards calls.
	mu    sync.Mutex
	calls map[event.CallID]activity
}

// activity is what a call in progress is doing.
type activity struct {
	What      string // ringing, answered, ivr, lookup: a catalogue key after "doing_"
	Detail    string // flow/node for ivr, "code: result" for lookup
	Direction string // inbound or outbound, from CallStarted
}

// String is the activity in English, as the API has always shown it.
func (a activity) String() string {
	switch a.What {
	case "ivr":
		return "ivr " + a.Detail
	case "lookup":
		return "trace lookup " + a.Detail
	}
	return a.What
}

func newLiveCalls(b *event.Bus) *liveCalls {
	return &liveCalls{
		sub:   event.Subscribe[event.Event](b.Client("web.live"), event.WithQueue(1<<14)),
		calls: make(map[event.CallID]activity),
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
		l.calls[e.CallID] = activity{What: "ringing", Direction: e.Direction}
	case event.CallAnswered:
		l.set(e.CallID, "answered", "")
	case event.IVRStep:
		l.set(e.CallID, "ivr", e.Flow+"/"+e.Node)
	case event.TraceLookup:
		l.set(e.CallID, "lookup", e.Code+": "+e.Result)
	case event.CallEnded:
		delete(l.calls, e.CallID)
	}
}

// set changes a known call's activity; l.mu is held.
func (l *liveCalls) set(id event.CallID, what, detail string) {
	if a, ok := l.calls[id]; ok {
		a.What, a.Detail = what, detail
		l.calls[id] = a
	}
}

func (l *liveCalls) doing(id event.CallID) string {
	a, _ := l.activity(id)
	return a.String()
}

func (l *liveCalls) activity(id event.CallID) (activity, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.calls[id]
	return a, ok
}

func (l *liveCalls) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.calls)
}

// inIVR counts the calls in progress whose last step was in an IVR flow or
// a trace lookup.
func (l *liveCalls) inIVR() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, a := range l.calls {
		if a.What == "ivr" || a.What == "lookup" {
			n++
		}
	}
	return n
}
