package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/desk"
	"tracecall/store"
	"tracecall/web"
	"tracecall/web/auth"
)

// recordingDesk is the call-control side of the desktop as the tests see
// it: it records what it was asked and answers fail's error for an action.
type recordingDesk struct {
	mu   sync.Mutex
	log  []string
	fail map[string]error
}

func (d *recordingDesk) did(action, agent string, args ...any) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := action + " " + agent
	for _, a := range args {
		s += fmt.Sprintf(" %v", a)
	}
	d.log = append(d.log, s)
	return d.fail[action]
}

func (d *recordingDesk) calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.log)
}

func (d *recordingDesk) Login(_ context.Context, a string) error  { return d.did("login", a) }
func (d *recordingDesk) Logout(_ context.Context, a string) error { return d.did("logout", a) }
func (d *recordingDesk) SetReady(_ context.Context, a string) error {
	return d.did("ready", a)
}
func (d *recordingDesk) SetNotReady(_ context.Context, a, reason string) error {
	return d.did("not_ready", a, reason)
}
func (d *recordingDesk) Answer(_ context.Context, a string) error { return d.did("answer", a) }
func (d *recordingDesk) Hangup(_ context.Context, a string) error { return d.did("hangup", a) }
func (d *recordingDesk) Hold(_ context.Context, a string, on bool) error {
	return d.did("hold", a, on)
}
func (d *recordingDesk) Transfer(_ context.Context, a string, to desk.Target, consult bool) error {
	return d.did("transfer", a, to.Kind, to.Value, consult)
}
func (d *recordingDesk) CompleteTransfer(_ context.Context, a string) error {
	return d.did("complete", a)
}
func (d *recordingDesk) CancelTransfer(_ context.Context, a string) error { return d.did("cancel", a) }
func (d *recordingDesk) Conference(_ context.Context, a string) error     { return d.did("conference", a) }

var _ web.Desk = (*recordingDesk)(nil)

// api sends a JSON body as the browser's session would, with the CSRF
// header unless noCSRF, and returns the status and the decoded answer.
func (b *browser) api(method, path, body string, noCSRF bool) (int, map[string]any) {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.p.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if !noCSRF {
		req.Header.Set(auth.CSRFHeader, b.csrf)
	}
	r := b.do(req)
	var out map[string]any
	_ = json.Unmarshal([]byte(r.body), &out)
	return r.code, out
}

// deskPassword is the password of deskPanel's users.
const deskPassword = "desk-password"

// deskPanel is a panel on desk d with two agents, zhang and wang, and a team
// leader, li.
func deskPanel(t *testing.T, d web.Desk) *panel {
	t.Helper()
	p := newPanel(t, func(deps *web.Deps) { deps.Desk = d })
	p.addUser("zhang", auth.RoleAgent, deskPassword)
	p.addUser("wang", auth.RoleAgent, deskPassword)
	p.addUser("li", auth.RoleTeamLeader, deskPassword)
	return p
}

// deskLogin is a browser logged in as deskPanel's user name.
func (p *panel) deskLogin(name string) *browser {
	p.t.Helper()
	b := p.browser()
	b.mustLogin(name, deskPassword)
	return b
}

