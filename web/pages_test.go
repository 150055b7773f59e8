package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/telephony/event"
	"tracecall/web"
	"tracecall/web/auth"
)

// sseBlock reads one server-sent event block, up to its blank line.
func sseBlock(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the event stream: %v (so far %q)", err, b.String())
		}
		if line == "\n" {
			return b.String()
		}
		b.WriteString(line)
	}
}

// openEvents opens /api/events with b's session, or the bearer token when b
// is nil, and returns the stream after its opening block.
func openEvents(t *testing.T, p *panel, b *browser) *bufio.Reader {
	t.Helper()
	req, _ := http.NewRequest("GET", p.ts.URL+"/api/events", nil)
	c := p.ts.Client()
	if b == nil {
		req.Header.Set("Authorization", "Bearer "+token)
	} else {
		c = b.c
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /api/events = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	r := bufio.NewReader(resp.Body)
	if open := sseBlock(t, r); !strings.Contains(open, "retry:") {
		t.Fatalf("stream opens with %q", open)
	}
	return r
}

func TestEventsStream(t *testing.T) {
	bus := event.New(nil)
	p := newPanel(t, func(d *web.Deps) { d.Bus = bus })
	p.addUser("zhang", auth.RoleAgent, "agent-password")
	agent := p.browser()
	agent.mustLogin("zhang", "agent-password")

	admin := openEvents(t, p, nil)
	zhang := openEvents(t, p, agent)
	pub := bus.Client("test")
	pub.Publish(event.LineChanged{Base: event.Base{CallID: "c1"}, Line: "sim1", State: "ringing", Caller: "13800138000"})
	pub.Publish(event.AgentStateChanged{Agent: "wang", State: "ready"})
	pub.Publish(event.AgentStateChanged{Agent: "zhang", State: "ready"})

	if got := sseBlock(t, admin); !strings.HasPrefix(got, "event: line\ndata: {") || !strings.Contains(got, `"caller":"13800138000"`) {
		t.Errorf("admin's first event = %q, want the line with the whole number", got)
	}
	if got := sseBlock(t, zhang); !strings.HasPrefix(got, "event: agent_state\n") || !strings.Contains(got, `"agent":"zhang"`) {
		t.Errorf("agent's first event = %q, want only their own state", got)
	}
}

func TestCallsPage(t *testing.T) {
	p := newPanel(t)
	p.addUser("li", auth.RoleTeamLeader, "leader-password")
	start := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC) // 09:00 in Beijing
	for _, r := range []store.CallRecord{
		{ID: "a", Caller: "13800138000", Called: "12315", Direction: "inbound", Type: "trace", Start: start, Duration: 61, Disposition: "answered",
			Codes:   []store.CodeLookup{{Code: "11010600524112600017", Result: "found"}},
			IVRPath: []string{"trace/welcome", "trace/query", "trace/agent"}, IVRTypes: []string{"menu", "trace_query", "queue"},
			Queue: "投诉", QueueWait: 12, Agent: "zhang", AgentsTried: []string{"wang", "zhang"}},
		{ID: "b", Caller: "=cmd|' /C calc'!A0", Called: "12315", Direction: "inbound", Type: "ivr", Start: start.Add(time.Hour), Duration: 5, Disposition: "abandoned_queue"},
		{ID: "c", Caller: "13900139000", Called: "12315", Direction: "inbound", Type: "ivr", Start: start.Add(24 * time.Hour), InProgress: true},
		// An agent's feature code: not a customer's call, shown only when asked for.
		{ID: "d", Caller: "8001", Called: "*21", Direction: "inbound", Type: "feature_code", Start: start.Add(2 * time.Hour), Duration: 1, Disposition: "self_service"},
	} {
		if err := p.db.Update(func(tx *store.Tx) error { return tx.PutCall(&r) }); err != nil {
			t.Fatal(err)
		}
	}
	b := p.browser()
	b.mustLogin("li", "leader-password")
	rows := func(body string) (ids []string) {
		for _, id := range []string{"a", "b", "c", "d"} {
			if strings.Contains(body, `data-call="`+id+`"`) {
				ids = append(ids, id)
			}
		}
		return ids
	}
	tests := []struct {
		query string
		code  int
		want  string
	}{
		{"", 200, "a,b,c"},
		{"?caller=1380", 200, "a"},
		{"?type=ivr", 200, "b,c"},
		{"?disposition=abandoned_queue", 200, "b"},
		{"?disposition=abandoned", 400, ""},
		{"?type=feature_code", 200, "d"},
		{"?disposition=self_service", 200, ""},
		{"?disposition=in_progress", 200, "c"},
		{"?from=2026-11-20T09:30&to=2026-11-20", 200, "b"},
		{"?agent=wang", 200, "a"},
		{"?agent=nobody", 200, ""},
		{"?from=yesterday", 400, ""},
		{"?caller=abc", 400, ""},
		{"?type=nonsense", 400, ""},
	}
	for _, tt := range tests {
		r := b.get("/calls" + tt.query)
		if got := strings.Join(rows(r.body), ","); r.code != tt.code || got != tt.want {
			t.Errorf("GET /calls%s = %d %q, want %d %q", tt.query, r.code, got, tt.code, tt.want)
		}
	}
	r := b.get("/calls?caller=1380")
	for _, want := range []string{"2026-11-20 09:00:00", "1:01", "11010600524112600017", "查到", "投诉", "0:12", "wang, zhang", "坐席接听", "语音菜单 → 输入追溯码 → 转人工服务", `href="/calls.csv?caller=1380"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/calls lacks %q", want)
		}
	}

	csv := b.get("/calls.csv?type=ivr&lang=en")
	if csv.code != 200 || !strings.HasPrefix(csv.body, "\uFEFF") || !strings.Contains(csv.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("GET /calls.csv = %d %q %q", csv.code, csv.header.Get("Content-Type"), csv.body[:min(len(csv.body), 20)])
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(csv.body, "\uFEFF")), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "Call ID,Start,Caller") {
		t.Fatalf("CSV = %q, want a header and 2 rows", lines)
	}
	if !strings.Contains(csv.body, `'=cmd`) {
		t.Errorf("a formula-like caller was not defused:\n%s", csv.body)
	}
	if zh := b.get("/calls.csv?lang=zh"); !strings.Contains(zh.body, "主叫号码") {
		t.Errorf("Chinese CSV header missing:\n%s", zh.body)
	}
}

