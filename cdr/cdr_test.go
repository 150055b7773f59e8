package cdr_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
)

func base(id string, at time.Time) event.Base { return event.Base{CallID: event.CallID(id), At: at} }

// startWriter runs a record writer on a fresh store and bus until the test
// ends, when Run must return without error; pub publishes on the bus.
func startWriter(t *testing.T) (*store.DB, *event.Client) {
	t.Helper()
	db, pub, _ := startWriterW(t)
	return db, pub
}

// startWriterW is startWriter that also returns the writer.
func startWriterW(t *testing.T) (*store.DB, *event.Client, *cdr.Writer) {
	t.Helper()
	db := storetest.Open(t)
	bus := event.New(nil)
	w := cdr.New(db, bus, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("writer: %v", err)
		}
	})
	return db, bus.Client("test"), w
}

// waitFor polls the store until cond holds; the writer commits asynchronously.
func waitFor(t *testing.T, db *store.DB, id string, cond func(store.CallRecord) bool) store.CallRecord {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		r, ok, err := db.Call(id)
		if err != nil {
			t.Fatal(err)
		}
		if ok && cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s never reached the expected state; last %+v (found %v)", id, r, ok)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRecordFollowsTheCall(t *testing.T) {
	db, pub := startWriter(t)
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

	pub.Publish(event.CallStarted{Base: base("c1", t0), Line: "sim/1", From: "13800138000", To: "ivr", Direction: "inbound"})
	// On disk from the first ring, marked in progress.
	r := waitFor(t, db, "c1", func(r store.CallRecord) bool { return r.InProgress })
	if r.Caller != "13800138000" || r.Called != "ivr" || r.Line != "sim/1" {
		t.Errorf("record at ring = %+v", r)
	}
	if open, _ := db.OpenCalls(); len(open) != 1 {
		t.Errorf("open calls = %d, want 1", len(open))
	}

	pub.Publish(event.CallAnswered{Base: base("c1", t0.Add(time.Second))})
	pub.Publish(event.IVRStep{Base: base("c1", t0.Add(time.Second)), Flow: "trace", Node: "welcome"})
	pub.Publish(event.IVRStep{Base: base("c1", t0.Add(2*time.Second)), Flow: "trace", Node: "query"})
	pub.Publish(event.TraceLookup{Base: base("c1", t0.Add(5*time.Second)), Code: "12345", Result: "invalid", Reason: "too_short"})
	pub.Publish(event.TraceLookup{Base: base("c1", t0.Add(9*time.Second)), Code: "31011500124031500429", Result: "found"})
	pub.Publish(event.CallEnded{Base: base("c1", t0.Add(20*time.Second)), By: "caller", Cause: "normal"})
	// An unanswered call the caller gave up on.
	pub.Publish(event.CallStarted{Base: base("c2", t0.Add(time.Minute)), From: "1", To: "ivr"})
	pub.Publish(event.CallEnded{Base: base("c2", t0.Add(time.Minute+3*time.Second)), By: "caller"})

	r = waitFor(t, db, "c1", func(r store.CallRecord) bool { return !r.InProgress })
	// The IVR picked the line up; no agent answered: the caller was served
	// by the lookup they heard.
	if r.Disposition != cdr.SelfService || r.Duration != 20 || r.Type != "trace" || r.HangupBy != "caller" ||
		!r.LineAnswer.Equal(t0.Add(time.Second)) || !r.Answer.IsZero() || r.Phase != "" {
		t.Errorf("final record = %+v", r)
	}
	if len(r.IVRPath) != 2 || r.IVRPath[1] != "trace/query" {
		t.Errorf("ivr path = %v", r.IVRPath)
	}
	if len(r.Codes) != 2 || r.Codes[1].Result != "found" || r.Codes[0].Reason != "too_short" {
		t.Errorf("codes = %+v", r.Codes)
	}
	r2 := waitFor(t, db, "c2", func(r store.CallRecord) bool { return !r.InProgress })
	if r2.Disposition != cdr.AbandonedIVR {
		t.Errorf("unanswered call disposition %q, want %s", r2.Disposition, cdr.AbandonedIVR)
	}
}

func TestRecoverClosesInterruptedCalls(t *testing.T) {
	db := storetest.Open(t)
	start := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	open := &store.CallRecord{ID: "crashed", Caller: "1", Called: "ivr", Start: start, InProgress: true, Updated: start.Add(7 * time.Second), Answer: start.Add(time.Second)}
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCall(open) }); err != nil {
		t.Fatal(err)
	}
	n, err := cdr.Recover(db, nil)
	if err != nil || n != 1 {
		t.Fatalf("Recover = %d, %v; want 1", n, err)
	}
	r, _, _ := db.Call("crashed")
	if r.InProgress || r.Disposition != cdr.Interrupted || !r.End.Equal(start.Add(7*time.Second)) || r.Duration != 7 {
		t.Errorf("recovered record = %+v", r)
	}
	if n, _ := cdr.Recover(db, nil); n != 0 {
		t.Errorf("second Recover closed %d calls, want 0", n)
	}
}

