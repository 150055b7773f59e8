package web_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/throttle"
	"tracecall/web"
	"tracecall/web/auth"
)

// browserFrom is a browser whose connections come from ip, another
// loopback address (Linux answers on all of 127.0.0.0/8): another desk.
func (p *panel) browserFrom(ip string) *browser {
	b := p.browser()
	tr := p.ts.Client().Transport.(*http.Transport).Clone()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	tr.DialContext = d.DialContext
	jar, _ := cookiejar.New(nil)
	b.c = &http.Client{Transport: tr, Jar: jar, CheckRedirect: b.c.CheckRedirect}
	return b
}

// shanghai is the panel's zone in these tests.
func shanghai(t *testing.T) panelOption {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return func(d *web.Deps) { d.Location = loc }
}

// retryAfter is a refused login's Retry-After, in seconds.
func retryAfter(t *testing.T, r response) time.Duration {
	t.Helper()
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil {
		t.Fatalf("login %d without a usable Retry-After (%q)", r.code, r.header.Get("Retry-After"))
	}
	return time.Duration(n) * time.Second
}

var alertText = regexp.MustCompile(`role="alert">([^<]+)<`)

func TestLoginWaitMessage(t *testing.T) {
	tests := []struct {
		lang    string
		wantMsg []string
	}{
		{"zh", []string{"登录失败次数过多", "请等待 1 秒后再试", "或在设备控制台运行", "<code>tracectl user unlock li</code>"}},
		{"en", []string{"Too many failed logins", "Wait 1 s before trying again", "on the appliance&#39;s console run", "<code>tracectl user unlock li</code>"}},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			p := newPanel(t)
			p.addUser("li", auth.RoleTeamLeader, "right-password")
			b := p.browser()
			b.get("/login?lang=" + tt.lang)
			for i := range 5 { // free
				if r := b.login("li", "wrong"); r.code != http.StatusUnauthorized || r.header.Get("Retry-After") != "" {
					t.Fatalf("wrong password %d = %d, Retry-After %q; want 401 and none", i+1, r.code, r.header.Get("Retry-After"))
				}
			}
			r := b.login("li", "wrong")
			if r.code != http.StatusUnauthorized || retryAfter(t, r) != time.Second {
				t.Fatalf("sixth wrong password = %d, Retry-After %q; want 401 and 1 s", r.code, r.header.Get("Retry-After"))
			}
			p.clock.Add(500 * time.Millisecond)
			r = b.login("li", "right-password")
			if r.code != http.StatusTooManyRequests || retryAfter(t, r) != time.Second {
				t.Fatalf("right password during the wait = %d, Retry-After %q; want 429 and 1 s", r.code, r.header.Get("Retry-After"))
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(r.body, w) {
					t.Errorf("refusal lacks %q:\n%s", w, alertText.FindString(r.body)+r.body[strings.Index(r.body, "login-console"):])
				}
			}
			p.clock.Add(500 * time.Millisecond)
			b.mustLogin("li", "right-password")
		})
	}
}

