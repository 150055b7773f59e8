package store_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
)

func callAt(id string, start time.Time, caller, typ string, inProgress bool) store.CallRecord {
	r := store.CallRecord{
		ID: id, Line: "dahdi/1", Caller: caller, Called: "12315", Direction: "inbound", Type: typ,
		Start: start, InProgress: inProgress, Updated: start,
	}
	if !inProgress {
		r.Answer = start.Add(2 * time.Second)
		r.End = start.Add(65 * time.Second)
		r.Duration = 65
		r.Disposition = "answered"
		r.HangupBy = "caller"
		r.IVRPath = []string{"welcome", "enter_code"}
		r.Codes = []store.CodeLookup{{Code: "11010600524031500017", Result: "found", At: start.Add(20 * time.Second)}}
	}
	return r
}

func putCalls(t *testing.T, db *store.DB, rs ...store.CallRecord) {
	t.Helper()
	err := db.Update(func(tx *store.Tx) error {
		for i := range rs {
			if err := tx.PutCall(&rs[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func ids(rs []store.CallRecord) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func TestPutCall(t *testing.T) {
	db := storetest.Open(t)
	start := time.Date(2024, 3, 15, 9, 12, 0, 0, cst)
	r := callAt("c1", start, "13800138000", "ivr", true)
	putCalls(t, db, r)
	if open, _ := db.OpenCalls(); !slices.Equal(ids(open), []string{"c1"}) {
		t.Errorf("OpenCalls = %q, want [c1]", ids(open))
	}

	// The call ends: same start, the record is replaced and leaves calls_open.
	done := callAt("c1", start, "13800138000", "trace", false)
	putCalls(t, db, done)
	got, ok, err := db.Call("c1")
	if err != nil || !ok {
		t.Fatalf("Call = ok %v, err %v", ok, err)
	}
	if g, w := mustJSON(t, got), mustJSON(t, done); g != w {
		t.Errorf("Call:\n got %s\nwant %s", g, w)
	}
	if open, _ := db.OpenCalls(); len(open) != 0 {
		t.Errorf("OpenCalls after end = %q", ids(open))
	}
	if all, _ := db.ListCalls(store.CallFilter{}); !slices.Equal(ids(all), []string{"c1"}) {
		t.Errorf("ListCalls = %q, want one entry for c1", ids(all))
	}
	if _, ok, err := db.Call("nope"); ok || err != nil {
		t.Errorf("missing call: ok %v, err %v", ok, err)
	}
}

func TestPutCallInvalid(t *testing.T) {
	db := storetest.Open(t)
	start := time.Date(2024, 3, 15, 9, 12, 0, 0, cst)
	putCalls(t, db, callAt("c1", start, "1", "ivr", true))
	tests := []struct {
		name string
		r    store.CallRecord
	}{
		{"empty id", callAt("", start, "1", "ivr", true)},
		{"zero start", callAt("c2", time.Time{}, "1", "ivr", true)},
		{"start before 1970", callAt("c2", time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), "1", "ivr", true)},
		{"start changed", callAt("c1", start.Add(time.Second), "1", "ivr", false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Update(func(tx *store.Tx) error { return tx.PutCall(&tt.r) })
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	// The same instant in another zone is the same start.
	putCalls(t, db, callAt("c1", start.UTC(), "1", "ivr", false))
}

func TestListCalls(t *testing.T) {
	db := storetest.Open(t)
	t0 := time.Date(2024, 3, 15, 8, 0, 0, 0, cst)
	var rs []store.CallRecord
	for i := range 300 { // one a minute, 08:00 to 12:59
		typ := []string{"ivr", "trace", "agent"}[i%3]
		r := callAt(fmt.Sprintf("c%03d", i), t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("1380013%04d", i), typ, i >= 295)
		if i%10 == 0 {
			r.Direction = "outbound"
		}
		rs = append(rs, r)
	}
	// Stored in random order to show the result order comes from the index.
	shuffled := slices.Clone(rs)
	for i := range shuffled {
		j := i * 7919 % len(shuffled)
		shuffled[i], shuffled[j] = shuffled[j], shuffled[i]
	}
	putCalls(t, db, shuffled...)

	// idsDown lists c<hi> down to c<lo>, step.
	idsDown := func(hi, lo, step int) []string {
		var out []string
		for i := hi; i >= lo; i -= step {
			out = append(out, fmt.Sprintf("c%03d", i))
		}
		return out
	}
	tests := []struct {
		name string
		f    store.CallFilter
		want []string
	}{
		{"default limit, newest first", store.CallFilter{}, idsDown(299, 200, 1)},
		{"limit", store.CallFilter{Limit: 3}, idsDown(299, 297, 1)},
		{"limit above max is capped", store.CallFilter{Limit: 1 << 30}, idsDown(299, 0, 1)},
		{"from inclusive, to exclusive", store.CallFilter{From: t0.Add(10 * time.Minute), To: t0.Add(15 * time.Minute)}, idsDown(14, 10, 1)},
		{"from only", store.CallFilter{From: t0.Add(295 * time.Minute)}, idsDown(299, 295, 1)},
		{"to only", store.CallFilter{To: t0.Add(3 * time.Minute)}, idsDown(2, 0, 1)},
		{"to past the end", store.CallFilter{To: t0.Add(24 * time.Hour), Limit: 2}, idsDown(299, 298, 1)},
		{"to before the start", store.CallFilter{To: t0.Add(-time.Hour)}, nil},
		{"range in another zone", store.CallFilter{From: t0.Add(10 * time.Minute).UTC(), To: t0.Add(12 * time.Minute).UTC()}, idsDown(11, 10, 1)},
		{"caller exact", store.CallFilter{Caller: "13800130042"}, []string{"c042"}},
		{"caller substring", store.CallFilter{Caller: "013015"}, idsDown(159, 150, 1)},
		{"type", store.CallFilter{Type: "trace", From: t0, To: t0.Add(10 * time.Minute)}, []string{"c007", "c004", "c001"}},
		{"type ignores case", store.CallFilter{Type: "TRACE", Limit: 1}, []string{"c298"}},
		{"type matches direction", store.CallFilter{Type: "outbound", To: t0.Add(35 * time.Minute)}, idsDown(30, 0, 10)},
		{"caller and type and range", store.CallFilter{Caller: "001301", Type: "agent", From: t0.Add(100 * time.Minute)}, []string{"c197", "c194", "c191", "c188", "c185", "c182", "c179", "c176", "c173", "c170", "c167", "c164", "c161", "c158", "c155", "c152", "c149", "c146", "c143", "c140", "c137", "c134", "c131", "c128", "c125", "c122", "c119", "c116", "c113", "c110", "c107", "c104", "c101"}},
		{"nothing matches", store.CallFilter{Caller: "999"}, nil},
		{"types left out", store.CallFilter{ExcludeTypes: []string{"ivr", "agent"}, From: t0, To: t0.Add(10 * time.Minute)}, []string{"c007", "c004", "c001"}},
		{"a type asked for is kept though left out", store.CallFilter{Type: "trace", ExcludeTypes: []string{"trace"}, Limit: 1}, []string{"c298"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.ListCalls(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got %q\nwant %q", ids(got), tt.want)
			}
		})
	}

	var walked []string
	err := db.ForEachCall(t0.Add(10*time.Minute), t0.Add(13*time.Minute), func(r *store.CallRecord) error {
		walked = append(walked, r.ID)
		return nil
	})
	if want := []string{"c010", "c011", "c012"}; err != nil || !slices.Equal(walked, want) {
		t.Errorf("ForEachCall = %q, %v; want %q oldest first", walked, err, want)
	}

	open, err := db.OpenCalls()
	if err != nil {
		t.Fatal(err)
	}
	want := idsDown(299, 295, 1)
	slices.Reverse(want)
	if !slices.Equal(ids(open), want) {
		t.Errorf("OpenCalls = %q, want %q (oldest first)", ids(open), want)
	}
}

func TestBatchConcurrentWriters(t *testing.T) {
	db := storetest.Open(t)
	t0 := time.Date(2024, 3, 15, 8, 0, 0, 0, cst)
	const writers, each = 16, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := callAt(fmt.Sprintf("w%02d-%02d", w, i), t0.Add(time.Duration(w*each+i)*time.Second), "1", "ivr", true)
				// Start, then end: two Batch writes per call, as cdr does.
				for _, inProgress := range []bool{true, false} {
					r.InProgress = inProgress
					errs <- db.Batch(func(tx *store.Tx) error { return tx.PutCall(&r) })
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	all, err := db.ListCalls(store.CallFilter{Limit: store.MaxCallLimit})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != writers*each {
		t.Errorf("ListCalls found %d calls, want %d", len(all), writers*each)
	}
	if open, _ := db.OpenCalls(); len(open) != 0 {
		t.Errorf("OpenCalls = %d calls, want 0", len(open))
	}
}

func TestDeleteCallsBefore(t *testing.T) {
	db := storetest.Open(t)
	t0 := time.Date(2024, 3, 15, 8, 0, 0, 0, cst)
	var rs []store.CallRecord
	for i := range 2500 {
		rs = append(rs, callAt(fmt.Sprintf("c%04d", i), t0.Add(time.Duration(i)*time.Second), "1", "ivr", i%2 == 0))
	}
	putCalls(t, db, rs...)
	n, err := db.DeleteCallsBefore(t.Context(), t0.Add(2100*time.Second))
	if err != nil || n != 2100 {
		t.Fatalf("DeleteCallsBefore = %d, %v; want 2100", n, err)
	}
	left, _ := db.ListCalls(store.CallFilter{Limit: store.MaxCallLimit})
	if len(left) != 400 || left[len(left)-1].ID != "c2100" {
		t.Errorf("left %d calls, oldest %q; want 400 from c2100", len(left), ids(left[len(left)-1:]))
	}
	if _, ok, _ := db.Call("c2099"); ok {
		t.Error("c2099 still there")
	}
	if open, _ := db.OpenCalls(); len(open) != 200 || open[0].ID != "c2100" {
		t.Errorf("OpenCalls = %d, first %q; want 200 from c2100", len(open), ids(open[:1]))
	}
}
