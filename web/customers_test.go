package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/crm"
	"tracecall/screenpop"
	"tracecall/store"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
	"tracecall/web"
	"tracecall/web/auth"
)

// customerPanel is deskPanel running (for the screen pops), with a duty
// manager zhao and three customers in the book, by their numbers.
func customerPanel(t *testing.T) (*panel, *event.Bus, map[string]store.Customer) {
	t.Helper()
	var bus *event.Bus
	p := newPanel(t, func(d *web.Deps) { bus = d.Bus })
	for _, u := range []struct {
		name string
		role auth.Role
	}{{"zhang", auth.RoleAgent}, {"wang", auth.RoleAgent}, {"li", auth.RoleTeamLeader}, {"zhao", auth.RoleDutyManager}} {
		p.addUser(u.name, u.role, deskPassword)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = p.srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	book := crm.New(p.db, crm.Config{}, nil)
	cs := map[string]store.Customer{}
	for _, in := range []crm.Input{
		{Numbers: []string{"13800138000"}, Name: "王芳", Address: "东安街1号"},
		{Numbers: []string{"13900139000"}, Name: "李强", Address: "西单2号"},
		{Numbers: []string{"13700137000"}, Name: "赵敏"},
	} {
		c, err := book.Create(in, "admin")
		if err != nil {
			t.Fatal(err)
		}
		cs[in.Numbers[0]] = c
	}
	return p, bus, cs
}

// offer offers agent a call from caller, as the ACD does, and waits for
// its screen pop.
func offer(t *testing.T, bus *event.Bus, agent, callID, caller string) {
	t.Helper()
	w := eventtest.Watch(t, bus)
	bus.Client("acd").Publish(event.CallOffered{Base: event.Base{CallID: event.CallID(callID), At: time.Now()}, Agent: agent, Caller: caller})
	eventtest.Expect(w, 5*time.Second, func(p screenpop.Pop) bool { return p.Agent == agent && string(p.CallID) == callID })
}

// TestCustomerLeastPrivilege: an agent opens by id only the customer of the
// call offered to them and those they found by a whole number or saved;
// every other id, existing or not, gets the same 403; team leaders and up
// open any; nobody can list the book.
func TestCustomerLeastPrivilege(t *testing.T) {
	p, bus, cs := customerPanel(t)
	zhang, wang, li := p.deskLogin("zhang"), p.deskLogin("wang"), p.deskLogin("li")
	wangFang, liQiang, zhaoMin := cs["13800138000"], cs["13900139000"], cs["13700137000"]
	get := func(b *browser, id string) (int, map[string]any) {
		return b.api("GET", "/api/customers/"+id, "", false)
	}

	// Before any call: nothing by id, and a refusal looks the same whether
	// the customer exists or not.
	for _, id := range []string{wangFang.ID, "1", "2", "0000000000000000", "zzzz"} {
		code, body := get(zhang, id)
		if code != http.StatusForbidden || body["reason"] != "not_yours" {
			t.Errorf("agent GET customer %s before any call = %d %v, want 403 not_yours", id, code, body)
		}
	}
	if code, _ := zhang.api("PUT", "/api/customers/"+wangFang.ID, `{"numbers":["13800138000"],"name":"改名"}`, false); code != http.StatusForbidden {
		t.Errorf("agent PUT another's customer = %d, want 403", code)
	}
	// No listing, whatever the query.
	for _, path := range []string{"/api/customers", "/api/customers?number=", "/api/customers?number=138*", "/api/customers?name=王"} {
		if code, body := zhang.api("GET", path, "", false); code == http.StatusOK {
			t.Errorf("GET %s = 200 %v, want no list", path, body)
		}
	}

	// Offered a call from 王芳: zhang opens her record; wang does not.
	offer(t, bus, "zhang", "call-1", "+86 138 0013 8000")
	if code, body := get(zhang, wangFang.ID); code != http.StatusOK || body["name"] != "王芳" {
		t.Errorf("agent GET the caller's customer = %d %v", code, body)
	}
	if code, _ := zhang.api("PUT", "/api/customers/"+wangFang.ID, `{"numbers":["13800138000"],"name":"王芳","notes":"来电咨询"}`, false); code != http.StatusOK {
		t.Errorf("agent PUT the caller's customer = %d", code)
	}
	if code, _ := get(wang, wangFang.ID); code != http.StatusForbidden {
		t.Errorf("another agent GET the caller's customer = %d, want 403", code)
	}
	if code, _ := get(zhang, liQiang.ID); code != http.StatusForbidden {
		t.Errorf("agent GET an unrelated customer during a call = %d, want 403", code)
	}
	// The next call replaces the last: 王芳 is no longer zhang's.
	offer(t, bus, "zhang", "call-2", "13500135000")
	if code, _ := get(zhang, wangFang.ID); code != http.StatusForbidden {
		t.Errorf("agent GET the last call's customer after a new offer = %d, want 403", code)
	}
	// A new caller saved during the call is theirs, and so is one found by
	// a whole number.
	code, created := zhang.api("POST", "/api/customers", `{"numbers":["13500135000"],"name":"新客户"}`, false)
	if code != http.StatusCreated {
		t.Fatalf("create = %d %v", code, created)
	}
	if code, _ := get(zhang, created["id"].(string)); code != http.StatusOK {
		t.Errorf("agent GET the customer they saved = %d", code)
	}
	if code, body := zhang.api("GET", "/api/customers?number=0137-0013-7000", "", false); code != http.StatusOK || body["id"] != zhaoMin.ID {
		t.Errorf("agent search by a whole number = %d %v", code, body)
	}
	if code, _ := get(zhang, zhaoMin.ID); code != http.StatusOK {
		t.Errorf("agent GET the customer they found by number = %d", code)
	}
	// A number taken by another customer: the agent learns that, not whose.
	code, body := zhang.api("POST", "/api/customers", `{"numbers":["13900139000"],"name":"冒名"}`, false)
	if msg, _ := body["error"].(string); code != http.StatusConflict || strings.Contains(msg, liQiang.ID) || strings.Contains(msg, "李强") {
		t.Errorf("agent create with a taken number = %d %v, want 409 without the owner", code, body)
	}

	// Team leaders open any customer, and get 404 for none.
	for _, c := range cs {
		if code, _ := get(li, c.ID); code != http.StatusOK {
			t.Errorf("team leader GET %s = %d", c.ID, code)
		}
	}
	if code, _ := get(li, "nobody"); code != http.StatusNotFound {
		t.Errorf("team leader GET a missing customer = %d, want 404", code)
	}
}

// TestCustomerAudit: every search by number and every read by id, refused
// ones too, is in the audit log, which duty managers and admins read (in
// Beijing time) and agents and team leaders cannot.
func TestCustomerAudit(t *testing.T) {
	p, _, cs := customerPanel(t)
	zhang, li, zhao := p.deskLogin("zhang"), p.deskLogin("li"), p.deskLogin("zhao")
	zhang.api("GET", "/api/customers?number=13800138000", "", false)
	zhang.api("GET", "/api/customers?number=13600136000", "", false)
	zhang.api("GET", "/api/customers/"+cs["13900139000"].ID, "", false)
	li.api("GET", "/api/customers/"+cs["13700137000"].ID, "", false)

	for name, b := range map[string]*browser{"agent": zhang, "team leader": li} {
		if code, _ := b.api("GET", "/api/audit", "", false); code != http.StatusForbidden {
			t.Errorf("GET /api/audit as a %s = %d, want 403", name, code)
		}
		if r := b.get("/admin/audit"); r.code != http.StatusForbidden {
			t.Errorf("GET /admin/audit below duty manager = %d", r.code)
		}
	}
	r := zhao.get("/api/audit")
	var es []store.AuditEntry
	if err := json.Unmarshal([]byte(r.body), &es); err != nil || r.code != http.StatusOK {
		t.Fatalf("GET /api/audit = %d %s", r.code, r.body)
	}
	type row struct{ user, action, query, result, customer string }
	want := []row{
		{"li", "customer_read", cs["13700137000"].ID, "found", cs["13700137000"].ID},
		{"zhang", "customer_read", cs["13900139000"].ID, "denied", cs["13900139000"].ID},
		{"zhang", "customer_search", "13600136000", "not_found", ""},
		{"zhang", "customer_search", "13800138000", "found", cs["13800138000"].ID},
	}
	if len(es) != len(want) {
		t.Fatalf("audit = %+v, want %d entries", es, len(want))
	}
	for i, w := range want {
		e := es[i]
		if (row{e.User, e.Action, e.Query, e.Result, e.Customer}) != w || e.Remote == "" || e.At.IsZero() {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
		if _, off := e.At.Zone(); off != 8*3600 {
			t.Errorf("entry %d at %v, want Beijing time", i, e.At)
		}
	}
	if es, _ := p.db.Audit(store.AuditFilter{User: "zhang", Action: "customer_search"}); len(es) != 2 {
		t.Errorf("zhang's searches = %d, want 2", len(es))
	}
	page := zhao.get("/admin/audit?user=zhang")
	for _, s := range []string{"个人信息查阅记录", "按号码查找客户", "已拒绝（非本人来电的客户）", "13600136000"} {
		if !strings.Contains(page.body, s) {
			t.Errorf("audit page lacks %q", s)
		}
	}
	if strings.Contains(page.body, ">li<") {
		t.Errorf("audit page filtered by zhang shows li")
	}
	if en := zhao.get("/admin/audit?lang=en"); !strings.Contains(en.body, "Customer search by number") || strings.Contains(en.body, "按号码") {
		t.Errorf("audit page in English is not")
	}
}

// TestCustomerSearchThrottled: an agent whose searches keep finding nobody
// (walking the numbers) is slowed down with 429 and Retry-After; the
// refusals are audited.
func TestCustomerSearchThrottled(t *testing.T) {
	p, _, _ := customerPanel(t)
	zhang, li := p.deskLogin("zhang"), p.deskLogin("li")
	var code int
	var body map[string]any
	n := 0
	for ; n < 30; n++ {
		code, body = zhang.api("GET", "/api/customers?number=1360013"+strings.Repeat("0", 3)+string(rune('0'+n%10)), "", false)
		if code == http.StatusTooManyRequests {
			break
		}
	}
	if code != http.StatusTooManyRequests || body["reason"] != "too_many_searches" || n < 5 {
		t.Fatalf("after %d misses: %d %v, want 429 too_many_searches after a few", n, code, body)
	}
	if es, _ := p.db.Audit(store.AuditFilter{Limit: 1}); len(es) != 1 || es[0].Result != "throttled" {
		t.Errorf("the refused search is not audited: %+v", es)
	}
	// Team leaders are not slowed.
	if code, _ := li.api("GET", "/api/customers?number=13600139999", "", false); code != http.StatusNotFound {
		t.Errorf("team leader search = %d, want 404", code)
	}
}

// TestAgentSaveOfTakenNumberIsASearch: saving a customer with a number
// another customer has answers 409, which tells that the number is in the
// book. For an agent that is a search: audited as one that found the other
// customer, counted against the agent's search throttle, and it names the
// number only when the save added just that one. Before, an agent PUT ten
// numbers at a time into a customer of their own: 1,000 numbers in 0.1 s,
// no 429, nothing audited, every taken number named.
func TestAgentSaveOfTakenNumberIsASearch(t *testing.T) {
	p, _, cs := customerPanel(t)
	zhang, li := p.deskLogin("zhang"), p.deskLogin("li")
	code, body := zhang.api("POST", "/api/customers", `{"numbers":["13600136000"],"name":"探针"}`, false)
	if code != http.StatusCreated {
		t.Fatalf("agent saves a customer: %d %v", code, body)
	}
	mine, _ := body["id"].(string)
	put := func(b *browser, nums ...string) (int, map[string]any) {
		return b.api("PUT", "/api/customers/"+mine, `{"name":"探针","numbers":["`+strings.Join(nums, `","`)+`"]}`, false)
	}

	// Ten numbers, one of them 李强's: 409 without saying which.
	nums := []string{}
	for j := range 10 {
		nums = append(nums, fmt.Sprintf("1350000%04d", j))
	}
	nums[4] = "13900139000"
	code, body = put(zhang, nums...)
	if code != http.StatusConflict || body["reason"] != "number_taken" || strings.Contains(fmt.Sprint(body), "13900139000") {
		t.Errorf("agent PUT of 10 numbers, one taken = %d %v, want 409 number_taken not naming it", code, body)
	}
	es, _ := p.db.Audit(store.AuditFilter{Limit: 1})
	if len(es) != 1 || es[0].User != "zhang" || es[0].Action != "customer_search" || es[0].Query != "13900139000" ||
		es[0].Result != "found_by_save" || es[0].Customer != cs["13900139000"].ID {
		t.Errorf("the refused save is not audited as a search that found 李强: %+v", es)
	}
	// One new number: named, as a search of it would.
	if code, body := put(zhang, "13600136000", "13900139000"); code != http.StatusConflict || !strings.Contains(fmt.Sprint(body["error"]), "13900139000") {
		t.Errorf("agent PUT adding one taken number = %d %v, want 409 naming it", code, body)
	}

	// Keep probing: 429 after the search throttle's free misses, audited.
	n := 0
	for ; n < 30; n++ {
		code, body = put(zhang, "13600136000", "13900139000")
		if code == http.StatusTooManyRequests {
			break
		}
	}
	if code != http.StatusTooManyRequests || body["reason"] != "too_many_searches" {
		t.Fatalf("after %d more saves of a taken number: %d %v, want 429 too_many_searches", n, code, body)
	}
	if es, _ := p.db.Audit(store.AuditFilter{Limit: 1}); len(es) != 1 || es[0].Result != "throttled" {
		t.Errorf("the refused save is not audited: %+v", es)
	}
	// Waiting, the agent still edits what the customer already has.
	if code, body := zhang.api("PUT", "/api/customers/"+mine, `{"name":"探针二","numbers":["13600136000"]}`, false); code != http.StatusOK {
		t.Errorf("agent's save adding no number while waiting = %d %v, want 200", code, body)
	}
	// Team leaders: named with its owner, never throttled, not audited.
	before, _ := p.db.Audit(store.AuditFilter{Limit: 1000})
	for range 15 {
		code, body = li.api("PUT", "/api/customers/"+mine, `{"name":"探针","numbers":["13600136000","13900139000","13500000001"]}`, false)
	}
	if code != http.StatusConflict || !strings.Contains(fmt.Sprint(body["error"]), "13900139000") {
		t.Errorf("team leader's PUT of a taken number = %d %v, want 409 naming it", code, body)
	}
	if after, _ := p.db.Audit(store.AuditFilter{Limit: 1000}); len(after) != len(before) {
		t.Errorf("team leader's saves audited: %d entries more", len(after)-len(before))
	}
}

// TestCustomerSearchConcurrentMissesTakeTurns: an agent's searches sent at
// once are counted one after another, so concurrency buys no misses beyond
// the throttle's free ones (before: 87 of 100 simultaneous misses were
// answered).
func TestCustomerSearchConcurrentMissesTakeTurns(t *testing.T) {
	p, _, _ := customerPanel(t)
	zhang := p.deskLogin("zhang")
	const n = 100
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	answered := map[int]int{}
	for i := range n {
		wg.Go(func() {
			<-start
			code, _ := zhang.api("GET", fmt.Sprintf("/api/customers?number=1350001%04d", i), "", false)
			mu.Lock()
			answered[code]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if answered[http.StatusNotFound] > 11 || answered[http.StatusNotFound]+answered[http.StatusTooManyRequests] != n {
		t.Errorf("%d simultaneous misses answered %v, want at most 11 (10 free, then the wait) 404 and the rest 429", n, answered)
	}
}
