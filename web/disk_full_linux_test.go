//go:build linux

package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"tracecall/store"
	"tracecall/web"
	"tracecall/web/auth"
)

// mountTmpfs mounts a tmpfs of size bytes on a new directory and unmounts
// it when the test ends. It fails the test when it cannot: a full disk is
// what the test is about (we run as root here and in CI).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tracecall-test", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Fatalf("mount a %d-byte tmpfs on %s (needs root): %v", size, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// fill writes a file in dir until the disk is full.
func fill(t *testing.T, dir string) string {
	t.Helper()
	name := filepath.Join(dir, "filler")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			return name
		}
	}
}

// TestCustomerSaveOnFullDisk saves customers on a data disk that fills
// up: the save that does not fit is answered 507 naming the full disk, in
// the user's language; every customer saved before is still there; once
// space returns the same save works.
func TestCustomerSaveOnFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 2<<20)
	db, err := store.Open(filepath.Join(dir, "tracecall.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	p := newPanelOn(t, db, httptest.NewServer, func(d *web.Deps) { d.DataDir = dir })
	p.addUser("zhang", auth.RoleAgent, deskPassword)
	p.addUser("li", auth.RoleTeamLeader, deskPassword)
	zhang, li := p.deskLogin("zhang"), p.deskLogin("li")

	customer := func(i int) string {
		return fmt.Sprintf(`{"numbers":["1380013%04d"],"name":"客户%d","address":"东安街%d号","notes":%q}`, i, i, i, strings.Repeat("常客。", 600))
	}
	const before = 5
	for i := range before {
		if code, body := zhang.api("POST", "/api/customers", customer(i), false); code != http.StatusCreated {
			t.Fatalf("customer %d on a disk with room = %d %v", i, code, body)
		}
	}
	filler := fill(t, dir)

	// Save until the disk refuses: pages freed by earlier commits may take
	// a few first.
	failed := -1
	for i := before; i < before+200 && failed < 0; i++ {
		code, body := zhang.api("POST", "/api/customers?lang=en", customer(i), false)
		switch {
		case code == http.StatusCreated:
		case code == http.StatusInsufficientStorage:
			failed = i
			t.Logf("customer %d: the disk is full: %v", i, body)
			msg, _ := body["message"].(string)
			if body["reason"] != "disk_full" || !strings.Contains(msg, "the data disk is full") ||
				!strings.Contains(msg, "save the new customer") || !strings.Contains(body["error"].(string), "no space left on device") {
				t.Errorf("answer on a full disk = %v", body)
			}
		default:
			t.Fatalf("customer %d on a full disk = %d %v, want 201 or 507", i, code, body)
		}
	}
	if failed < 0 {
		t.Fatal("the disk never filled up")
	}
	// In Chinese, as the desk shows it by default.
	code, body := zhang.api("POST", "/api/customers", customer(failed), false)
	if msg, _ := body["message"].(string); code != http.StatusInsufficientStorage || !strings.Contains(msg, "数据盘已满") {
		t.Errorf("answer in Chinese = %d %v", code, body)
	}
	for i := range failed {
		code, got := li.api("GET", fmt.Sprintf("/api/customers?number=1380013%04d", i), "", false)
		if code != http.StatusOK || got["name"] != fmt.Sprintf("客户%d", i) {
			t.Errorf("customer %d after the disk filled = %d %v", i, code, got)
		}
	}
	if code, _ := li.api("GET", fmt.Sprintf("/api/customers?number=1380013%04d", failed), "", false); code != http.StatusNotFound {
		t.Errorf("the refused customer = %d, want 404 (nothing half-written)", code)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, body := zhang.api("POST", "/api/customers", customer(failed), false); code != http.StatusCreated {
		t.Fatalf("the same save once space returned = %d %v", code, body)
	}
	if code, _ := li.api("GET", fmt.Sprintf("/api/customers?number=1380013%04d", failed), "", false); code != http.StatusOK {
		t.Errorf("the customer saved after space returned = %d", code)
	}
}
