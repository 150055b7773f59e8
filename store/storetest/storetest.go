package storetest

import (
	"log/slog"
	"os/exec"
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

// SmallDisk mounts a tmpfs of size (as mount takes it: "96m") on a new
// directory and unmounts it when the test ends, for tests of a full data
// disk. It needs root (as in CI) and fails the test without it, rather than
// skip what it was meant to check.
func SmallDisk(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("storetest: mount a tmpfs for a small disk (needs root): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("storetest: umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}
