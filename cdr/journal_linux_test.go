//go:build linux

package cdr_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
)

// syncBuffer is a log the writer's goroutine writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fullDiskWriter runs a writer on a store on a 2 MiB tmpfs.
func fullDiskWriter(t *testing.T) (*storetest.Disk, *store.DB, *event.Client, *cdr.Writer, *syncBuffer, func()) {
	t.Helper()
	return diskWriter(t, 2<<20)
}

// diskWriter runs a writer on a store on a tmpfs of size bytes.
func diskWriter(t *testing.T, size int64) (*storetest.Disk, *store.DB, *event.Client, *cdr.Writer, *syncBuffer, func()) {
	t.Helper()
	disk := storetest.SmallDisk(t, size)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	db, err := store.Open(filepath.Join(disk.Dir, "tracecall.db"), store.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	bus := event.New(nil)
	w := cdr.New(db, bus, log)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stop := sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("writer: %v", err)
		}
	})
	t.Cleanup(func() {
		stop()
		db.Close()
	})
	return disk, db, bus.Client("test"), w, logs, stop
}

// startUntilHeld starts calls (as the core does, waiting on Started) on a
// full disk until one is held in memory, and returns their ids.
func startUntilHeld(t *testing.T, w *cdr.Writer, pub *event.Client, t0 time.Time) []string {
	t.Helper()
	var ids []string
	for i := range 20000 {
		id := fmt.Sprintf("full-%05d", i)
		ids = append(ids, id)
		e := event.CallStarted{Base: base(id, t0.Add(time.Duration(i)*time.Millisecond)), From: strings.Repeat("9", 20), To: "ivr"}
		err := w.Started(t.Context(), e)
		pub.Publish(e)
		if errors.Is(err, cdr.ErrHeld) {
			return ids
		}
		if err != nil {
			t.Fatalf("Started: %v", err)
		}
	}
	t.Fatalf("20000 calls started on a full disk and every one was written: the disk is not full")
	return nil
}

