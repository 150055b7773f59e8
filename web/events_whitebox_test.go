package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web/auth"
)

func TestEventView(t *testing.T) {
	base := func(id event.CallID) event.Base { return event.Base{CallID: id} }
	stream := []event.Event{
		event.CallStarted{Base: base("c1"), From: "13800138000", Direction: "inbound"},
		event.LineChanged{Base: base("c1"), Line: "sim1", State: "ringing", Caller: "13800138000"},
		event.AgentStateChanged{Agent: "wang", State: "ready"},
		event.AgentStateChanged{Agent: "zhang", State: "ready"},
		event.CallQueued{Base: base("c1"), Queue: "q", Caller: "13800138000"},
		event.CallOffered{Base: base("c1"), Queue: "q", Agent: "zhang"},
		event.CallQueued{Base: base("c1"), Queue: "q", Caller: "13800138000"},
		event.CallOffered{Base: base("c2"), Queue: "q", Agent: "wang"},
		event.CallTaken{Base: base("c1"), Queue: "q", Agent: "zhang"},
		event.CallEnded{Base: base("c1"), By: "caller"},
		event.IVRStep{Base: base("c1"), Flow: "main"}, // after the end: not the agent's any more
	}
	kinds := func(es []event.Event) string {
		var k []string
		for _, e := range es {
			k = append(k, e.Kind())
		}
		return strings.Join(k, ",")
	}
	tests := []struct {
		name string
		id   auth.Identity
		all  bool
		want string
	}{
		{"team leader sees all", auth.Identity{Username: "li", Role: auth.RoleTeamLeader}, true, kinds(stream)},
		{"agent sees own state and offered call", auth.Identity{Username: "zhang", Role: auth.RoleAgent}, false,
			"agent_state,offered,queued,taken,hangup"},
		{"other agent", auth.Identity{Username: "wang", Role: auth.RoleAgent}, false, "agent_state,offered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newEventView(tt.id, tt.all)
			var got []event.Event
			for _, e := range stream {
				if e, ok := v.show(e); ok {
					got = append(got, e)
				}
			}
			if kinds(got) != tt.want {
				t.Errorf("events = %s, want %s", kinds(got), tt.want)
			}
			for _, e := range got {
				if q, ok := e.(event.CallQueued); ok && q.Caller != "13800138000" {
					t.Errorf("the offered call's caller = %q, want it whole", q.Caller)
				}
			}
		})
	}
}

func TestMaskEvent(t *testing.T) {
	mask := func(string) string { return "x" }
	tests := []struct {
		name string
		in   event.Event
		want event.Event
	}{
		{"inbound start", event.CallStarted{From: "1", To: "2", Direction: "inbound"}, event.CallStarted{From: "x", To: "2", Direction: "inbound"}},
		{"outbound start", event.CallStarted{From: "1", To: "2", Direction: "outbound"}, event.CallStarted{From: "1", To: "x", Direction: "outbound"}},
		{"line", event.LineChanged{Caller: "1", Called: "2"}, event.LineChanged{Caller: "x", Called: "2"}},
		{"queued", event.CallQueued{Caller: "1"}, event.CallQueued{Caller: "x"}},
		{"abandoned", event.CallAbandonedQueue{Caller: "1"}, event.CallAbandonedQueue{Caller: "x"}},
		{"no number", event.IVRStep{Flow: "1"}, event.IVRStep{Flow: "1"}},
	}
	for _, tt := range tests {
		if got := maskEvent(tt.in, mask); got != tt.want {
			t.Errorf("%s: maskEvent = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestAppendSSE(t *testing.T) {
	b, err := appendSSE(nil, event.IVRStep{Base: event.Base{CallID: "c1"}, Flow: "main", Node: "menu"})
	if err != nil {
		t.Fatal(err)
	}
	want := "event: ivr_step\ndata: {\"call_id\":\"c1\",\"at\":\"0001-01-01T00:00:00Z\",\"flow\":\"main\",\"node\":\"menu\",\"lang\":\"\"}\n\n"
	if string(b) != want {
		t.Errorf("appendSSE =\n%q\nwant\n%q", b, want)
	}
}

// stuckWriter is a response whose writes after the first block until
// released, like a client that stopped reading.
type stuckWriter struct {
	header  http.Header
	wrote   chan struct{} // one value per write that started
	release chan struct{}

	mu sync.Mutex // guards n
	n  int
}

func (w *stuckWriter) Header() http.Header { return w.header }
func (w *stuckWriter) WriteHeader(int)     {}
func (w *stuckWriter) Flush()              {}
func (w *stuckWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.n++
	n := w.n
	w.mu.Unlock()
	w.wrote <- struct{}{}
	if n > 1 {
		<-w.release
	}
	return len(p), nil
}

func TestSlowEventsClientCutOff(t *testing.T) {
	bus := event.New(nil)
	s := New(Deps{Store: storetest.Open(t), Bus: bus})
	w := &stuckWriter{header: http.Header{}, wrote: make(chan struct{}, sseQueue*2), release: make(chan struct{})}
	r := httptest.NewRequest("GET", "/api/events", nil)
	r = r.WithContext(auth.NewContext(context.Background(), auth.Identity{Username: "admin", Role: auth.RoleAdmin}))
	done := make(chan struct{})
	go func() { defer close(done); s.handleEvents(w, r) }()
	<-w.wrote // the stream's opening: subscribed
	pub := bus.Client("test")
	pub.Publish(event.CallAnswered{Base: event.Base{CallID: "first"}})
	<-w.wrote // writing the first event, and stuck there
	for range sseQueue + 1 {
		pub.Publish(event.CallAnswered{}) // never blocks: the bus cuts the client off
	}
	close(w.release)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the handler of a cut-off client did not return")
	}
}
