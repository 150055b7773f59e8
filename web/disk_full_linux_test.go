//go:build linux

package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/web"
	"tracecall/web/auth"
)

// TestCustomerSaveOnFullDisk saves customers on a data disk that fills
// up: the save that does not fit is answered 507 naming the full disk, in
// the user's language; every customer saved before is still there; once
// space returns the same save works.
func TestCustomerSaveOnFullDisk(t *testing.T) {
	disk := storetest.SmallDisk(t, 2<<20)
	dir := disk.Dir
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
	disk.Fill()

	// Save until the disk refuses (pages freed by earlier commits may take
	// a few first), once in each language.
	next, saved := before, before
	var refused []int
	saveUntilFull := func(lang string, want ...string) {
		t.Helper()
		for range 200 {
			i := next
			next++
			code, body := zhang.api("POST", "/api/customers?lang="+lang, customer(i), false)
			switch code {
			case http.StatusCreated:
				saved++
				continue
			case http.StatusInsufficientStorage:
				refused = append(refused, i)
				t.Logf("customer %d: the disk is full: %v", i, body)
				msg, _ := body["message"].(string)
				for _, w := range want {
					if !strings.Contains(msg, w) {
						t.Errorf("message on a full disk in %s = %q, want %q in it", lang, msg, w)
					}
				}
				if body["reason"] != "disk_full" || !strings.Contains(body["error"].(string), "no space left on device") {
					t.Errorf("answer on a full disk = %v", body)
				}
				return
			default:
				t.Fatalf("customer %d on a full disk = %d %v, want 201 or 507", i, code, body)
			}
		}
		t.Fatal("the disk never filled up")
	}
	saveUntilFull("zh", "数据盘已满", "保存新客户资料", "已保存的数据没有丢失")
	saveUntilFull("en", "the data disk is full", "save the new customer", "nothing already stored is lost")

	for i := range next {
		code, got := li.api("GET", fmt.Sprintf("/api/customers?number=1380013%04d", i), "", false)
		switch {
		case slices.Contains(refused, i):
			if code != http.StatusNotFound {
				t.Errorf("refused customer %d = %d, want 404 (nothing half-written)", i, code)
			}
		case code != http.StatusOK || got["name"] != fmt.Sprintf("客户%d", i):
			t.Errorf("customer %d after the disk filled = %d %v", i, code, got)
		}
	}

	disk.Free()
	for _, i := range refused {
		if code, body := zhang.api("POST", "/api/customers", customer(i), false); code != http.StatusCreated {
			t.Fatalf("the same save once space returned = %d %v", code, body)
		}
		if code, _ := li.api("GET", fmt.Sprintf("/api/customers?number=1380013%04d", i), "", false); code != http.StatusOK {
			t.Errorf("the customer saved after space returned = %d", code)
		}
	}
}
