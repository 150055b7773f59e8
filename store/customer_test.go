package store_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
)

func TestCustomerRoundTrip(t *testing.T) {
	db := storetest.Open(t)
	if _, ok, err := db.CustomerByNumber("13800138000"); ok || err != nil {
		t.Fatalf("lookup in a fresh store = %v, %v; want none", ok, err)
	}
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	c := &store.Customer{
		Numbers: []string{"13800138000", "01088886666"}, Name: "王芳", Class: "vip",
		Company: "丰台区东安街菜市场", Address: "北京市丰台区", Notes: "常来电", Created: now, Updated: now,
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCustomer(c) }); err != nil {
		t.Fatal(err)
	}
	if c.ID == "" {
		t.Fatal("PutCustomer did not assign an id")
	}
	for _, n := range c.Numbers {
		got, ok, err := db.CustomerByNumber(n)
		if err != nil || !ok || got.ID != c.ID || got.Name != "王芳" || got.Class != "vip" || !got.Created.Equal(now) {
			t.Errorf("CustomerByNumber(%s) = %+v, %v, %v", n, got, ok, err)
		}
	}

	// A second customer gets another id and cannot take the first's number.
	d := &store.Customer{Numbers: []string{"13900139000"}, Name: "李强", Class: "normal"}
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCustomer(d) }); err != nil {
		t.Fatal(err)
	}
	if d.ID == c.ID {
		t.Fatalf("two customers share id %s", d.ID)
	}
	taken := &store.Customer{ID: d.ID, Numbers: []string{"13900139000", "13800138000"}, Name: "李强"}
	err := db.Update(func(tx *store.Tx) error { return tx.PutCustomer(taken) })
	if !errors.Is(err, store.ErrNumberTaken) {
		t.Errorf("taking another customer's number: %v, want ErrNumberTaken", err)
	}

	// Updating drops the numbers the customer no longer has.
	c.Numbers = []string{"13800138000", "13700137000"}
	c.Name = "王芳芳"
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCustomer(c) }); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db.CustomerByNumber("01088886666"); ok {
		t.Error("a dropped number still finds the customer")
	}
	if got, ok, _ := db.CustomerByNumber("13700137000"); !ok || got.Name != "王芳芳" {
		t.Errorf("new number finds %+v, %v", got, ok)
	}
	if got, ok, err := db.Customer(c.ID); !ok || err != nil || len(got.Numbers) != 2 {
		t.Errorf("Customer(%s) = %+v, %v, %v", c.ID, got, ok, err)
	}

	bad := []struct {
		name string
		c    store.Customer
	}{
		{"no number", store.Customer{Name: "x"}},
		{"empty number", store.Customer{Numbers: []string{""}}},
		{"unknown id", store.Customer{ID: "999", Numbers: []string{"1234567"}}},
	}
	for _, tt := range bad {
		err := db.Update(func(tx *store.Tx) error { return tx.PutCustomer(&tt.c) })
		if !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", tt.name, err)
		}
	}
}

