package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/acd/acdstore"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/web"
	"tracecall/web/auth"
)

// demoACD is the [acd] of the tests' "config file".
var demoACD = acd.Config{
	Queues: []acd.QueueConfig{{Name: "trace", Strategy: acd.StrategyLongestIdle, WrapUp: 10 * time.Second}},
	Agents: []acd.AgentConfig{{ID: "8001", Name: "张伟", Extension: "sim:8001", Skills: map[string]int{"pork": 3}}},
}

// newACDPanel is a panel over a running ACD seeded from demoACD, which keeps
// its changes in the panel's store, as the daemon wires them.
func newACDPanel(t *testing.T) (*panel, *acd.ACD) {
	t.Helper()
	db := storetest.Open(t)
	cfg, _, err := acdstore.Seed(db, demoACD)
	if err != nil {
		t.Fatal(err)
	}
	a, err := acd.New(cfg, acd.Deps{Saver: acdstore.NewSaver(db)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = a.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	p := newPanelOn(t, db, httptest.NewServer, func(d *web.Deps) { d.ACD = a; d.Wallboard = web.WallboardFromACD(a) })
	return p, a
}

// api sends a JSON body with the bearer token (or none with tok "") and
// returns the status and the decoded answer.
func api(t *testing.T, p *panel, tok, method, path, body string) (int, any) {
	t.Helper()
	req, _ := http.NewRequest(method, p.ts.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v any
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s %s = %d, not JSON: %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, v
}

func field(v any, key string) any {
	m, _ := v.(map[string]any)
	return m[key]
}

func names(v any, key string) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := field(x, key).(string)
		out = append(out, s)
	}
	return out
}

func TestQueuesAPI(t *testing.T) {
	p, a := newACDPanel(t)
	ctx := t.Context()

	code, v := api(t, p, token, "POST", "/api/queues",
		`{"name":"veg","strategy":"linear","agents":["8001"],"ring_timeout":"15s","max_wait":90,"overflow":"queue trace"}`)
	if code != http.StatusCreated || field(v, "ring_timeout") != "15s" || field(v, "max_wait") != "1m30s" {
		t.Fatalf("POST /api/queues = %d %v", code, v)
	}
	code, v = api(t, p, token, "GET", "/api/queues", "")
	if code != 200 || !slices.Equal(names(v, "name"), []string{"trace", "veg"}) {
		t.Fatalf("GET /api/queues = %d %v", code, v)
	}
	veg := v.([]any)[1]
	if st := field(veg, "status"); field(st, "members") != 1.0 || field(st, "waiting") != 0.0 {
		t.Errorf("veg's status = %v, want 1 member and nobody waiting", st)
	}
	cfg, err := a.Config(ctx)
	if err != nil || len(cfg.Queues) != 2 || cfg.Queues[1].RingTimeout != 15*time.Second {
		t.Fatalf("ACD config = %+v, %v", cfg.Queues, err)
	}
	if stored, _, err := acdstore.Running(p.db); err != nil || len(stored.Queues) != 2 {
		t.Errorf("store has %d queues (%v), want 2", len(stored.Queues), err)
	}

	tests := []struct {
		name, method, path, body string
		code                     int
		field                    string
	}{
		{"taken", "POST", "/api/queues", `{"name":"veg"}`, http.StatusConflict, ""},
		{"negative", "POST", "/api/queues", `{"name":"x","ring_timeout":"-5s"}`, http.StatusUnprocessableEntity, "ring_timeout"},
		{"strategy", "POST", "/api/queues", `{"name":"x","strategy":"best"}`, http.StatusUnprocessableEntity, "strategy"},
		{"skill level", "POST", "/api/queues", `{"name":"x","skills":{"pork":12}}`, http.StatusUnprocessableEntity, "skills"},
		{"member", "POST", "/api/queues", `{"name":"x","agents":["ghost"]}`, http.StatusUnprocessableEntity, "agents"},
		{"name", "POST", "/api/queues", `{"name":"a/b"}`, http.StatusUnprocessableEntity, "name"},
		{"duration", "POST", "/api/queues", `{"name":"x","wrap_up":"soon"}`, http.StatusUnprocessableEntity, "wrap_up"},
		{"type", "POST", "/api/queues", `{"name":"x","priority":"high"}`, http.StatusBadRequest, "priority"},
		{"unknown", "POST", "/api/queues", `{"nme":"x"}`, http.StatusBadRequest, "nme"},
		{"rename", "PUT", "/api/queues/veg", `{"name":"fruit"}`, http.StatusUnprocessableEntity, "name"},
		{"missing", "PUT", "/api/queues/nope", `{}`, http.StatusNotFound, ""},
		{"in use", "DELETE", "/api/queues/trace", ``, http.StatusConflict, ""},
		{"extension", "POST", "/api/agents", `{"id":"li","extension":"8003"}`, http.StatusUnprocessableEntity, "extension"},
		{"username", "POST", "/api/agents", `{"id":"Li Na","extension":"sim:8003"}`, http.StatusUnprocessableEntity, "id"},
		{"role", "POST", "/api/agents", `{"id":"li","role":"boss","extension":"sim:8003"}`, http.StatusUnprocessableEntity, "role"},
		{"listed", "DELETE", "/api/agents/8001", ``, http.StatusConflict, ""},
	}
	for _, tt := range tests {
		code, v := api(t, p, token, tt.method, tt.path, tt.body)
		if code != tt.code || field(v, "error") == nil || (tt.field != "" && field(v, "field") != tt.field) {
			t.Errorf("%s: %s %s = %d %v, want %d naming %q", tt.name, tt.method, tt.path, code, v, tt.code, tt.field)
		}
	}

	code, v = api(t, p, token, "PUT", "/api/queues/veg", `{"strategy":"ring_all","agents":["8001"],"max_wait":"2m"}`)
	if code != 200 || field(v, "strategy") != "ring_all" {
		t.Errorf("PUT /api/queues/veg = %d %v", code, v)
	}
	if code, _ := api(t, p, token, "DELETE", "/api/queues/veg", ""); code != http.StatusNoContent {
		t.Errorf("DELETE /api/queues/veg = %d", code)
	}
	if cfg, _ := a.Config(ctx); len(cfg.Queues) != 1 {
		t.Errorf("after DELETE the ACD has %d queues", len(cfg.Queues))
	}
}

func TestAgentsAPI(t *testing.T) {
	p, a := newACDPanel(t)
	code, v := api(t, p, token, "POST", "/api/agents",
		`{"id":"li","name":"李娜","role":"team_leader","extension":"sip:8003","skills":{"pork":7},"priority":2}`)
	pw, _ := field(v, "password").(string)
	if code != http.StatusCreated || field(v, "user_created") != true || len(pw) < 16 {
		t.Fatalf("POST /api/agents = %d %v", code, v)
	}
	var u store.User
	_ = p.db.View(func(tx *store.Tx) (err error) { u, _, err = tx.User("li"); return err })
	if u.Role != string(auth.RoleTeamLeader) || u.DisplayName != "李娜" {
		t.Errorf("panel user = %+v, want team leader 李娜", u)
	}
	p.browser().mustLogin("li", pw) // the password shown works

	// An agent whose user exists keeps that user.
	p.addUser("wang", auth.RoleAgent, "wang-password")
	code, v = api(t, p, token, "POST", "/api/agents", `{"id":"wang","extension":"sim:8004"}`)
	if code != http.StatusCreated || field(v, "user_created") != false || field(v, "password") != nil {
		t.Errorf("POST /api/agents for an existing user = %d %v", code, v)
	}

	code, v = api(t, p, token, "GET", "/api/agents", "")
	if code != 200 || !slices.Equal(names(v, "id"), []string{"8001", "li", "wang"}) {
		t.Fatalf("GET /api/agents = %d %v", code, v)
	}
	if err := a.Login(t.Context(), "li"); err != nil {
		t.Fatal(err)
	}
	_, v = api(t, p, token, "GET", "/api/agents", "")
	if st := field(v.([]any)[1], "status"); field(st, "state") != "ready" || field(st, "reachable") != true {
		t.Errorf("li's status = %v, want ready", st)
	}

	code, v = api(t, p, token, "PUT", "/api/agents/li", `{"name":"李娜","role":"agent","extension":"sip:8005"}`)
	if code != 200 || field(v, "extension") != "sip:8005" {
		t.Errorf("PUT /api/agents/li = %d %v", code, v)
	}
	if code, _ := api(t, p, token, "DELETE", "/api/agents/wang", ""); code != http.StatusNoContent {
		t.Errorf("DELETE /api/agents/wang = %d", code)
	}
	if cfg, _ := a.Config(t.Context()); len(cfg.Agents) != 2 || cfg.Agents[1].Extension != "sip:8005" {
		t.Errorf("ACD agents = %+v", cfg.Agents)
	}
}

func TestACDAdminAccess(t *testing.T) {
	p, _ := newACDPanel(t)
	p.addUser("li", auth.RoleTeamLeader, "leader-password")
	leader := p.browser()
	leader.mustLogin("li", "leader-password")
	for _, path := range []string{"/api/queues", "/api/agents"} {
		if r := leader.get(path); r.code != 200 {
			t.Errorf("team leader GET %s = %d, want 200", path, r.code)
		}
		if code, _ := api(t, p, "", "GET", path, ""); code != http.StatusUnauthorized {
			t.Errorf("anonymous GET %s = %d, want 401", path, code)
		}
		req, _ := http.NewRequest("POST", p.ts.URL+path, strings.NewReader(`{"name":"x","id":"x","extension":"sim:1"}`))
		req.Header.Set(auth.CSRFHeader, leader.csrf)
		if r := leader.do(req); r.code != http.StatusForbidden {
			t.Errorf("team leader POST %s = %d, want 403", path, r.code)
		}
	}
	for _, path := range []string{"/admin/queues", "/admin/agents"} {
		if r := leader.get(path); r.code != http.StatusForbidden {
			t.Errorf("team leader GET %s = %d, want 403", path, r.code)
		}
	}
}

var passwordShown = regexp.MustCompile(`id="agent-password">([^<]+)<`)

func TestACDAdminPages(t *testing.T) {
	p, a := newACDPanel(t)
	p.addUser("boss", auth.RoleAdmin, "boss-password")
	b := p.browser()
	b.mustLogin("boss", "boss-password")
	ctx := t.Context()

	r := b.get("/admin/queues")
	if r.code != 200 || !strings.Contains(r.body, `id="queue-form"`) || !strings.Contains(r.body, "空闲最久") {
		t.Fatalf("GET /admin/queues = %d:\n%s", r.code, r.body)
	}
	queue := func(kv ...string) url.Values {
		f := b.form("name", "vip", "strategy", "priority", "agents", "8001", "skills", "pork:5", "widen_after", "30",
			"ring_timeout", "15", "max_no_answer", "2", "wrap_up", "5", "max_wait", "120", "max_length", "10",
			"overflow", "queue trace", "when_empty", "refuse", "priority", "3", "service_level", "30")
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	noToken := queue()
	noToken.Del("csrf_token")
	if r := b.post("/admin/queues", noToken); r.code != http.StatusForbidden {
		t.Errorf("queue form without CSRF token = %d, want 403", r.code)
	}
	if r := b.post("/admin/queues", queue("ring_timeout", "-1", "skills", "pork:12")); r.code != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "须为不小于 0 的秒数") || !strings.Contains(r.body, "等级须为 1 至 9") || !strings.Contains(r.body, `value="vip"`) {
		t.Errorf("bad queue form = %d, want 422 with the notes and the form refilled:\n%s", r.code, r.body)
	}
	if r := b.post("/admin/queues", queue()); r.code != http.StatusSeeOther {
		t.Fatalf("queue form = %d:\n%s", r.code, r.body)
	}
	cfg, _ := a.Config(ctx)
	want := acd.QueueConfig{Name: "vip", Strategy: acd.StrategyPriority, Agents: []string{"8001"}, Skills: map[string]int{"pork": 5},
		WidenAfter: 30 * time.Second, WidenStep: 1, RingTimeout: 15 * time.Second, MaxNoAnswer: 2, WrapUp: 5 * time.Second,
		MaxWait: 2 * time.Minute, MaxLength: 10, Overflow: "queue trace", WhenEmpty: acd.EmptyRefuse, Priority: 3, ServiceLevel: 30 * time.Second}
	if len(cfg.Queues) != 2 || !equalQueue(cfg.Queues[1], want) {
		t.Fatalf("queue from the form = %+v\nwant %+v", cfg.Queues, want)
	}
	if r := b.get("/admin/queues?edit=vip"); !strings.Contains(r.body, `action="/admin/queues/vip"`) || !strings.Contains(r.body, `value="pork:5"`) {
		t.Errorf("edit form not filled:\n%s", r.body)
	}
	if r := b.post("/admin/queues/vip", queue("strategy", "ring_all")); r.code != http.StatusSeeOther {
		t.Errorf("edit queue = %d:\n%s", r.code, r.body)
	}
	if cfg, _ := a.Config(ctx); cfg.Queues[1].Strategy != acd.StrategyRingAll {
		t.Errorf("edited strategy = %s", cfg.Queues[1].Strategy)
	}

	// Agents: creating one makes the panel user and shows the password once.
	agent := b.form("id", "zhao", "name", "赵敏", "role", "agent", "extension", "sim:8009", "skills", "pork:6, veg:2", "priority", "1")
	r = b.post("/admin/agents", agent)
	m := passwordShown.FindStringSubmatch(r.body)
	if r.code != 200 || m == nil {
		t.Fatalf("agent form = %d, no password shown:\n%s", r.code, r.body)
	}
	p.browser().mustLogin("zhao", m[1])
	if r := b.get("/admin/agents"); passwordShown.MatchString(r.body) || !strings.Contains(r.body, "赵敏") || !strings.Contains(r.body, "未签入") {
		t.Errorf("agents page shows the password again or lacks the agent:\n%s", r.body)
	}
	bad := b.form("id", "qian", "role", "agent", "extension", "8010")
	if r := b.post("/admin/agents", bad); r.code != http.StatusUnprocessableEntity || !strings.Contains(r.body, "sim:8001") {
		t.Errorf("bad agent form = %d:\n%s", r.code, r.body)
	}
	edit := b.form("name", "赵敏", "role", "team_leader", "extension", "sip:8009", "skills", "pork:6")
	if r := b.post("/admin/agents/zhao", edit); r.code != http.StatusSeeOther {
		t.Errorf("edit agent = %d:\n%s", r.code, r.body)
	}
	cfg, _ = a.Config(ctx)
	if i := slices.IndexFunc(cfg.Agents, func(x acd.AgentConfig) bool { return x.ID == "zhao" }); i < 0 || cfg.Agents[i].Role != acd.RoleTeamLeader {
		t.Errorf("edited agent: %+v", cfg.Agents)
	}
	if r := b.post("/admin/agents/zhao/delete", b.form()); r.code != http.StatusSeeOther {
		t.Errorf("delete agent = %d", r.code)
	}
	if r := b.post("/admin/queues/vip/delete", b.form()); r.code != http.StatusSeeOther {
		t.Errorf("delete queue = %d", r.code)
	}
	if r := b.post("/admin/queues/trace/delete", b.form()); r.code != http.StatusSeeOther {
		t.Errorf("delete queue trace = %d", r.code)
	}
	if cfg, _ := a.Config(ctx); len(cfg.Queues) != 0 || len(cfg.Agents) != 1 {
		t.Errorf("after deleting: %+v", cfg)
	}

	// Reset puts back the file's queues and agents.
	if r := b.post("/admin/acd/reset", b.form()); r.code != http.StatusSeeOther {
		t.Fatalf("reset = %d:\n%s", r.code, r.body)
	}
	if cfg, _ := a.Config(ctx); len(cfg.Queues) != 1 || cfg.Queues[0].Name != "trace" || cfg.Queues[0].WrapUp != 10*time.Second {
		t.Errorf("after reset: %+v", cfg.Queues)
	}
	if r := b.get("/wallboard"); !strings.Contains(r.body, "张伟") || !strings.Contains(r.body, "<td>trace</td>") {
		t.Errorf("wallboard lacks the ACD:\n%s", r.body)
	}
}

func equalQueue(a, b acd.QueueConfig) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestACDChangesRefused: a change of a queue or agent that is not there, or
// with no ACD in the daemon, is refused the same way by the API and the
// pages.
func TestACDChangesRefused(t *testing.T) {
	withACD, _ := newACDPanel(t)
	noACD := newPanel(t)
	queue := `{"name":"nope","strategy":"ring_all"}`
	agent := `{"id":"nope","extension":"sim:8009"}`
	tests := []struct {
		name               string
		p                  *panel
		method, path, body string
		wantCode           int
		wantReason         string
	}{
		{"list queues", noACD, "GET", "/api/queues", "", 503, "no_acd"},
		{"list agents", noACD, "GET", "/api/agents", "", 503, "no_acd"},
		{"create queue", noACD, "POST", "/api/queues", queue, 503, "no_acd"},
		{"replace agent", noACD, "PUT", "/api/agents/nope", agent, 503, "no_acd"},
		{"delete queue", noACD, "DELETE", "/api/queues/trace", "", 503, "no_acd"},
		{"delete agent", noACD, "DELETE", "/api/agents/8001", "", 503, "no_acd"},
		{"reset", noACD, "POST", "/api/acd/reset", "", 503, "no_acd"},
		{"replace unknown queue", withACD, "PUT", "/api/queues/nope", queue, 404, "not_found"},
		{"replace unknown agent", withACD, "PUT", "/api/agents/nope", agent, 404, "not_found"},
		{"delete unknown queue", withACD, "DELETE", "/api/queues/nope", "", 404, "not_found"},
		{"delete unknown agent", withACD, "DELETE", "/api/agents/nope", "", 404, "not_found"},
		{"queue with a bad field", withACD, "POST", "/api/queues", `{"name":"a b"}`, 422, "invalid"},
		{"agent with an unknown field", withACD, "POST", "/api/agents", `{"id":"x","shoe":1}`, 400, "bad_json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := api(t, tt.p, token, tt.method, tt.path, tt.body)
			if code != tt.wantCode || field(body, "reason") != tt.wantReason {
				t.Errorf("%s %s = %d %v, want %d %s", tt.method, tt.path, code, body, tt.wantCode, tt.wantReason)
			}
		})
	}

	pages := []struct {
		name     string
		p        *panel
		path     string
		wantCode int
	}{
		{"delete queue", noACD, "/admin/queues/trace/delete", 503},
		{"delete agent", noACD, "/admin/agents/8001/delete", 503},
		{"reset", noACD, "/admin/acd/reset", 503},
		{"delete unknown queue", withACD, "/admin/queues/nope/delete", 404},
		{"delete unknown agent", withACD, "/admin/agents/nope/delete", 404},
	}
	withACD.addUser("boss", auth.RoleAdmin, "boss-password")
	noACD.addUser("boss", auth.RoleAdmin, "boss-password")
	for _, tt := range pages {
		t.Run("page "+tt.name, func(t *testing.T) {
			b := tt.p.browser()
			b.mustLogin("boss", "boss-password")
			if r := b.post(tt.path, b.form()); r.code != tt.wantCode {
				t.Errorf("POST %s = %d, want %d:\n%s", tt.path, r.code, tt.wantCode, r.body)
			}
		})
	}
}
