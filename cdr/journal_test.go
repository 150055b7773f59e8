package cdr_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
)

// TestStartedIsOnDiskWhenItReturns: the core's wait for a call's start ends
// with the record committed, in progress; the same start on the bus after it
// makes no second record, and the call's events follow as usual.
func TestStartedIsOnDiskWhenItReturns(t *testing.T) {
	db, pub, w := startWriterW(t)
	t0 := time.Now().Truncate(time.Second)
	start := event.CallStarted{Base: base("j1", t0), Line: "sip/1", From: "13800138000", To: "ivr", Direction: "inbound"}
	if err := w.Started(t.Context(), start); err != nil {
		t.Fatalf("Started: %v", err)
	}
	r, ok, err := db.Call("j1")
	if err != nil || !ok || !r.InProgress || !r.Start.Equal(t0) || r.Caller != "13800138000" {
		t.Fatalf("record when Started returned: %+v, found %v, %v; want it in progress", r, ok, err)
	}
	pub.Publish(start)
	pub.Publish(event.CallAnswered{Base: base("j1", t0.Add(time.Second))})
	pub.Publish(event.CallEnded{Base: base("j1", t0.Add(12*time.Second)), By: "caller", Cause: "normal"})
	r = waitFor(t, db, "j1", func(r store.CallRecord) bool { return !r.InProgress })
	if r.Duration != 12 || !r.LineAnswer.Equal(t0.Add(time.Second)) {
		t.Errorf("final record %+v, want 12 s, line answered at 1 s", r)
	}
	if calls, _ := db.ListCalls(store.CallFilter{}); len(calls) != 1 {
		t.Errorf("%d records, want the one", len(calls))
	}
	if h := w.Health(); !h.OK || h.Held != 0 || h.Lost != 0 {
		t.Errorf("Health = %+v, want ok, nothing held or lost", h)
	}
}

// TestConcurrentStartsShareCommits: calls starting together wait for one
// commit between them (group commit), not one each, and each is on disk
// when its wait ends.
func TestConcurrentStartsShareCommits(t *testing.T) {
	db, _, w := startWriterW(t)
	const calls = 400
	before := w.Health().Commits
	t0 := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for i := range calls {
		wg.Go(func() {
			id := fmt.Sprintf("g%03d", i)
			if err := w.Started(t.Context(), event.CallStarted{Base: base(id, t0), From: "1", To: "ivr"}); err != nil {
				errs <- err
				return
			}
			if _, ok, err := db.Call(id); !ok || err != nil {
				errs <- fmt.Errorf("%s not on disk when Started returned (%v)", id, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := w.Health().Commits - before; n > calls/4 {
		t.Errorf("%d starts took %d commits; want them to share commits", calls, n)
	}
}

// TestStartedGivesUpWithItsContext: a writer that does not run (a stalled
// disk looks the same to the core) holds the core no longer than its
// context.
func TestStartedGivesUpWithItsContext(t *testing.T) {
	db := storetest.Open(t)
	w := cdr.New(db, event.New(nil), nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := w.Started(ctx, event.CallStarted{Base: base("x", time.Now())})
	if err == nil || ctx.Err() == nil {
		t.Errorf("Started with no writer running = %v, want the context's end", err)
	}
}

// TestRecoverEndsAtTheAliveStamp: a call the daemon left open ends when the
// writer was last known running with everything on disk, not at the restart.
func TestRecoverEndsAtTheAliveStamp(t *testing.T) {
	db := storetest.Open(t)
	bus := event.New(nil)
	w := cdr.New(db, bus, nil)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t0 := time.Now().Add(-time.Minute)
	if err := w.Started(t.Context(), event.CallStarted{Base: base("open", t0), From: "1", To: "ivr"}); err != nil {
		t.Fatal(err)
	}
	cancel() // the call never ends: a crash, as far as the store knows
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var alive time.Time
	if err := db.View(func(tx *store.Tx) error { return alive.UnmarshalText(tx.Meta("cdr.alive")) }); err != nil {
		t.Fatalf("no alive stamp: %v", err)
	}
	if n, err := cdr.Recover(db, nil); n != 1 || err != nil {
		t.Fatalf("Recover = %d, %v", n, err)
	}
	r, _, _ := db.Call("open")
	if !r.End.Equal(alive) || r.Disposition != cdr.Interrupted || r.Duration < 59 || r.Duration > 61 {
		t.Errorf("recovered %+v, want interrupted at the alive stamp %v (about 60 s)", r, alive)
	}
}

// TestRefusedRecordHoldsUpNoOther: a record the store can never take (a
// start before 1970) is dropped and counted, and the records after it are
// written.
func TestRefusedRecordHoldsUpNoOther(t *testing.T) {
	db, _, w := startWriterW(t)
	// Through Started, as the core does, so that the refused record has been
	// tried (and dropped) before the good one comes: not in a race with it.
	if err := w.Started(t.Context(), event.CallStarted{Base: base("bad", time.Unix(-10, 0)), From: "1", To: "ivr"}); err == nil {
		t.Error("a start the store refuses: Started = nil, want an error")
	}
	if err := w.Started(t.Context(), event.CallStarted{Base: base("good", time.Now()), From: "2", To: "ivr"}); err != nil {
		t.Fatalf("the start after a refused record: %v", err)
	}
	if _, ok, _ := db.Call("good"); !ok {
		t.Error("the good record is not on disk")
	}
	if h := w.Health(); h.Lost != 1 || h.OK || h.Held != 0 {
		t.Errorf("Health = %+v, want 1 lost, nothing held", h)
	}
}
