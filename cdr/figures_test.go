package cdr_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/telephony/event"
)

// TestFiguresAgreeWithRecords: the writer's figures (the wallboard's) are
// the records' figures, by the formulas of cdr.QueueFigures.
func TestFiguresAgreeWithRecords(t *testing.T) {
	db, pub, w := startWriterW(t)
	day := time.Date(2026, 12, 8, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	t0 := day.Add(9 * time.Hour)
	taken := func(s int, q string, wait time.Duration) struct {
		s int
		e event.Event
	} {
		return step(s, event.CallTaken{Queue: q, Agent: "8001", Wait: wait, ServiceLevel: sl})
	}
	calls := []struct {
		script script
		open   bool // still in progress
	}{
		{then(inQueue, taken(10, "trace", 5*time.Second), step(60, event.CallEnded{By: "ivr"})), false},  // answered in time
		{then(inQueue, taken(30, "trace", 25*time.Second), step(90, event.CallEnded{By: "ivr"})), false}, // answered late
		{then(inQueue, taken(7, "trace", 2*time.Second)), true},                                          // talking now
		{then(inQueue, step(15, event.CallEnded{By: "caller"}),
			step(15, event.CallAbandonedQueue{Queue: "trace", Wait: 10 * time.Second, ServiceLevel: sl})), false}, // short abandon
		{then(inQueue, step(45, event.CallEnded{By: "caller"}),
			step(45, event.CallAbandonedQueue{Queue: "trace", Wait: 40 * time.Second, ServiceLevel: sl})), false}, // abandon
		{then(inQueue, step(305, event.CallOverflowed{Queue: "trace", Reason: "max_wait", Action: "goodbye"}),
			step(310, event.CallEnded{By: "ivr"})), false},
		{then(ivr, step(30, event.CallEnded{By: "ivr"})), false}, // self-service: no queue
		{script{step(0, event.CallAnswered{}), step(0, event.IVRStep{Flow: "agent_login", Node: "apply", Type: "agent_state"}),
			step(1, event.CallEnded{By: "ivr"})}, false}, // a feature code
		{then(ivr, step(5, event.CallQueued{Queue: "spare"}), taken(9, "spare", 4*time.Second), step(20, event.CallEnded{By: "caller"})), false},
	}
	for i, c := range calls {
		c.script.publish(pub, fmt.Sprint("f", i), t0.Add(time.Duration(i)*time.Minute), "13800138000", "96315")
	}
	// Yesterday's call does not count today.
	then(inQueue, step(45, event.CallEnded{By: "caller"}),
		step(45, event.CallAbandonedQueue{Queue: "trace", Wait: 40 * time.Second, ServiceLevel: sl})).
		publish(pub, "old", day.Add(-time.Hour), "1", "96315")
	for i, c := range calls {
		waitFor(t, db, fmt.Sprint("f", i), func(r store.CallRecord) bool { return r.InProgress == c.open && r.Disposition != "" == !c.open })
	}
	waitFor(t, db, "f4", func(r store.CallRecord) bool { return r.QueueWait == 40 })
	waitFor(t, db, "old", func(r store.CallRecord) bool { return r.QueueWait == 40 })

	want := []cdr.QueueFigures{
		{Queue: "spare", Summary: cdr.Summary{Answered: 1, AnsweredInTime: 1, ServiceLevel: 1, AbandonRate: 0, AverageAnswer: 4 * time.Second}},
		// Service level 2 / (3 + 2 - 1); abandon rate 2 / (3 + 2).
		{Queue: "trace", Summary: cdr.Summary{Answered: 3, AnsweredInTime: 2, Abandoned: 2, ShortAbandoned: 1, Overflowed: 1,
			ServiceLevel: 0.5, AbandonRate: 0.4, AverageAnswer: 32 * time.Second / 3}},
	}
	records, err := db.ListCalls(store.CallFilter{From: day, To: day.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	fromRecords := cdr.Figures(records)
	if !sameFigures(fromRecords, want) {
		t.Errorf("figures of the records\n got %+v\nwant %+v", fromRecords, want)
	}
	// The writer's tally is updated just after each commit.
	deadline := time.Now().Add(3 * time.Second)
	for got := w.Figures(day, day.Add(24*time.Hour)); !sameFigures(got, fromRecords); got = w.Figures(day, day.Add(24*time.Hour)) {
		if time.Now().After(deadline) {
			t.Fatalf("the writer's figures\n got %+v\nwant %+v (the records')", got, fromRecords)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// A new writer on the same store starts from the records.
	w2 := cdr.New(db, event.New(nil), nil)
	if got := w2.Figures(day, day.Add(24*time.Hour)); !sameFigures(got, fromRecords) {
		t.Errorf("a new writer's figures\n got %+v\nwant %+v", got, fromRecords)
	}
}

// sameFigures compares figures, the average to the millisecond.
func sameFigures(a, b []cdr.QueueFigures) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if (x.AverageAnswer - y.AverageAnswer).Abs() > time.Millisecond {
			return false
		}
		x.AverageAnswer, y.AverageAnswer = 0, 0
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