// TestGuessingSlowsToACrawl guesses the admin's password a thousand times
// from one address through the real panel, as fast as the panel allows
// (the clock jumps each wait instead of sleeping), and then logs the admin
// in from another desk.
func TestGuessingSlowsToACrawl(t *testing.T) {
	p := newPanel(t, shanghai(t))
	p.addUser("admin", auth.RoleAdmin, "the-admin-password")
	p.addUser("zhang", auth.RoleAgent, "the-agent-password")
	start := p.clock.Now()
	attacker := p.browser() // 127.0.0.1
	// The attacker tries once more at once after every refusal, and then
	// waits just as long as it is told.
	checked, refused, wait := 0, 0, time.Duration(0)
	for checked < 1000 {
		r := attacker.login("admin", "guess-"+strconv.Itoa(checked))
		switch r.code {
		case http.StatusUnauthorized:
			checked++
		case http.StatusTooManyRequests:
			refused++
		default:
			t.Fatalf("guess %d = %d", checked+1, r.code)
		}
		if r.header.Get("Retry-After") == "" {
			continue
		}
		if r.code == http.StatusUnauthorized && checked < 1000 {
			if again := attacker.login("admin", "impatient"); again.code != http.StatusTooManyRequests {
				t.Fatalf("a guess straight after guess %d = %d, want 429", checked, again.code)
			}
			refused++
		}
		if checked < 1000 {
			wait = retryAfter(t, r)
			p.clock.Add(wait)
		}
	}
	took := p.clock.Now().Sub(start)
	t.Logf("1,000 guesses from one address: %v of the attacker's time (%.1f days); %d early attempts refused unchecked", took, took.Hours()/24, refused)
	if floor := 980 * auth.DefaultByAddress.Max; took < floor {
		t.Errorf("1,000 guesses took %v; want at least %v (the address's ceiling is %v a guess)", took, floor, auth.DefaultByAddress.Max)
	}
	if n := strings.Count(p.log.String(), "login lockout"); n != 2 {
		t.Errorf("%d lockout lines for one address guessing one account, want 2 (one each)", n)
	}

	// The attacker's address waits even with the right password...
	if r := attacker.login("admin", "the-admin-password"); r.code != http.StatusTooManyRequests {
		t.Errorf("the right password from the guessing address = %d, want 429", r.code)
	}
	// ...while the admin at another desk gets in at once.
	admin := p.browserFrom("127.0.0.2")
	admin.mustLogin("admin", "the-admin-password")

	// The admin sees the guessing on the security page, in Shanghai time.
	page := admin.get("/admin/security")
	if page.code != 200 {
		t.Fatalf("security page = %d", page.code)
	}
	for _, want := range []string{"<code>127.0.0.1</code>", "网页登录（按地址）", "网页登录（按账户）", "需等待至", "解除"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("security page lacks %q", want)
		}
	}
	last := p.clock.Now().In(mustShanghai(t)).Format("2006-01-02 15:04")
	if !strings.Contains(page.body, last) {
		t.Errorf("security page lacks the last failure in Shanghai time, %s", last)
	}

	// An agent may not see it, nor its API.
	agent := p.browserFrom("127.0.0.3")
	agent.mustLogin("zhang", "the-agent-password")
	if r := agent.get("/admin/security"); r.code != http.StatusForbidden {
		t.Errorf("agent GET /admin/security = %d, want 403", r.code)
	}
	if r := agent.get("/api/security/throttles"); r.code != http.StatusForbidden {
		t.Errorf("agent GET /api/security/throttles = %d, want 403", r.code)
	}
	if strings.Contains(agent.get("/").body, "/admin/security") {
		t.Error("the agent's menu offers the security page")
	}

	// Lifting needs the CSRF token, and is logged.
	if r := admin.post("/admin/security/lift", url.Values{"source": {auth.ThrottleByAddress}, "key": {"127.0.0.1"}}); r.code != http.StatusForbidden {
		t.Errorf("lift without CSRF token = %d, want 403", r.code)
	}
	r := admin.post("/admin/security/lift", admin.form("source", auth.ThrottleByAddress, "key", "127.0.0.1"))
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/admin/security?done=lifted" {
		t.Fatalf("lift = %d %q", r.code, r.header.Get("Location"))
	}
	if !regexp.MustCompile(`"throttle lifted" by=admin .*lifted="\[panel_address 127.0.0.1\]"`).MatchString(p.log.String()) {
		t.Errorf("the lift is not logged with who and what:\n%s", lastLines(p.log.String(), 5))
	}
	if r := admin.post("/admin/security/lift", admin.form("source", auth.ThrottleByAddress, "key", "127.0.0.1")); r.code != http.StatusNotFound || !strings.Contains(r.body, "已没有失败记录") {
		t.Errorf("lifting it again = %d, want 404 saying it is gone", r.code)
	}
	// Lifted, the address has a clean record again: the right password
	// works at once, though the account still has its failures.
	attacker.mustLogin("admin", "the-admin-password")
}

