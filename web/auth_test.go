package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web"
	"tracecall/web/auth"
)

// clock is a settable time for the auth layer's timeouts and lockouts.
type clock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a log sink the handlers' goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string { b.mu.Lock(); defer b.mu.Unlock(); return b.buf.String() }

// panel is a web server over a fresh store with cheap password hashing and
// a clock the test moves.
type panel struct {
	t     *testing.T
	db    *store.DB
	srv   *web.Server
	ts    *httptest.Server
	clock *clock
	log   *syncBuffer
	users *auth.Auth // to make users directly
}

type panelOption func(*web.Deps)

func newPanel(t *testing.T, opts ...panelOption) *panel {
	t.Helper()
	return newPanelOn(t, storetest.Open(t), httptest.NewServer, opts...)
}

func newPanelOn(t *testing.T, db *store.DB, start func(http.Handler) *httptest.Server, opts ...panelOption) *panel {
	t.Helper()
	p := &panel{t: t, db: db, clock: &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}, log: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(p.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := web.Deps{
		Store: db, Bus: event.New(nil), Token: token, DataDir: t.TempDir(), Log: log,
		Auth: auth.Config{Params: auth.TestParams(), Now: p.clock.Now},
	}
	for _, o := range opts {
		o(&d)
	}
	p.srv = web.New(d)
	p.ts = start(p.srv.TCPHandler())
	t.Cleanup(p.ts.Close)
	p.users = auth.New(db, auth.Config{Params: auth.TestParams(), Now: p.clock.Now}, nil)
	return p
}

func (p *panel) addUser(name string, role auth.Role, pw string) {
	p.t.Helper()
	if err := p.users.CreateUser(context.Background(), auth.NewUser{Username: name, Role: role, Password: pw}); err != nil {
		p.t.Fatal(err)
	}
}

// browser is a client with a cookie jar that does not follow redirects.
type browser struct {
	t    *testing.T
	p    *panel
	c    *http.Client
	csrf string // the session's CSRF token, from the last page that had one
}

func (p *panel) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := noRedirects(p.ts)
	c.Jar = jar
	return &browser{t: p.t, p: p, c: c}
}