// board is a WallboardSource with fixed figures.
type board struct{ snap any }

func (b board) Snapshot(context.Context) (any, error) { return b.snap, nil }

func TestWallboard(t *testing.T) {
	// Today's records of the queue 投诉: four answered within its 20 s,
	// one after, one short abandon, one abandon; an agent's feature code.
	now := time.Now()
	var records []store.CallRecord
	for i, r := range []store.CallRecord{
		{Agent: "zhang", QueueWait: 5, Disposition: "answered"},
		{Agent: "zhang", QueueWait: 15, Disposition: "answered"},
		{Agent: "wang", QueueWait: 20, Disposition: "answered"},
		{Agent: "wang", QueueWait: 1, InProgress: true},
		{Agent: "zhang", QueueWait: 45, Disposition: "answered"},
		{QueueWait: 4, Disposition: "abandoned_queue"},
		{QueueWait: 75, Disposition: "abandoned_queue"},
	} {
		r.ID, r.Queue, r.Type, r.ServiceLevelTime, r.Start = fmt.Sprint("w", i), "投诉", "agent", 20, now.Add(-time.Duration(i)*time.Second)
		records = append(records, r)
	}
	records = append(records, store.CallRecord{ID: "fc", Queue: "投诉", Type: "feature_code", Agent: "zhang", Disposition: "answered", Start: now})
	tests := []struct {
		name    string
		src     web.WallboardSource
		records []store.CallRecord
		want    []string
	}{
		{"no ACD", nil, nil, []string{"未配置"}},
		{"ACD", board{web.WallboardSnapshot{
			Queues: []web.WallboardQueue{{Name: "投诉", Waiting: 3, LongestWait: 75 * time.Second, Summary: cdr.Summary{ServiceLevel: 0.8}}},
			Agents: []web.WallboardAgent{{Name: "zhang", State: "talking", Calls: 4}},
		}}, nil, []string{"投诉", "zhang", "通话中", "服务水平 ＝"}},
		// Service level 4 / (5 + 2 - 1); abandon rate 2 / (5 + 2).
		{"figures from the records", board{web.WallboardSnapshot{Queues: []web.WallboardQueue{{Name: "投诉"}}}}, records,
			[]string{`<td class="q-answered">5</td>`, `<td class="q-abandoned">2 <small>（其中短时放弃 1）</small></td>`,
				`<td class="q-service-level">67%</td>`, `<td class="q-abandon-rate">29%</td>`}},
		{"unknown snapshot", board{map[string]int{"waiting": 7}}, nil, []string{"&#34;waiting&#34;: 7"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPanel(t, func(d *web.Deps) { d.Wallboard = tt.src })
			for _, r := range tt.records {
				if err := p.db.Update(func(tx *store.Tx) error { return tx.PutCall(&r) }); err != nil {
					t.Fatal(err)
				}
			}
			p.addUser("li", auth.RoleTeamLeader, "leader-password")
			b := p.browser()
			b.mustLogin("li", "leader-password")
			r := b.get("/wallboard")
			for _, want := range tt.want {
				if r.code != 200 || !strings.Contains(r.body, want) {
					t.Errorf("GET /wallboard = %d, lacks %q", r.code, want)
				}
			}
		})
	}
}

func TestHomeLinksByRole(t *testing.T) {
	p := newPanel(t)
	p.addUser("li", auth.RoleTeamLeader, "leader-password")
	p.addUser("zhang", auth.RoleAgent, "agent-password")
	tests := []struct {
		user, pw  string
		want, not []string
	}{
		{"li", "leader-password", []string{`href="/lines"`, `href="/calls"`, `href="/wallboard"`}, []string{`href="/admin/users"`}},
		{"zhang", "agent-password", nil, []string{`href="/lines"`, `href="/calls"`, `href="/wallboard"`, `href="/admin/users"`}},
	}
	for _, tt := range tests {
		b := p.browser()
		b.mustLogin(tt.user, tt.pw)
		r := b.get("/")
		for _, w := range tt.want {
			if !strings.Contains(r.body, w) {
				t.Errorf("%s's home lacks %s", tt.user, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(r.body, w) {
				t.Errorf("%s's home links to %s", tt.user, w)
			}
		}
	}
}