func mustShanghai(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// lastLines is the last n lines of s, for a failure message.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// viewOnly is a throttle that cannot be lifted from the panel.
type viewOnly []throttle.Entry

func (v viewOnly) Snapshot() []throttle.Entry { return v }

func TestOtherThrottlesShown(t *testing.T) {
	var p *panel
	sip := throttle.New(throttle.Config{Now: func() time.Time { return p.clock.Now() }})
	p = newPanel(t, func(d *web.Deps) {
		d.Throttles = []web.ThrottleSource{
			{Name: "sip_address", Throttle: sip},
			{Name: "sip_account", Throttle: viewOnly{{Key: "8001", Failures: 3}}},
		}
	})
	p.addUser("admin", auth.RoleAdmin, "the-admin-password")
	for range 6 {
		sip.Record("198.51.100.7", "8001")
	}
	admin := p.browser()
	admin.mustLogin("admin", "the-admin-password")
	page := admin.get("/admin/security?lang=en")
	for _, want := range []string{"SIP phone authentication, by address", "<code>198.51.100.7</code>", "SIP phone authentication, by account", "<code>8001</code>", "cannot be lifted here", "Agents&#39; customer searches by number"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("security page lacks %q", want)
		}
	}

	var got []struct {
		Source  string
		CanLift bool
		Entries []struct {
			Key      string
			Failures int
			Waiting  bool
			Notes    []string
		}
	}
	if code := do(t, p.ts, "GET", "/api/security/throttles", token, nil, &got); code != 200 || len(got) != 5 {
		t.Fatalf("GET /api/security/throttles = %d, %+v", code, got)
	}
	if s := got[2]; s.Source != web.ThrottleSearch || !s.CanLift {
		t.Errorf("the agents' searches in the API: %+v", s)
	}
	if s := got[3]; s.Source != "sip_address" || !s.CanLift || len(s.Entries) != 1 || s.Entries[0].Failures != 6 || !s.Entries[0].Waiting || s.Entries[0].Notes[0] != "8001" {
		t.Errorf("sip_address in the API: %+v", s)
	}
	if s := got[4]; s.Source != "sip_account" || s.CanLift {
		t.Errorf("sip_account in the API: %+v", s)
	}

	tests := []struct {
		name     string
		body     string
		wantCode int
	}{
		{"nothing named", `{}`, http.StatusBadRequest},
		{"unknown field", `{"address":"x"}`, http.StatusBadRequest},
		{"unknown source", `{"source":"nope","all":true}`, http.StatusNotFound},
		{"view-only source", `{"source":"sip_account","key":"8001"}`, http.StatusConflict},
		{"no such key", `{"key":"203.0.113.1"}`, http.StatusNotFound},
		{"a key in every source", `{"key":"198.51.100.7"}`, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body struct{ Error, Reason string }
			if code := do(t, p.ts, "POST", "/api/security/lift", token, []byte(tt.body), &body); code != tt.wantCode {
				t.Errorf("lift %s = %d %+v, want %d", tt.body, code, body, tt.wantCode)
			}
		})
	}
	if n := sip.Failures("198.51.100.7"); n != 0 {
		t.Errorf("sip address still has %d failures after its lift", n)
	}
}

func TestSocketUserRescue(t *testing.T) {
	p := newPanel(t)
	p.addUser("admin", auth.RoleAdmin, "the-admin-password")
	for range 8 {
		p.browser().login("admin", "wrong")
	}
	sock := httptest.NewServer(p.srv.SocketHandler())
	defer sock.Close()
	post := func(method, path, body string) (int, map[string]any) {
		req, _ := http.NewRequestWithContext(context.Background(), method, sock.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	if code, v := post("POST", "/api/users/admin/unlock", ""); code != 200 || !strings.Contains(jsonText(v), "address 127.0.0.1") {
		t.Errorf("unlock over the socket = %d %v", code, v)
	}
	if code, _ := post("POST", "/api/users/nobody/unlock", ""); code != http.StatusNotFound {
		t.Errorf("unlock nobody = %d, want 404", code)
	}
	if code, v := post("PUT", "/api/users/admin/password", `{"password":"short"}`); code != http.StatusBadRequest || v["reason"] != "bad_password" {
		t.Errorf("short password = %d %v", code, v)
	}
	if code, _ := post("PUT", "/api/users/admin/password", `{"password":"a-new-admin-password"}`); code != 200 {
		t.Errorf("password reset over the socket = %d", code)
	}
	p.browser().mustLogin("admin", "a-new-admin-password")
	if !strings.Contains(p.log.String(), "by=socket") {
		t.Error("the socket's actions are not logged as the socket's")
	}
}

func jsonText(v any) string { b, _ := json.Marshal(v); return string(b) }

// FuzzSecurityAPI sends any body to the console's routes on the socket:
// the answer is never a 5xx, and nothing panics.
func FuzzSecurityAPI(f *testing.F) {
	for _, s := range []string{
		`{"source":"panel_address","key":"10.0.0.1"}`, `{"all":true}`, `{"key":""}`, `{"source":1}`,
		`{"password":"a-long-enough-one"}`, `{"password":"x"}`, `{}{}`, `[`, "", "\x00",
	} {
		f.Add(uint8(0), s)
		f.Add(uint8(1), s)
	}
	db := storetest.Open(f)
	cfg := auth.Config{Params: auth.TestParams()}
	if err := auth.New(db, cfg, nil).CreateUser(context.Background(), auth.NewUser{Username: "admin", Role: auth.RoleAdmin, Password: "the-admin-password"}); err != nil {
		f.Fatal(err)
	}
	h := web.New(web.Deps{Store: db, Bus: event.New(nil), DataDir: f.TempDir(), Auth: cfg}).SocketHandler()
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		method, path := "POST", "/api/security/lift"
		if route%2 == 1 {
			method, path = "PUT", "/api/users/admin/password"
		}
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s %q = %d %s", method, path, body, rec.Code, rec.Body)
		}
	})
}
