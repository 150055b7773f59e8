package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/trace"
	"tracecall/web"
)

const token = "test-token"

func newServer(t *testing.T) (*httptest.Server, *store.DB) {
	t.Helper()
	db := storetest.Open(t)
	g := trace.NewGenerator(trace.DemoSeed)
	if err := db.Update(func(tx *store.Tx) error {
		for i := range 20 {
			c := g.Chain(i)
			if err := tx.PutChain(&c); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s := web.New(web.Deps{
		Store: db, Bus: event.New(nil), Token: token, DataDir: t.TempDir(),
		TraceOptions: trace.Options{CheckDigit: true, RetailMin: 20, RetailMax: 20},
	})
	ts := httptest.NewServer(s.TCPHandler())
	t.Cleanup(ts.Close)
	return ts, db
}

func do(t *testing.T, ts *httptest.Server, method, path, auth string, body []byte, v any) int {
	t.Helper()
	req, _ := http.NewRequest(method, ts.URL+path, bytes.NewReader(body))
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func TestAuth(t *testing.T) {
	ts, _ := newServer(t)
	tests := []struct {
		path, token string
		want        int
	}{
		{"/healthz", "", 200},
		{"/api/status", "", 401},
		{"/api/status", "wrong", 401},
		{"/api/calls", "", 401},
		{"/api/trace/" + trace.DemoPorkCode, "", 401},
		{"/api/status", token, 200},
	}
	for _, tt := range tests {
		if got := do(t, ts, "GET", tt.path, tt.token, nil, nil); got != tt.want {
			t.Errorf("GET %s with token %q = %d, want %d", tt.path, tt.token, got, tt.want)
		}
	}
}

func TestTraceLookup(t *testing.T) {
	ts, _ := newServer(t)
	unknown := trace.DemoCode("110106005", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC), 9999)
	bad := trace.DemoPorkCode[:19] + string("0123456789"[(trace.DemoPorkCode[19]-'0'+1)%10])
	tests := []struct {
		code       string
		want       int
		wantReason string
	}{
		{trace.DemoPorkCode, 200, ""},
		{"1234", 400, "too_short"},
		{bad, 400, "bad_check_digit"},
		{unknown, 404, "not_found"},
		{"370602240313001", 200, ""}, // the pork chain's 动物产品检疫合格证 finds it
	}
	for _, tt := range tests {
		var body struct {
			TraceCode string
			Reason    string
			Error     string
		}
		got := do(t, ts, "GET", "/api/trace/"+tt.code, token, nil, &body)
		if got != tt.want || body.Reason != tt.wantReason {
			t.Errorf("GET /api/trace/%s = %d %+v, want %d %q", tt.code, got, body, tt.want, tt.wantReason)
		}
	}
}

func TestCallsFilter(t *testing.T) {
	ts, db := newServer(t)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	for i, c := range []struct{ caller, typ string }{{"13800138000", "trace"}, {"13900139000", "ivr"}, {"13800138000", "ivr"}} {
		r := &store.CallRecord{ID: "c" + string(rune('0'+i)), Caller: c.caller, Called: "ivr", Type: c.typ, Direction: "inbound",
			Start: t0.Add(time.Duration(i) * 24 * time.Hour), Disposition: "answered"}
		if err := db.Update(func(tx *store.Tx) error { return tx.PutCall(r) }); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		query string
		want  []string
	}{
		{"", []string{"c2", "c1", "c0"}},
		{"?caller=13800138000", []string{"c2", "c0"}},
		{"?type=trace", []string{"c0"}},
		{"?from=2026-11-21&to=2026-11-21", []string{"c1"}},
		{"?from=2026-11-21", []string{"c2", "c1"}},
		{"?limit=1", []string{"c2"}},
	}
	for _, tt := range tests {
		var calls []store.CallRecord
		if code := do(t, ts, "GET", "/api/calls"+tt.query, token, nil, &calls); code != 200 {
			t.Fatalf("GET /api/calls%s = %d", tt.query, code)
		}
		var ids []string
		for _, c := range calls {
			ids = append(ids, c.ID)
		}
		if strings.Join(ids, ",") != strings.Join(tt.want, ",") {
			t.Errorf("GET /api/calls%s = %v, want %v", tt.query, ids, tt.want)
		}
	}
	if code := do(t, ts, "GET", "/api/calls?from=yesterday", token, nil, nil); code != 400 {
		t.Errorf("bad from: %d, want 400", code)
	}
}

func TestImport(t *testing.T) {
	ts, db := newServer(t)
	g := trace.NewGenerator(42)
	var good, bad bytes.Buffer
	for i := range 4 {
		c := g.Chain(5000 + i)
		b, _ := json.Marshal(c)
		good.Write(append(b, '\n'))
		if i == 2 {
			b = []byte(`{"traceCode": 12}`)
		}
		bad.Write(append(b, '\n'))
	}
	before, _ := db.CountChains()
	var res struct {
		Imported int
		Rows     []trace.RowError
	}
	if code := do(t, ts, "POST", "/api/trace/import?format=jsonl", token, bad.Bytes(), &res); code != 422 || len(res.Rows) != 1 || res.Rows[0].Line != 3 {
		t.Errorf("import with a bad line 3 = %d %+v", code, res)
	}
	if n, _ := db.CountChains(); n != before {
		t.Errorf("a rejected import changed the store: %d → %d chains", before, n)
	}
	if code := do(t, ts, "POST", "/api/trace/import?format=jsonl&partial=1", token, bad.Bytes(), &res); code != 200 || res.Imported != 3 {
		t.Errorf("partial import = %d %+v, want 3 imported", code, res)
	}
	if code := do(t, ts, "POST", "/api/trace/import?format=jsonl", token, good.Bytes(), &res); code != 200 || res.Imported != 4 {
		t.Errorf("good import = %d %+v", code, res)
	}
	if code := do(t, ts, "POST", "/api/trace/import?format=xml", token, good.Bytes(), nil); code != 400 {
		t.Errorf("unknown format: %d, want 400", code)
	}
}

func TestSimCallWithoutLines(t *testing.T) {
	ts, _ := newServer(t)
	if code := do(t, ts, "POST", "/api/sim/call", token, []byte(`{"ani":"1","dnis":"ivr"}`), nil); code != 503 {
		t.Errorf("sim call without simulated lines = %d, want 503", code)
	}
}
