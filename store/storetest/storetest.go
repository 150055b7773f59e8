package storetest

import (
	"log/slog"
	"path/filepath"
	"testing"

	"tracecall/store"
)

// Open opens a new empty store in t.TempDir() and closes it at cleanup.
// Warnings and errors from the store go to the test's output.
func Open(t testing.TB) *store.DB {
	t.Helper()
	return OpenOptions(t, store.Options{})
}

// OpenOptions is Open with options. A nil o.Logger logs warnings to the
// test's output.
func OpenOptions(t testing.TB, o store.Options) *store.DB {
	t.Helper()
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "tracecall.db"), o)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("storetest: %v", err)
		}
	})
	return db
}