// TestCallNotesSurviveRewrites checks that the cdr writer storing the whole
// record again (as it does on every change) keeps the agents' notes.
func TestCallNotesSurviveRewrites(t *testing.T) {
	db := storetest.Open(t)
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	rec := &store.CallRecord{ID: "c1", Caller: "13800138000", Start: start, InProgress: true}
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCall(rec) }); err != nil {
		t.Fatal(err)
	}
	note := store.CallNote{Agent: "zhang", Text: "询问猪肉产地，已告知", At: start.Add(time.Minute)}
	if err := db.Update(func(tx *store.Tx) error { return tx.AddCallNote("c1", note) }); err != nil {
		t.Fatal(err)
	}
	rec.InProgress, rec.Disposition, rec.End = false, "answered", start.Add(2*time.Minute)
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCall(rec) }); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.Call("c1")
	if err != nil || !ok || len(got.Notes) != 1 || got.Notes[0].Text != note.Text || got.Disposition != "answered" {
		t.Fatalf("Call = %+v, %v, %v; want the note and the rewrite", got, ok, err)
	}
	// A record read with its notes and stored again does not duplicate them.
	if err := db.Update(func(tx *store.Tx) error { return tx.PutCall(&got) }); err != nil {
		t.Fatal(err)
	}
	list, err := db.ListCalls(store.CallFilter{})
	if err != nil || len(list) != 1 || len(list[0].Notes) != 1 {
		t.Fatalf("ListCalls = %+v, %v", list, err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.AddCallNote("nope", note) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("note on a missing call: %v, want ErrNotFound", err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.AddCallNote("c1", store.CallNote{Agent: "a"}) }); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("empty note: %v, want ErrInvalid", err)
	}
	if n, err := db.DeleteCallsBefore(context.Background(), start.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("DeleteCallsBefore = %d, %v", n, err)
	}
	if err := db.View(func(tx *store.Tx) error {
		notes, err := tx.CallNotes("c1")
		if len(notes) != 0 {
			t.Errorf("notes outlived their call: %+v", notes)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func TestCallsByCaller(t *testing.T) {
	db := storetest.Open(t)
	start := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	if err := db.Update(func(tx *store.Tx) error {
		for i := range 20 {
			caller := "13800138000"
			if i%2 == 1 {
				caller = "138001380001" // longer number containing the first
			}
			r := &store.CallRecord{ID: fmt.Sprintf("c%02d", i), Caller: caller, Start: start.Add(time.Duration(i) * time.Hour)}
			if err := tx.PutCall(r); err != nil {
				return err
			}
		}
		return tx.AddCallNote("c16", store.CallNote{Agent: "li", Text: "回访", At: start})
	}); err != nil {
		t.Fatal(err)
	}
	check := func(stage string) {
		t.Helper()
		got, err := db.CallsByCaller("13800138000", 5, time.Time{}, "c18")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.ID)
		}
		if fmt.Sprint(ids) != "[c16 c14 c12 c10 c08]" {
			t.Errorf("%s: CallsByCaller = %v, want the five newest of that exact number but c18", stage, ids)
		}
		if len(got) > 0 && len(got[0].Notes) != 1 {
			t.Errorf("%s: c16 notes = %+v", stage, got[0].Notes)
		}
		got, err = db.CallsByCaller("13800138000", 5, start.Add(15*time.Hour), "")
		if err != nil || len(got) != 2 {
			t.Errorf("%s: since bound: %d calls, %v; want c18 and c16", stage, len(got), err)
		}
		if got, err := db.CallsByCaller("139", 5, time.Time{}, ""); err != nil || len(got) != 0 {
			t.Errorf("%s: unknown caller: %v, %v", stage, got, err)
		}
		if got, err := db.CallsByCaller("138001380001", 20, time.Time{}, ""); err != nil || len(got) != 10 {
			t.Errorf("%s: the longer number: %d calls, %v; want 10", stage, len(got), err)
		}
	}
	check("before the index is complete")
	for range 2 { // a second run finds it done
		if err := db.IndexCallers(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	check("from the index")
	// Calls stored from now on are indexed by PutCall; retention removes
	// them from the index.
	if err := db.Update(func(tx *store.Tx) error {
		return tx.PutCall(&store.CallRecord{ID: "c20", Caller: "13800138000", Start: start.Add(20 * time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.CallsByCaller("13800138000", 1, time.Time{}, ""); len(got) != 1 || got[0].ID != "c20" {
		t.Errorf("a new call is not found by its caller: %+v", got)
	}
	if _, err := db.DeleteCallsBefore(context.Background(), start.Add(21*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, err := db.CallsByCaller("13800138000", 5, time.Time{}, ""); err != nil || len(got) != 0 {
		t.Errorf("deleted calls still found: %+v, %v", got, err)
	}
	if n, err := store.CallerIndexLen(db); err != nil || n != 0 {
		t.Errorf("caller index has %d entries after every call was deleted (%v)", n, err)
	}
}

// TestCustomerIDsRandom checks new customers get ids that do not count:
// 16 characters of base32, all different, none a number.
func TestCustomerIDsRandom(t *testing.T) {
	db := storetest.Open(t)
	seen := map[string]bool{}
	for i := range 200 {
		c := &store.Customer{Numbers: []string{fmt.Sprintf("1380000%04d", i)}, Name: "x"}
		if err := db.Update(func(tx *store.Tx) error { return tx.PutCustomer(c) }); err != nil {
			t.Fatal(err)
		}
		if len(c.ID) != 16 || strings.Trim(c.ID, "0123456789abcdefghjkmnpqrstvwxyz") != "" || seen[c.ID] {
			t.Fatalf("customer %d got id %q", i, c.ID)
		}
		if _, err := strconv.ParseUint(c.ID, 10, 64); err == nil {
			t.Fatalf("customer %d got a numeric id %q", i, c.ID)
		}
		seen[c.ID] = true
	}
}