// noRedirects is a client for ts that returns redirects instead of following them.
func noRedirects(ts *httptest.Server) *http.Client {
	return &http.Client{
		Transport:     ts.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type response struct {
	code   int
	body   string
	header http.Header
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(body); m != nil && req.URL.Path != "/login" {
		b.csrf = string(m[1])
	}
	return response{resp.StatusCode, string(body), resp.Header}
}

func (b *browser) get(path string) response {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.p.ts.URL+path, nil)
	return b.do(req)
}

// post sends form to path, as is: the caller adds csrf_token if it wants one.
func (b *browser) post(path string, form url.Values) response {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.p.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// form is url.Values with the session's CSRF token.
func (b *browser) form(kv ...string) url.Values {
	v := url.Values{"csrf_token": {b.csrf}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// login fills in the login form as a person would and returns the answer.
func (b *browser) login(user, pw string) response {
	b.t.Helper()
	page := b.get("/login")
	m := csrfField.FindStringSubmatch(page.body)
	if page.code != 200 || m == nil {
		b.t.Fatalf("GET /login = %d, no form token:\n%s", page.code, page.body)
	}
	r := b.post("/login", url.Values{"csrf_token": {m[1]}, "username": {user}, "password": {pw}})
	if r.code == http.StatusSeeOther {
		b.get("/") // pick up the session's CSRF token
	}
	return r
}

func (b *browser) mustLogin(user, pw string) {
	b.t.Helper()
	if r := b.login(user, pw); r.code != http.StatusSeeOther {
		b.t.Fatalf("login %s = %d, want 303:\n%s", user, r.code, r.body)
	}
}

func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.p.ts.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == auth.SessionCookie {
			return c.Value
		}
	}
	return ""
}

func TestFirstAdminPrintedOnce(t *testing.T) {
	db := storetest.Open(t)
	var out, logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	created, err := auth.EnsureAdmin(db, log, &out)
	if err != nil || !created {
		t.Fatalf("EnsureAdmin on an empty store = %v, %v", created, err)
	}
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
	if m == nil || len(m[1]) != 16 {
		t.Fatalf("no 16-character password printed:\n%s", out.String())
	}
	pw := m[1]
	if strings.Contains(logs.String(), pw) {
		t.Errorf("the password reached the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "printed") {
		t.Errorf("the log does not say where the password went:\n%s", logs.String())
	}

	var again bytes.Buffer
	if created, err := auth.EnsureAdmin(db, log, &again); err != nil || created || again.Len() != 0 {
		t.Errorf("second EnsureAdmin = %v, %v, printed %q; want nothing", created, err, again.String())
	}

	p := newPanelOn(t, db, httptest.NewServer)
	b := p.browser()
	b.mustLogin("admin", pw)
	if r := b.get("/admin/users"); r.code != 200 || !strings.Contains(r.body, "<code>admin</code>") {
		t.Errorf("admin's users page = %d", r.code)
	}
}

func TestLogin(t *testing.T) {
	p := newPanel(t)
	p.addUser("zhang", auth.RoleAgent, "right-password")
	b := p.browser()

	bad := b.login("zhang", "wrong-password")
	unknown := b.login("nobody", "wrong-password")
	if bad.code != http.StatusUnauthorized || unknown.code != http.StatusUnauthorized {
		t.Fatalf("bad logins = %d, %d; want 401", bad.code, unknown.code)
	}
	msg := regexp.MustCompile(`role="alert">([^<]+)<`)
	mb, mu := msg.FindStringSubmatch(bad.body), msg.FindStringSubmatch(unknown.body)
	if mb == nil || mu == nil || mb[1] != mu[1] {
		t.Errorf("wrong password and unknown user give different messages: %q, %q", mb, mu)
	}
	if b.sessionCookie() != "" {
		t.Error("a failed login set a session cookie")
	}

	if r := b.get("/"); r.code != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("GET / before login = %d %s, want a redirect to /login", r.code, r.header.Get("Location"))
	}
	r := b.login("Zhang ", "right-password") // usernames are not case-sensitive
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/" {
		t.Fatalf("good login = %d %q, want 303 to /", r.code, r.header.Get("Location"))
	}
	home := b.get("/")
	if home.code != 200 || !strings.Contains(home.body, "<code>zhang</code>") || !strings.Contains(home.body, "普通席") {
		t.Errorf("home after login = %d:\n%s", home.code, home.body)
	}
	var me map[string]string
	if err := json.Unmarshal([]byte(b.get("/api/me").body), &me); err != nil || me["username"] != "zhang" || me["via"] != "session" {
		t.Errorf("/api/me = %v %v", me, err)
	}
	if !strings.Contains(p.log.String(), "remote=127.0.0.1") {
		t.Errorf("failed logins are not logged with the source address:\n%s", p.log.String())
	}
}

func TestLoginRedirectsBack(t *testing.T) {
	p := newPanel(t)
	p.addUser("admin", auth.RoleAdmin, "right-password")
	b := p.browser()
	r := b.get("/admin/users?x=1")
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fadmin%2Fusers%3Fx%3D1" {
		t.Fatalf("GET /admin/users anonymous = %d %q", r.code, r.header.Get("Location"))
	}
	page := b.get(r.header.Get("Location"))
	token := csrfField.FindStringSubmatch(page.body)[1]
	next := regexp.MustCompile(`name="next" value="([^"]+)"`).FindStringSubmatch(page.body)
	if next == nil {
		t.Fatalf("login page keeps no next:\n%s", page.body)
	}
	r = b.post("/login", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {"right-password"}, "next": {"/admin/users?x=1"}})
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/admin/users?x=1" {
		t.Errorf("login with next = %d %q", r.code, r.header.Get("Location"))
	}
	b2 := p.browser()
	page = b2.get("/login")
	token = csrfField.FindStringSubmatch(page.body)[1]
	r = b2.post("/login", url.Values{"csrf_token": {token}, "username": {"admin"}, "password": {"right-password"}, "next": {"//evil.example/"}})
	if r.header.Get("Location") != "/" {
		t.Errorf("login with next=//evil.example/ went to %q", r.header.Get("Location"))
	}
}