// TestFullDiskLosesNoRecord: with the data disk full, calls go on (Started
// answers at once), their records wait in memory, the log and Health say
// why; once space returns every record is written, once, with the lengths
// the calls had.
func TestFullDiskLosesNoRecord(t *testing.T) {
	disk, db, pub, w, logs, _ := fullDiskWriter(t)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Second)
	disk.Fill()
	ids := startUntilHeld(t, w, pub, t0)
	t.Logf("%d calls were written on the full disk (the store's free pages) before one was held", len(ids)-1)

	// More calls while full: each start answered at once, held.
	for i := range 50 {
		id := fmt.Sprintf("late-%02d", i)
		ids = append(ids, id)
		e := event.CallStarted{Base: base(id, t0.Add(time.Minute+time.Duration(i)*time.Second)), From: "1", To: "ivr"}
		began := time.Now()
		if err := w.Started(t.Context(), e); !errors.Is(err, cdr.ErrHeld) {
			t.Fatalf("Started on a full disk = %v, want ErrHeld", err)
		}
		if d := time.Since(began); d > 500*time.Millisecond {
			t.Errorf("Started on a full disk took %v", d)
		}
		pub.Publish(e)
	}
	// Every call is answered and ends, 12 s after its start, while full.
	for _, id := range ids {
		r0 := startOf(id, t0)
		pub.Publish(event.CallAnswered{Base: base(id, r0.Add(time.Second))})
		pub.Publish(event.CallEnded{Base: base(id, r0.Add(12*time.Second)), By: "caller", Cause: "normal"})
	}
	eventuallyHealth(t, w, func(h cdr.Health) bool { return h.Held >= 50 && h.Reason == cdr.ReasonDiskFull && !h.OK })
	if n := strings.Count(logs.String(), "call records cannot be written"); n != 1 {
		t.Errorf("the failure logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "reason=disk_full") {
		t.Errorf("the log does not say the disk is full:\n%s", logs.String())
	}

	disk.Free()
	eventuallyHealth(t, w, func(h cdr.Health) bool { return h.OK && h.Held == 0 })
	if !strings.Contains(logs.String(), "call records written again") {
		t.Errorf("the log does not say the records are written again:\n%s", logs.String())
	}
	calls, err := db.ListCalls(store.CallFilter{Limit: store.MaxCallLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != len(ids) {
		t.Errorf("%d records for %d calls", len(calls), len(ids))
	}
	for _, r := range calls {
		if r.InProgress || r.Duration != 12 || !r.Start.Equal(startOf(r.ID, t0)) || r.LineAnswer.IsZero() {
			t.Errorf("record %+v, want ended after 12 s, answered", r)
		}
	}
}

// TestFullDiskAliveStampStops: while the disk is full the alive stamp is
// not moved on, so a crash then ends an open record at the last moment
// everything was on disk, never later (a call that ended while the disk was
// full is not stretched by the calls still up).
func TestFullDiskAliveStampStops(t *testing.T) {
	disk, db, pub, w, _, stop := fullDiskWriter(t)
	t0 := time.Now()
	if err := w.Started(t.Context(), event.CallStarted{Base: base("long", t0), From: "1", To: "ivr"}); err != nil {
		t.Fatal(err)
	}
	disk.Fill()
	filled := time.Now()
	ids := startUntilHeld(t, w, pub, t0)
	for _, id := range ids {
		pub.Publish(event.CallEnded{Base: base(id, time.Now()), By: "caller"})
	}
	// Time passes while full: heartbeats come and fail, the stamp stays.
	time.Sleep(1500 * time.Millisecond)
	stop() // the store still full: what is held is lost, as in a crash
	disk.Free()
	if _, err := cdr.Recover(db, nil); err != nil {
		t.Fatal(err)
	}
	calls, err := db.ListCalls(store.CallFilter{Limit: store.MaxCallLimit})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range calls {
		if r.InProgress || r.End.After(filled.Add(time.Second)) {
			t.Errorf("record %+v ends after the disk filled (%v)", r, filled)
		}
	}
}

// TestFullDiskBound: past the most records held in memory, new calls go
// unrecorded, counted and logged once; the calls held keep their records,
// all written once space returns.
func TestFullDiskBound(t *testing.T) {
	const most, over = 50_000, 25 // cdr's heldMost
	disk, db, pub, w, logs, _ := diskWriter(t, 64<<20)
	t0 := time.Now().Add(-time.Hour)
	disk.Fill()
	ids := startUntilHeld(t, w, pub, t0)
	written := len(ids) - 1
	for i := range most + over {
		pub.Publish(event.CallStarted{Base: base(fmt.Sprintf("b%06d", i), t0.Add(time.Duration(i)*time.Microsecond)), From: "1", To: "ivr"})
	}
	eventuallyHealth(t, w, func(h cdr.Health) bool { return h.Lost > 0 && h.Held == most })
	if h := w.Health(); h.Lost != over+1 {
		t.Errorf("Health = %+v, want %d held and %d lost", h, most, over+1)
	}
	if n := strings.Count(logs.String(), "call records lost"); n != 1 {
		t.Errorf("the loss logged %d times, want once", n)
	}
	disk.Free()
	eventuallyHealth(t, w, func(h cdr.Health) bool { return h.Held == 0 })
	n := 0
	if err := db.ForEachCall(time.Time{}, time.Time{}, func(*store.CallRecord) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != written+most {
		t.Errorf("%d records on disk, want %d", n, written+most)
	}
}

// startOf is the start startUntilHeld and the test gave call id.
func startOf(id string, t0 time.Time) time.Time {
	var i int
	if _, err := fmt.Sscanf(id, "full-%05d", &i); err == nil {
		return t0.Add(time.Duration(i) * time.Millisecond)
	}
	fmt.Sscanf(id, "late-%02d", &i)
	return t0.Add(time.Minute + time.Duration(i)*time.Second)
}

// eventuallyHealth waits until the writer's Health satisfies ok.
func eventuallyHealth(t *testing.T, w *cdr.Writer, ok func(cdr.Health) bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok(w.Health()) {
		if time.Now().After(deadline) {
			t.Fatalf("writer health %+v", w.Health())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
