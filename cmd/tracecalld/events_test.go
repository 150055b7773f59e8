package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// eventWatch follows the daemon's event stream (GET /api/events on the unix
// socket, which sees everything) and keeps every event in order, and what the
// ACD tests ask about most: every agent's states in order, and each call's
// offers and taker. Tests wait on it (until, wait) instead of polling the API.
type eventWatch struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every event
	states  map[string][]string
	offered map[string][]string // call id → agents offered, in order
	taken   map[string]takenCall
	queued  map[string]int // call id → the caller's priority when queued
	all     []watched      // every event, in order
	err     error
}

// watched is one event off the stream: its kind and the fields the tests
// read (events without a field leave it empty).
type watched struct {
	Kind     string    `json:"-"`
	CallID   string    `json:"call_id"`
	At       time.Time `json:"at"`
	Agent    string    `json:"agent"`
	State    string    `json:"state"`
	Priority int       `json:"priority"`
	Line     string    `json:"line"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Called   string    `json:"called"`
	Code     string    `json:"code"`
	Result   string    `json:"result"`
}

// find returns the first event that matches, and whether there is one. The
// caller holds w.mu (as in an until condition).
func (w *eventWatch) find(match func(e watched) bool) (watched, bool) {
	for _, e := range w.all {
		if match(e) {
			return e, true
		}
	}
	return watched{}, false
}

type takenCall struct {
	agent string
	seq   int // len(states[agent]) when the call was taken
	at    time.Time
}

func watchEvents(t *testing.T, d *daemon) *eventWatch {
	t.Helper()
	w := &eventWatch{changed: make(chan struct{}), states: map[string][]string{},
		offered: map[string][]string{}, taken: map[string]takenCall{}, queued: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://tracecalld/api/events", nil)
	resp, err := d.sock.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		cancel()
		t.Fatalf("GET /api/events = %s", resp.Status)
	}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		var kind string
		for sc.Scan() {
			l := sc.Text()
			switch {
			case strings.HasPrefix(l, "event: "):
				kind = strings.TrimPrefix(l, "event: ")
			case strings.HasPrefix(l, "data: "):
				w.apply(kind, []byte(strings.TrimPrefix(l, "data: ")))
			}
		}
		w.mu.Lock()
		if ctx.Err() == nil {
			w.err = fmt.Errorf("event stream ended: %v", sc.Err())
		}
		w.mu.Unlock()
	}()
	return w
}

func (w *eventWatch) apply(kind string, data []byte) {
	e := watched{Kind: kind}
	if json.Unmarshal(data, &e) != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all = append(w.all, e)
	switch kind {
	case "agent_state":
		w.states[e.Agent] = append(w.states[e.Agent], e.State)
	case "queued":
		w.queued[e.CallID] = e.Priority
	case "offered":
		w.offered[e.CallID] = append(w.offered[e.CallID], e.Agent)
	case "taken":
		// The ACD publishes the agent's talking state before CallTaken, so
		// every state after seq comes after this call was answered.
		w.taken[e.CallID] = takenCall{agent: e.Agent, seq: len(w.states[e.Agent]), at: e.At}
	}
	close(w.changed)
	w.changed = make(chan struct{})
}

// until waits for cond (called with w.mu held) to hold.
func (w *eventWatch) until(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	if err := w.wait(timeout, what, cond); err != nil {
		t.Fatal(err)
	}
}

func (w *eventWatch) wait(timeout time.Duration, what string, cond func() bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		w.mu.Lock()
		ok, ch, err := cond(), w.changed, w.err
		w.mu.Unlock()
		if ok {
			return nil
		}
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		select {
		case <-ch:
		case <-deadline.C:
			return fmt.Errorf("no %s after %v", what, timeout)
		}
	}
}

// describe says what the stream showed of call id and of agents, for a
// failure message.
func (w *eventWatch) describe(id string, agents []string) string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "call %s offered to %v", id, w.offered[id])
	for _, a := range agents {
		st := w.states[a]
		fmt.Fprintf(&b, "; %s: %v", a, st[max(0, len(st)-6):])
	}
	return b.String()
}