func TestSessionCookie(t *testing.T) {
	tests := []struct {
		name       string
		start      func(http.Handler) *httptest.Server
		opt        panelOption
		wantSecure bool
	}{
		{"plain HTTP", httptest.NewServer, nil, false},
		{"TLS", httptest.NewTLSServer, nil, true},
		{"plain HTTP, SecureCookies", httptest.NewServer, func(d *web.Deps) { d.Auth.SecureCookies = true }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []panelOption
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			p := newPanelOn(t, storetest.Open(t), tt.start, opts...)
			p.addUser("zhang", auth.RoleAgent, "right-password")
			c := noRedirects(p.ts)
			resp, err := c.Get(p.ts.URL + "/login")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var loginCookie *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == auth.LoginCookie {
					loginCookie = ck
				}
			}
			if loginCookie == nil {
				t.Fatal("GET /login set no login cookie")
			}
			form := url.Values{"csrf_token": {csrfField.FindStringSubmatch(string(body))[1]}, "username": {"zhang"}, "password": {"right-password"}}
			req, _ := http.NewRequest("POST", p.ts.URL+"/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(loginCookie)
			resp, err = c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var sc *http.Cookie
			for _, ck := range resp.Cookies() {
				if ck.Name == auth.SessionCookie {
					sc = ck
				}
			}
			if resp.StatusCode != http.StatusSeeOther || sc == nil {
				t.Fatalf("login = %d, session cookie %v", resp.StatusCode, sc)
			}
			if !sc.HttpOnly || sc.SameSite != http.SameSiteStrictMode || sc.Path != "/" || sc.Secure != tt.wantSecure {
				t.Errorf("session cookie %q: HttpOnly %v SameSite %v Path %q Secure %v; want HttpOnly, Strict, /, Secure %v",
					sc.Raw, sc.HttpOnly, sc.SameSite, sc.Path, sc.Secure, tt.wantSecure)
			}
			if len(sc.Value) < 43 {
				t.Errorf("session ID %q is short", sc.Value)
			}
			if !loginCookie.HttpOnly || loginCookie.SameSite != http.SameSiteStrictMode || loginCookie.Secure != tt.wantSecure {
				t.Errorf("login cookie %q lacks HttpOnly, Strict or the right Secure", loginCookie.Raw)
			}
		})
	}
}

