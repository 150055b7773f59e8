package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
)

func appendAudit(t *testing.T, db *store.DB, es ...store.AuditEntry) {
	t.Helper()
	if err := db.Update(func(tx *store.Tx) error {
		for i := range es {
			if err := tx.AppendAudit(&es[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func seqs(es []store.AuditEntry) []uint64 {
	var out []uint64
	for _, e := range es {
		out = append(out, e.Seq)
	}
	return out
}

func TestAudit(t *testing.T) {
	db := storetest.Open(t)
	if got, err := db.Audit(store.AuditFilter{}); err != nil || len(got) != 0 {
		t.Fatalf("empty log = %v, %v", got, err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var es []store.AuditEntry
	for i := range 10 {
		user, action := "zhang", "customer_search"
		if i%2 == 1 {
			user = "wang"
		}
		if i%3 == 0 {
			action = "customer_read"
		}
		es = append(es, store.AuditEntry{At: at.Add(time.Duration(i) * time.Second), User: user, Action: action, Query: fmt.Sprint(i)})
	}
	appendAudit(t, db, es...)

	tests := []struct {
		name string
		f    store.AuditFilter
		want []uint64
	}{
		{"newest first", store.AuditFilter{Limit: 3}, []uint64{10, 9, 8}},
		{"before", store.AuditFilter{Before: 4}, []uint64{3, 2, 1}},
		{"before past the end", store.AuditFilter{Before: 100, Limit: 2}, []uint64{10, 9}},
		{"before the first", store.AuditFilter{Before: 1}, nil},
		{"user", store.AuditFilter{User: "wang"}, []uint64{10, 8, 6, 4, 2}},
		{"user and action", store.AuditFilter{User: "zhang", Action: "customer_read"}, []uint64{7, 1}},
		{"nobody", store.AuditFilter{User: "li"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.Audit(tt.f)
			if err != nil || !slices.Equal(seqs(got), tt.want) {
				t.Errorf("Audit(%+v) = %v, %v; want %v", tt.f, seqs(got), err, tt.want)
			}
		})
	}
	got, _ := db.Audit(store.AuditFilter{Limit: 1})
	if e := got[0]; e.User != "wang" || e.Query != "9" || !e.At.Equal(at.Add(9*time.Second)) {
		t.Errorf("newest entry = %+v", e)
	}
}

func TestAuditKeepsTheNewest(t *testing.T) {
	defer store.SetMaxAuditEntries(5)()
	db := storetest.Open(t)
	for i := range 12 {
		appendAudit(t, db, store.AuditEntry{User: "zhang", Action: "customer_search", Query: fmt.Sprint(i)})
	}
	got, err := db.Audit(store.AuditFilter{})
	if want := []uint64{12, 11, 10, 9, 8}; err != nil || !slices.Equal(seqs(got), want) {
		t.Errorf("after 12 appends with room for 5: %v, %v; want %v", seqs(got), err, want)
	}
}
