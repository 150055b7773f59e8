package storetest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Disk is a small tmpfs mounted for one test, to fill up: the full data disk
// an appliance meets. It needs root (CAP_SYS_ADMIN); a test that cannot mount
// fails, it does not skip.
type Disk struct {
	t    testing.TB
	Dir  string // the mount point, an empty directory under t.TempDir()
	fill string // the file that fills it
}

// SmallDisk mounts a tmpfs of size bytes on a new directory under
// t.TempDir() and unmounts it when the test ends.
func SmallDisk(t testing.TB, size int64) *Disk {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0750", size)); err != nil {
		t.Fatalf("storetest: mount a %d-byte tmpfs on %s (the full-disk tests need root): %v", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("storetest: unmount %s: %v", dir, err)
		}
	})
	return &Disk{t: t, Dir: dir, fill: filepath.Join(dir, "filler")}
}

// Fill writes a file until the disk has no space left; Free removes it. A
// store on the disk keeps the pages it already has: its commits fail once
// they need more.
func (d *Disk) Fill() {
	d.t.Helper()
	f, err := os.OpenFile(d.fill, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		d.t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		_, err := f.Write(buf)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			d.t.Fatalf("storetest: fill %s: %v", d.Dir, err)
		}
	}
	// The last pages left to small writes.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
}

// Free removes what Fill wrote.
func (d *Disk) Free() {
	d.t.Helper()
	if err := os.Remove(d.fill); err != nil {
		d.t.Fatalf("storetest: free %s: %v", d.Dir, err)
	}
}