func TestCSRF(t *testing.T) {
	p := newPanel(t)
	p.addUser("admin", auth.RoleAdmin, "right-password")
	b := p.browser()
	b.mustLogin("admin", "right-password")
	create := func(name string) url.Values {
		return url.Values{"username": {name}, "role": {"agent"}, "password": {"agent-password"}}
	}
	exists := func(name string) bool {
		var ok bool
		_ = p.db.View(func(tx *store.Tx) (err error) { _, ok, err = tx.User(name); return err })
		return ok
	}

	if r := b.post("/admin/users", create("wang")); r.code != http.StatusForbidden {
		t.Errorf("create user without CSRF token = %d, want 403", r.code)
	}
	bad := create("wang")
	bad.Set("csrf_token", strings.Repeat("x", 43))
	if r := b.post("/admin/users", bad); r.code != http.StatusForbidden {
		t.Errorf("create user with a wrong CSRF token = %d, want 403", r.code)
	}
	if exists("wang") {
		t.Fatal("a refused form created the user")
	}
	good := create("wang")
	good.Set("csrf_token", b.csrf)
	if r := b.post("/admin/users", good); r.code != http.StatusSeeOther {
		t.Fatalf("create user with CSRF token = %d, want 303:\n%s", r.code, r.body)
	}
	if !exists("wang") {
		t.Error("user not created")
	}
	if r := b.post("/logout", url.Values{}); r.code != http.StatusForbidden {
		t.Errorf("logout without CSRF token = %d, want 403", r.code)
	}

	// The API takes the token in a header, for fetch.
	api := func(hdr string) int {
		req, _ := http.NewRequest("POST", p.ts.URL+"/api/trace/import?format=jsonl", strings.NewReader(""))
		if hdr != "" {
			req.Header.Set(auth.CSRFHeader, hdr)
		}
		return b.do(req).code
	}
	if code := api(""); code != http.StatusForbidden {
		t.Errorf("API POST with session and no X-CSRF-Token = %d, want 403", code)
	}
	if code := api(b.csrf); code == http.StatusForbidden || code == http.StatusUnauthorized {
		t.Errorf("API POST with session and X-CSRF-Token = %d", code)
	}

	// A cross-site POST is refused even with the token.
	form := create("zhao")
	form.Set("csrf_token", b.csrf)
	req, _ := http.NewRequest("POST", p.ts.URL+"/admin/users", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if r := b.do(req); r.code != http.StatusForbidden || exists("zhao") {
		t.Errorf("cross-site POST = %d, want 403", r.code)
	}

	// The login form has its own token.
	b2 := p.browser()
	b2.get("/login")
	if r := b2.post("/login", url.Values{"username": {"admin"}, "password": {"right-password"}}); r.code != http.StatusForbidden {
		t.Errorf("login without form token = %d, want 403", r.code)
	}
}

// pathOf turns a route pattern into a method and a concrete path.
func pathOf(pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = regexp.MustCompile(`\{[^}]*\}`).ReplaceAllString(path, "x")
	return method, strings.TrimSuffix(path, "{$}")
}

func TestAnonymousRefused(t *testing.T) {
	p := newPanel(t)
	routes := p.srv.Routes()
	routes = append(routes, web.Route{Pattern: "GET /nowhere", Role: auth.RoleAgent}, web.Route{Pattern: "DELETE /api/nowhere", Role: auth.RoleAgent})
	c := noRedirects(p.ts)
	public := 0
	for _, rt := range routes {
		method, path := pathOf(rt.Pattern)
		if rt.Role == "" {
			public++
			continue
		}
		for _, bearer := range []string{"", "wrong-token"} {
			req, _ := http.NewRequest(method, p.ts.URL+path, strings.NewReader("csrf_token=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body struct{ Reason string }
			json.NewDecoder(resp.Body).Decode(&body)
			resp.Body.Close()
			if strings.HasPrefix(path, "/api/") {
				if resp.StatusCode != http.StatusUnauthorized || body.Reason != "unauthorized" {
					t.Errorf("%s %s (bearer %q) = %d %q, want 401 unauthorized", method, path, bearer, resp.StatusCode, body.Reason)
				}
			} else if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
				t.Errorf("%s %s (bearer %q) = %d %q, want 303 to /login", method, path, bearer, resp.StatusCode, loc)
			}
		}
	}
	if public != 4 {
		t.Errorf("%d public routes, want 4 (healthz, assets, login page and form): is the new one meant to be public?", public)
	}
}

func TestRoles(t *testing.T) {
	p := newPanel(t)
	p.addUser("li", auth.RoleTeamLeader, "leader-password")
	p.addUser("zhang", auth.RoleAgent, "agent-password")
	leader, agent := p.browser(), p.browser()
	leader.mustLogin("li", "leader-password")
	agent.mustLogin("zhang", "agent-password")

	for _, rt := range p.srv.Routes() {
		method, path := pathOf(rt.Pattern)
		for _, u := range []struct {
			b    *browser
			role auth.Role
		}{{leader, auth.RoleTeamLeader}, {agent, auth.RoleAgent}} {
			if rt.Role == "" || u.role.AtLeast(rt.Role) {
				continue
			}
			req, _ := http.NewRequest(method, p.ts.URL+path, strings.NewReader(u.b.form("username", "x", "role", "admin", "password", "some-password").Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if r := u.b.do(req); r.code != http.StatusForbidden {
				t.Errorf("%s: %s %s = %d, want 403", u.role, method, path, r.code)
			}
		}
	}
	if r := leader.get("/api/calls"); r.code != 200 {
		t.Errorf("team leader GET /api/calls = %d, want 200", r.code)
	}
	if r := leader.get("/admin/users"); r.code != http.StatusForbidden || !strings.Contains(r.body, "无权") {
		t.Errorf("team leader GET /admin/users = %d, want the 403 page", r.code)
	}
	var n int
	_ = p.db.View(func(tx *store.Tx) error { us, _ := tx.Users(); n = len(us); return nil })
	if n != 2 {
		t.Errorf("%d users after refused admin actions, want 2", n)
	}
	if !strings.Contains(p.log.String(), "forbidden") {
		t.Error("refusals are not logged")
	}
}

func TestLogout(t *testing.T) {
	p := newPanel(t)
	p.addUser("zhang", auth.RoleAgent, "agent-password")
	b := p.browser()
	b.mustLogin("zhang", "agent-password")
	old := b.sessionCookie()
	r := b.post("/logout", b.form())
	if r.code != http.StatusSeeOther || r.header.Get("Location") != "/login?done=logged_out" {
		t.Fatalf("logout = %d %q", r.code, r.header.Get("Location"))
	}
	if b.sessionCookie() != "" {
		t.Error("logout left the session cookie in the browser")
	}
	var ok bool
	_ = p.db.View(func(tx *store.Tx) (err error) { _, ok, err = tx.Session(old); return err })
	if ok {
		t.Error("the session is still in the store")
	}
	// Replaying the old cookie does not work.
	for _, path := range []string{"/", "/api/me"} {
		req, _ := http.NewRequest("GET", p.ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: old})
		if r := p.browser().do(req); r.code != http.StatusSeeOther && r.code != http.StatusUnauthorized {
			t.Errorf("GET %s with the logged-out cookie = %d", path, r.code)
		}
	}
}

func TestSessionTimeouts(t *testing.T) {
	p := newPanel(t)
	p.addUser("zhang", auth.RoleAgent, "agent-password")
	b := p.browser()
	b.mustLogin("zhang", "agent-password")
	p.clock.Add(59 * time.Minute)
	if r := b.get("/"); r.code != 200 {
		t.Fatalf("after 59 idle minutes = %d, want 200", r.code)
	}
	p.clock.Add(61 * time.Minute)
	if r := b.get("/"); r.code != http.StatusSeeOther {
		t.Fatalf("after 61 idle minutes = %d, want a redirect to /login", r.code)
	}

	// Busy all day: the absolute timeout ends it after 12 hours.
	b.mustLogin("zhang", "agent-password")
	for i := range 14 {
		p.clock.Add(50 * time.Minute)
		if r := b.get("/"); r.code != 200 {
			t.Fatalf("busy session refused after %d×50 minutes: %d", i+1, r.code)
		}
	}
	p.clock.Add(50 * time.Minute) // 12 h 30 min after login, 50 minutes idle
	if r := b.get("/"); r.code != http.StatusSeeOther {
		t.Errorf("session past its absolute timeout = %d, want a redirect", r.code)
	}
}

func TestPasswordsStoredHashed(t *testing.T) {
	p := newPanel(t)
	p.addUser("admin", auth.RoleAdmin, "first-admin-pw")
	b := p.browser()
	b.mustLogin("admin", "first-admin-pw")
	const pw = "correct horse battery staple"
	if r := b.post("/admin/users", b.form("username", "wang", "display_name", "王芳", "role", "duty_manager", "password", pw)); r.code != http.StatusSeeOther {
		t.Fatalf("create user = %d:\n%s", r.code, r.body)
	}
	var u store.User
	_ = p.db.View(func(tx *store.Tx) (err error) { u, _, err = tx.User("wang"); return err })
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$") || strings.Contains(u.PasswordHash, pw) || u.DisplayName != "王芳" || u.Role != "duty_manager" {
		t.Errorf("stored user = %+v", u)
	}
	if ok, err := auth.CheckPassword(u.PasswordHash, pw); !ok || err != nil {
		t.Errorf("stored hash does not check: %v %v", ok, err)
	}
	raw, err := os.ReadFile(p.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{pw, "first-admin-pw", b.sessionCookie()} {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("%q is in the store file in the clear", secret)
		}
	}
	var users []map[string]any
	if err := json.Unmarshal([]byte(b.get("/api/users").body), &users); err != nil || len(users) != 2 {
		t.Fatalf("/api/users = %v %v", users, err)
	}
	for _, u := range users {
		if _, ok := u["passwordHash"]; ok {
			t.Error("/api/users shows password hashes")
		}
	}
}

func TestAdminActions(t *testing.T) {
	p := newPanel(t)
	p.addUser("admin", auth.RoleAdmin, "admin-password")
	p.addUser("zhang", auth.RoleAgent, "agent-password")
	admin, agent := p.browser(), p.browser()
	admin.mustLogin("admin", "admin-password")
	agent.mustLogin("zhang", "agent-password")

	if r := admin.post("/admin/users/admin/disable", admin.form()); r.code != http.StatusBadRequest {
		t.Errorf("admin disabling themself = %d, want 400", r.code)
	}
	if r := admin.post("/admin/users/zhang/disable", admin.form()); r.code != http.StatusSeeOther {
		t.Fatalf("disable = %d", r.code)
	}
	if r := agent.get("/"); r.code != http.StatusSeeOther {
		t.Errorf("disabled user's session still works: %d", r.code)
	}
	if r := agent.login("zhang", "agent-password"); r.code != http.StatusUnauthorized {
		t.Errorf("disabled user logs in: %d", r.code)
	}
	if r := admin.post("/admin/users/zhang/enable", admin.form()); r.code != http.StatusSeeOther {
		t.Fatalf("enable = %d", r.code)
	}
	agent.mustLogin("zhang", "agent-password")
	if r := admin.post("/admin/users/zhang/password", admin.form("password", "short")); r.code != http.StatusBadRequest {
		t.Errorf("reset to a short password = %d, want 400", r.code)
	}
	if r := admin.post("/admin/users/zhang/password", admin.form("password", "new-agent-password")); r.code != http.StatusSeeOther {
		t.Fatalf("reset password = %d", r.code)
	}
	if r := agent.get("/"); r.code != http.StatusSeeOther {
		t.Errorf("session survived a password reset: %d", r.code)
	}
	agent.mustLogin("zhang", "new-agent-password")
	if r := admin.post("/admin/users/nobody/enable", admin.form()); r.code != http.StatusNotFound {
		t.Errorf("enable a missing user = %d, want 404", r.code)
	}
	if r := admin.post("/admin/users", admin.form("username", "zhang", "role", "agent", "password", "agent-password")); r.code != http.StatusBadRequest || !strings.Contains(r.body, "已被使用") {
		t.Errorf("create a taken username = %d", r.code)
	}
	if r := admin.post("/admin/users", admin.form("username", "x y", "role", "agent", "password", "agent-password")); r.code != http.StatusBadRequest {
		t.Errorf("create a bad username = %d", r.code)
	}
	if r := admin.post("/admin/users", admin.form("username", "xy", "role", "boss", "password", "agent-password")); r.code != http.StatusBadRequest {
		t.Errorf("create with a bad role = %d", r.code)
	}

	// The agent changes their own password, and must log in again.
	if r := agent.post("/account/password", agent.form("current_password", "wrong", "new_password", "agent-password-3", "confirm_password", "agent-password-3")); r.code != http.StatusBadRequest {
		t.Errorf("change password with a wrong current one = %d, want 400", r.code)
	}
	if r := agent.post("/account/password", agent.form("current_password", "new-agent-password", "new_password", "agent-password-3", "confirm_password", "agent-password-3")); r.code != http.StatusSeeOther {
		t.Fatalf("change password = %d", r.code)
	}
	agent.mustLogin("zhang", "agent-password-3")
}

func TestBearerTokenActsAsAdmin(t *testing.T) {
	p := newPanel(t)
	var me map[string]string
	if code := do(t, p.ts, "GET", "/api/me", token, nil, &me); code != 200 || me["role"] != "admin" || me["via"] != "token" {
		t.Errorf("/api/me with the token = %d %v", code, me)
	}
	if code := do(t, p.ts, "GET", "/api/users", token, nil, nil); code != 200 {
		t.Errorf("/api/users with the token = %d", code)
	}
	// No CSRF token needed without a cookie.
	if code := do(t, p.ts, "POST", "/api/trace/import?format=jsonl", token, nil, nil); code == http.StatusForbidden || code == http.StatusUnauthorized {
		t.Errorf("POST with the bearer token = %d", code)
	}
	if code := do(t, p.ts, "GET", "/healthz", "", nil, nil); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
}

func TestSocketHandlerTrusted(t *testing.T) {
	p := newPanel(t)
	ts := httptest.NewServer(p.srv.SocketHandler())
	defer ts.Close()
	if code := do(t, ts, "GET", "/api/status", "", nil, nil); code != 200 {
		t.Errorf("socket GET /api/status without token = %d, want 200", code)
	}
	if code := do(t, ts, "GET", "/login", "", nil, nil); code != 404 {
		t.Errorf("socket serves pages: GET /login = %d", code)
	}
}

func TestLanguage(t *testing.T) {
	p := newPanel(t)
	tests := []struct {
		name, path, accept string
		want               string
	}{
		{"default", "/login", "", `lang="zh-CN"`},
		{"query", "/login?lang=en", "", `lang="en"`},
		{"accept en still zh", "/login", "en-US,en;q=0.9", `lang="zh-CN"`},
		{"accept zh first", "/login", "zh-CN,zh;q=0.9,en;q=0.8", `lang="zh-CN"`},
		{"accept other", "/login", "fr-FR", `lang="zh-CN"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", p.ts.URL+tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Language", tt.accept)
			}
			if r := p.browser().do(req); !strings.Contains(r.body, tt.want) {
				t.Errorf("page lacks %s", tt.want)
			}
		})
	}
	b := p.browser()
	b.get("/login?lang=en")
	if r := b.get("/login"); !strings.Contains(r.body, "Log in") {
		t.Error("?lang=en is not remembered")
	}
}
