package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"tracecall/store"
)

func open(t *testing.T, path string, o store.Options) *store.DB {
	t.Helper()
	db, err := store.Open(path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tracecall.db")
	db := open(t, path, store.Options{})
	put(t, db, chainWith("C1", "T1", "Q1"))
	call := callAt("call-1", time.Date(2024, 3, 15, 9, 12, 0, 0, cst), "13800138000", "trace", true)
	err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutCall(&call); err != nil {
			return err
		}
		return tx.PutMeta("sync/cursor", []byte("42"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open(t, path, store.Options{})
	got, ok, err := db.Chain("C1")
	if err != nil || !ok {
		t.Fatalf("Chain after reopen: ok %v, err %v", ok, err)
	}
	sameChain(t, got, chainWith("C1", "T1", "Q1"))
	wantCodes(t, "CodesByRef", db.CodesByRef, "T1", "C1")
	wantCount(t, db, 1)
	open, err := db.OpenCalls()
	if err != nil || len(open) != 1 || open[0].ID != "call-1" {
		t.Errorf("OpenCalls after reopen = %v, %v", open, err)
	}
	_ = db.View(func(tx *store.Tx) error {
		if v := string(tx.Meta("sync/cursor")); v != "42" {
			t.Errorf("meta after reopen = %q", v)
		}
		return nil
	})
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tracecall.db")
	db := open(t, path, store.Options{})
	if err := store.SetSchemaVersion(db, store.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := store.Open(path, store.Options{})
	if !errors.Is(err, store.ErrSchema) {
		t.Fatalf("Open = %v, want ErrSchema", err)
	}
	// The refusal releases the file lock: a second try is refused again for
	// the schema, not for the lock.
	_, err = store.Open(path, store.Options{Timeout: 20 * time.Millisecond})
	if !errors.Is(err, store.ErrSchema) {
		t.Fatalf("second Open = %v, want ErrSchema", err)
	}
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tracecall.db")
	open(t, path, store.Options{})
	_, err := store.Open(path, store.Options{Timeout: 20 * time.Millisecond})
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	_, err := store.Open(filepath.Join(t.TempDir(), "missing", "dir", "x.db"), store.Options{})
	if err == nil {
		t.Fatal("Open in a missing directory succeeded")
	}
}