func TestDeskActions(t *testing.T) {
	rd := &recordingDesk{fail: map[string]error{
		"answer":     fmt.Errorf("%w: sip: phone 8001 (baresip v1.0.0) announced neither", desk.ErrCannotAnswer),
		"cancel":     desk.ErrUnsupported,
		"conference": desk.ErrNoCall,
	}}
	p := deskPanel(t, rd)
	zhang, li := p.deskLogin("zhang"), p.deskLogin("li")

	tests := []struct {
		name       string
		b          *browser
		path, body string
		noCSRF     bool
		wantCode   int
		wantReason string
		wantDesk   string // what the desk was asked; "" for nothing
	}{
		{"login", zhang, "login", "", false, 200, "", "login zhang"},
		{"ready with {}", zhang, "ready", "{}", false, 200, "", "ready zhang"},
		{"not ready", zhang, "not_ready", `{"reason":"meal"}`, false, 200, "", "not_ready zhang meal"},
		{"not ready without reason", zhang, "not_ready", `{}`, false, 400, "bad_reason", ""},
		{"hold", zhang, "hold", `{"on":true}`, false, 200, "", "hold zhang true"},
		{"resume", zhang, "hold", `{"on":false}`, false, 200, "", "hold zhang false"},
		{"hold without on", zhang, "hold", `{}`, false, 400, "bad_hold", ""},
		{"blind to agent", zhang, "transfer", `{"target":{"kind":"agent","value":"wang"}}`, false, 200, "", "transfer zhang agent wang false"},
		{"consult to number", zhang, "transfer", `{"target":{"kind":"number","value":"+86 138-0013-8000"},"consult":true}`, false, 200, "", "transfer zhang number 13800138000 true"},
		{"duty manager", zhang, "transfer", `{"target":{"kind":"duty_manager","value":"x"},"consult":true}`, false, 200, "", "transfer zhang duty_manager  true"},
		{"queue", zhang, "transfer", `{"target":{"kind":"queue","value":"complaints"}}`, false, 200, "", "transfer zhang queue complaints false"},
		{"bad kind", zhang, "transfer", `{"target":{"kind":"moon","value":"x"}}`, false, 400, "bad_target", ""},
		{"bad number", zhang, "transfer", `{"target":{"kind":"number","value":"abc"}}`, false, 400, "bad_target", ""},
		{"no target", zhang, "transfer", `{}`, false, 400, "bad_target", ""},
		{"complete", zhang, "transfer/complete", "", false, 200, "", "complete zhang"},
		{"unsupported", zhang, "transfer/cancel", "", false, 409, "unsupported", "cancel zhang"},
		{"hangup", zhang, "hangup", "", false, 200, "", "hangup zhang"},
		{"phone cannot be answered", zhang, "answer", "", false, 409, "no_remote_answer", "answer zhang"},
		{"no call", zhang, "conference", "", false, 409, "no_call", "conference zhang"},
		{"agent for another agent", zhang, "logout", `{"agent":"wang"}`, false, 403, "not_yours", ""},
		{"agent naming themself", zhang, "logout", `{"agent":"zhang"}`, false, 200, "", "logout zhang"},
		{"leader for an agent", li, "not_ready", `{"agent":"zhang","reason":"training"}`, false, 200, "", "not_ready zhang training"},
		{"missing CSRF", zhang, "ready", "{}", true, 403, "csrf", ""},
		{"bad JSON", zhang, "ready", `{"agent":`, false, 400, "bad_json", ""},
		{"unknown field", zhang, "ready", `{"agnet":"wang"}`, false, 400, "bad_json", ""},
		{"two values", zhang, "ready", `{} {}`, false, 400, "bad_json", ""},
		{"too big", zhang, "ready", `{"reason":"` + strings.Repeat("x", 20<<10) + `"}`, false, 413, "body_too_large", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rd.calls())
			code, body := tt.b.api("POST", "/api/desk/"+tt.path, tt.body, tt.noCSRF)
			if code != tt.wantCode || (tt.wantReason != "" && body["reason"] != tt.wantReason) {
				t.Errorf("POST %s %s = %d %v, want %d %s", tt.path, tt.body, code, body, tt.wantCode, tt.wantReason)
			}
			got := rd.calls()[before:]
			switch {
			case tt.wantDesk == "" && len(got) > 0:
				t.Errorf("desk asked %v, want nothing", got)
			case tt.wantDesk != "" && (len(got) != 1 || got[0] != tt.wantDesk):
				t.Errorf("desk asked %v, want %q", got, tt.wantDesk)
			}
		})
	}

	t.Run("anonymous", func(t *testing.T) {
		for _, path := range []string{"/api/desk/ready", "/api/customers", "/api/calls/c1/notes"} {
			resp, err := http.Post(p.ts.URL+path, "application/json", strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous POST %s = %d, want 401", path, resp.StatusCode)
			}
		}
	})
	t.Run("bearer token names the agent", func(t *testing.T) {
		req, _ := http.NewRequest("POST", p.ts.URL+"/api/desk/ready", strings.NewReader(`{"agent":"wang"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if c := rd.calls(); resp.StatusCode != 200 || c[len(c)-1] != "ready wang" {
			t.Errorf("token POST ready for wang = %d, desk %v", resp.StatusCode, c[len(c)-1])
		}
	})
}

func TestDeskWithoutCallControl(t *testing.T) {
	p := deskPanel(t, nil)
	b := p.deskLogin("zhang")
	if code, body := b.api("POST", "/api/desk/ready", "", false); code != http.StatusServiceUnavailable || body["reason"] != "no_desk" {
		t.Errorf("ready without a desk = %d %v, want 503 no_desk", code, body)
	}
	r := b.get("/agent")
	if r.code != 200 || !strings.Contains(r.body, `id="no-desk"`) || !strings.Contains(r.body, `id="btn-answer"`) {
		t.Errorf("GET /agent = %d, want the page saying call control is missing", r.code)
	}
	code, st := b.api("GET", "/api/desk/state", "", false)
	if code != 200 || st["agent"] != "zhang" || st["desk"] != false || st["pop"] != nil {
		t.Errorf("desk state = %d %v", code, st)
	}
	if code, _ := b.api("GET", "/api/desk/state?agent=wang", "", false); code != http.StatusForbidden {
		t.Errorf("agent reading another's desk state = %d, want 403", code)
	}
}

func TestCustomersAPI(t *testing.T) {
	p := deskPanel(t, nil)
	b := p.deskLogin("zhang")

	code, c := b.api("POST", "/api/customers", `{"numbers":["138 0013 8000"],"name":"王芳","class":"vip","company":"东安街菜市场"}`, false)
	if code != http.StatusCreated || c["id"] == nil || c["updatedBy"] != "zhang" {
		t.Fatalf("create = %d %v", code, c)
	}
	id := c["id"].(string)
	code, got := b.api("GET", "/api/customers?number=%2B8613800138000", "", false)
	if code != 200 || got["id"] != id || got["class"] != "vip" {
		t.Errorf("lookup by +86 number = %d %v", code, got)
	}
	if code, got := b.api("GET", "/api/customers/"+id, "", false); code != 200 || got["name"] != "王芳" {
		t.Errorf("get = %d %v", code, got)
	}
	code, got = b.api("PUT", "/api/customers/"+id, `{"numbers":["13800138000","13700137000"],"name":"王芳","notes":"常客"}`, false)
	if code != 200 || got["class"] != "normal" || got["notes"] != "常客" {
		t.Errorf("update = %d %v", code, got)
	}
	tests := []struct {
		name, method, path, body string
		noCSRF                   bool
		want                     int
		reason                   string
	}{
		{"number taken", "POST", "/api/customers", `{"numbers":["13700137000"],"name":"别人"}`, false, 409, "number_taken"},
		{"no name", "POST", "/api/customers", `{"numbers":["13900139000"]}`, false, 400, "no_name"},
		{"bad number", "POST", "/api/customers", `{"numbers":["hello"],"name":"x"}`, false, 400, "bad_number"},
		{"bad class", "POST", "/api/customers", `{"numbers":["13900139000"],"name":"x","class":"gold"}`, false, 400, "bad_class"},
		{"bad JSON", "POST", "/api/customers", `[`, false, 400, "bad_json"},
		{"missing CSRF", "POST", "/api/customers", `{"numbers":["13900139000"],"name":"x"}`, true, 403, "csrf"},
		{"update another's", "PUT", "/api/customers/404", `{"numbers":["13900139000"],"name":"x"}`, false, 403, "not_yours"},
		{"unknown number", "GET", "/api/customers?number=13900139000", "", false, 404, "not_found"},
		{"not a number", "GET", "/api/customers?number=abc", "", false, 400, "bad_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := b.api(tt.method, tt.path, tt.body, tt.noCSRF)
			if code != tt.want || body["reason"] != tt.reason {
				t.Errorf("%s %s = %d %v, want %d %s", tt.method, tt.path, code, body, tt.want, tt.reason)
			}
		})
	}
}

func TestCallNotes(t *testing.T) {
	p := deskPanel(t, nil)
	start := time.Date(2026, 11, 24, 1, 0, 0, 0, time.UTC)
	rec := &store.CallRecord{ID: "c1", Caller: "13800138000", Start: start, InProgress: true, Agent: "zhang", AgentsTried: []string{"zhang"}}
	if err := p.db.Update(func(tx *store.Tx) error { return tx.PutCall(rec) }); err != nil {
		t.Fatal(err)
	}
	zhang, wang, li := p.deskLogin("zhang"), p.deskLogin("wang"), p.deskLogin("li")

	tests := []struct {
		name       string
		b          *browser
		path, body string
		want       int
		reason     string
	}{
		{"the agent who took it", zhang, "/api/calls/c1/notes", `{"text":"询问猪肉产地，已告知"}`, 201, ""},
		{"another agent", wang, "/api/calls/c1/notes", `{"text":"x"}`, 403, "not_yours"},
		{"team leader", li, "/api/calls/c1/notes", `{"text":"已回访"}`, 201, ""},
		{"empty", zhang, "/api/calls/c1/notes", `{"text":"  "}`, 400, "bad_text"},
		{"control characters", zhang, "/api/calls/c1/notes", `{"text":"a\u0007b"}`, 400, "bad_text"},
		{"too long", zhang, "/api/calls/c1/notes", `{"text":"` + strings.Repeat("长", 2001) + `"}`, 400, "too_long"},
		{"no such call", zhang, "/api/calls/c9/notes", `{"text":"x"}`, 404, "not_found"},
		{"bad JSON", zhang, "/api/calls/c1/notes", `{"text":1}`, 400, "bad_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := tt.b.api("POST", tt.path, tt.body, false)
			if code != tt.want || (tt.reason != "" && body["reason"] != tt.reason) {
				t.Errorf("POST %s = %d %v, want %d %s", tt.body, code, body, tt.want, tt.reason)
			}
		})
	}
	if code, _ := zhang.api("POST", "/api/calls/c1/notes", `{"text":"x"}`, true); code != http.StatusForbidden {
		t.Errorf("note without CSRF = %d, want 403", code)
	}

	// The cdr writer stores its in-memory record again: the notes stay.
	rec.InProgress, rec.Disposition, rec.End = false, "answered", start.Add(3*time.Minute)
	if err := p.db.Update(func(tx *store.Tx) error { return tx.PutCall(rec) }); err != nil {
		t.Fatal(err)
	}
	var got store.CallRecord
	r := li.get("/api/calls/c1")
	if err := json.Unmarshal([]byte(r.body), &got); err != nil || len(got.Notes) != 2 || got.Notes[0].Agent != "zhang" || got.Disposition != "answered" {
		t.Fatalf("GET /api/calls/c1 = %s", r.body)
	}
	if page := li.get("/calls"); !strings.Contains(page.body, "zhang: 询问猪肉产地，已告知") || !strings.Contains(page.body, "话后记录") {
		t.Errorf("the records page lacks the notes")
	}
	csv := li.get("/calls.csv")
	if !strings.Contains(csv.body, "zhang: 询问猪肉产地，已告知\nli: 已回访") || !bytes.Contains([]byte(csv.body), []byte("话后记录")) {
		t.Errorf("calls.csv lacks the notes:\n%s", csv.body)
	}
}