func TestRecordShowsQueueWaitAndAgents(t *testing.T) {
	db, pub := startWriter(t)
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

	pub.Publish(event.CallStarted{Base: base("q1", t0), From: "13800138000", To: "96315"})
	pub.Publish(event.CallAnswered{Base: base("q1", t0)})
	pub.Publish(event.CallQueued{Base: base("q1", t0.Add(5*time.Second)), Queue: "trace", Position: 1})
	pub.Publish(event.CallOffered{Base: base("q1", t0.Add(5*time.Second)), Queue: "trace", Agent: "8002"})
	pub.Publish(event.CallOfferMissed{Base: base("q1", t0.Add(25*time.Second)), Queue: "trace", Agent: "8002", Reason: "timeout"})
	pub.Publish(event.CallOffered{Base: base("q1", t0.Add(25*time.Second)), Queue: "trace", Agent: "8001"})
	pub.Publish(event.CallTaken{Base: base("q1", t0.Add(27*time.Second)), Queue: "trace", Agent: "8001", Wait: 22 * time.Second})
	pub.Publish(event.CallEnded{Base: base("q1", t0.Add(60*time.Second)), By: "ivr", Cause: "normal"})
	// A caller who gave up waiting.
	pub.Publish(event.CallStarted{Base: base("q2", t0), From: "1", To: "96315"})
	pub.Publish(event.CallAnswered{Base: base("q2", t0)})
	pub.Publish(event.CallQueued{Base: base("q2", t0.Add(time.Second)), Queue: "trace", Position: 2})
	pub.Publish(event.CallAbandonedQueue{Base: base("q2", t0.Add(41*time.Second)), Queue: "trace", Wait: 40 * time.Second, Position: 1})
	pub.Publish(event.CallEnded{Base: base("q2", t0.Add(41*time.Second)), By: "caller", Cause: "normal"})

	tests := []struct {
		id        string
		wantAgent string
		wantWait  float64
		wantTried []string
		wantType  string
		wantDisp  string
	}{
		{"q1", "8001", 22, []string{"8002", "8001"}, "agent", cdr.Answered},
		{"q2", "", 40, nil, "ivr", cdr.AbandonedQueue},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			r := waitFor(t, db, tt.id, func(r store.CallRecord) bool { return !r.InProgress })
			if r.Queue != "trace" || r.Agent != tt.wantAgent || r.QueueWait != tt.wantWait || r.Type != tt.wantType || r.Disposition != tt.wantDisp {
				t.Errorf("record = queue %q agent %q wait %v type %q disposition %q; want trace %q %v %q %q",
					r.Queue, r.Agent, r.QueueWait, r.Type, r.Disposition, tt.wantAgent, tt.wantWait, tt.wantType, tt.wantDisp)
			}
			if !slices.Equal(r.AgentsTried, tt.wantTried) {
				t.Errorf("agents tried = %v, want %v", r.AgentsTried, tt.wantTried)
			}
		})
	}
}

// TestTransferKeepsTheFirstAnswer: a call transferred to a second agent stays
// one record; its queue wait and agent are the first answer's, every agent
// offered shows in AgentsTried, and a consult nobody took is no abandon.
func TestTransferKeepsTheFirstAnswer(t *testing.T) {
	db, pub := startWriter(t)
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	at := func(s int) event.Base { return base("t1", t0.Add(time.Duration(s)*time.Second)) }

	pub.Publish(event.CallStarted{Base: at(0), Line: "sim/1", From: "13800138000", To: "96315", Direction: "inbound"})
	pub.Publish(event.CallAnswered{Base: at(1)})
	pub.Publish(event.CallQueued{Base: at(10), Queue: "hotline", Caller: "13800138000", Position: 1})
	pub.Publish(event.CallOffered{Base: at(15), Queue: "hotline", Agent: "li"})
	pub.Publish(event.CallTaken{Base: at(18), Queue: "hotline", Agent: "li", Wait: 8 * time.Second})
	// li consults the complaints queue; nobody takes it and li cancels.
	pub.Publish(event.CallQueued{Base: at(60), Queue: "complaints", Caller: "13800138000", Position: 1})
	pub.Publish(event.CallAbandonedQueue{Base: at(70), Queue: "complaints", Caller: "13800138000", Wait: 10 * time.Second})
	// Then a blind transfer to wang, who answers.
	pub.Publish(event.CallOffered{Base: at(80), Agent: "wang"})
	pub.Publish(event.CallTaken{Base: at(82), Agent: "wang", Wait: 2 * time.Second})
	pub.Publish(event.CallEnded{Base: at(200), By: "caller", Cause: "normal"})

	r := waitFor(t, db, "t1", func(r store.CallRecord) bool { return !r.InProgress })
	if r.Agent != "li" || r.Queue != "hotline" || r.QueueWait != 8 || r.Disposition != "answered" {
		t.Errorf("agent %q queue %q wait %v disposition %q; want li hotline 8 answered", r.Agent, r.Queue, r.QueueWait, r.Disposition)
	}
	if !slices.Equal(r.AgentsTried, []string{"li", "wang"}) {
		t.Errorf("agents tried %v, want [li wang]", r.AgentsTried)
	}
}
