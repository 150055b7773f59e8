package cdr_test

import (
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/telephony/event"
)

// TestCallbackRecord: one record follows a callback request from the first
// ring to the callback's end, or to its failure: the core keeps the call open
// meanwhile, so it ends once.
func TestCallbackRecord(t *testing.T) {
	db, pub := startWriter(t)
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

	for _, id := range []string{"ok", "failed", "stopped"} {
		pub.Publish(event.CallStarted{Base: base(id, at(0)), Line: "sim/1", From: "13800138000", To: "96315", Direction: "inbound"})
		pub.Publish(event.CallAnswered{Base: base(id, at(1))})
		pub.Publish(event.CallQueued{Base: base(id, at(5)), Queue: "trace", Position: 2})
		pub.Publish(event.CallbackRequested{Base: base(id, at(20)), Queue: "trace", Number: "13800138000", Position: 2})
	}
	r := waitFor(t, db, "ok", func(r store.CallRecord) bool { return r.Disposition == cdr.CallbackPending })
	if r.Type != cdr.TypeCallback || !r.InProgress || r.Queue != "trace" {
		t.Errorf("after the request: type %q in progress %v queue %q", r.Type, r.InProgress, r.Queue)
	}

	// Called back and connected.
	pub.Publish(event.CallOffered{Base: base("ok", at(60)), Queue: "trace", Agent: "8001"})
	pub.Publish(event.CallTaken{Base: base("ok", at(62)), Queue: "trace", Agent: "8001", Wait: 57 * time.Second})
	pub.Publish(event.CallbackAttempted{Base: base("ok", at(65)), Queue: "trace", Agent: "8001", Attempt: 1, Result: "answered"})
	pub.Publish(event.CallEnded{Base: base("ok", at(125)), By: "caller", Cause: "normal"})
	r = waitFor(t, db, "ok", func(r store.CallRecord) bool { return r.Disposition == cdr.Answered })
	if r.Type != cdr.TypeCallback || r.Agent != "8001" || r.QueueWait != 57 || r.Duration != 125 || len(r.AgentsTried) != 1 || r.InProgress {
		t.Errorf("called back: %+v", r)
	}

	// Never answered: the ACD gives up, and the call ends.
	pub.Publish(event.CallOffered{Base: base("failed", at(60)), Queue: "trace", Agent: "8001"})
	pub.Publish(event.CallTaken{Base: base("failed", at(61)), Queue: "trace", Agent: "8001", Wait: 56 * time.Second})
	pub.Publish(event.CallbackAttempted{Base: base("failed", at(91)), Agent: "8001", Attempt: 1, Result: "no_answer"})
	pub.Publish(event.CallOffered{Base: base("failed", at(200)), Queue: "trace", Agent: "8002"})
	pub.Publish(event.CallbackFailed{Base: base("failed", at(231)), Queue: "trace", Attempts: 2})
	pub.Publish(event.CallEnded{Base: base("failed", at(231)), By: "ivr", Cause: "normal"})
	r = waitFor(t, db, "failed", func(r store.CallRecord) bool { return !r.InProgress })
	if r.Type != cdr.TypeCallback || r.Disposition != cdr.CallbackFailed || len(r.AgentsTried) != 2 || r.Duration != 231 {
		t.Errorf("failed callback: %+v", r)
	}

	// The daemon stopped with the request pending.
	pub.Publish(event.CallEnded{Base: base("stopped", at(40)), By: "system", Cause: "shutdown"})
	r = waitFor(t, db, "stopped", func(r store.CallRecord) bool { return !r.InProgress })
	if r.Disposition != cdr.Interrupted {
		t.Errorf("stopped with the request pending: disposition %q", r.Disposition)
	}

	// Later events of a finished call change nothing.
	pub.Publish(event.CallEnded{Base: base("failed", at(300))})
	pub.Publish(event.CallStarted{Base: base("marker", at(301)), From: "1", To: "ivr"})
	waitFor(t, db, "marker", func(store.CallRecord) bool { return true })
	if r2, _, _ := db.Call("failed"); r2.Disposition != cdr.CallbackFailed {
		t.Errorf("disposition changed to %q after the end", r2.Disposition)
	}
}
