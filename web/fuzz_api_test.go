package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"tracecall/acd"
	"tracecall/acd/acdstore"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web"
	"tracecall/web/auth"
)

// The fuzz targets here feed any body to every route that takes one, as a
// logged-in admin or agent with the session's CSRF token, straight into the
// panel's handler (so that a panic fails the fuzz run rather than being
// caught by net/http): the panel never panics, never answers a bare 500,
// and every 5xx names its cause.

// fuzzSession is a logged-in browser's cookies and CSRF token.
type fuzzSession struct {
	cookies []*http.Cookie
	csrf    string
}

// fuzzPanel is a panel with a running ACD, a desk and two users, admin
// "fuzzadmin" and agent "fuzzagent", each logged in.
type fuzzPanel struct {
	h        http.Handler
	routes   []web.Route // the routes that take a body
	sessions [2]fuzzSession
}

// fuzzUsers must not be disabled or have their passwords reset by the
// input: the sessions would end.
var fuzzUsers = [2]string{"fuzzadmin", "fuzzagent"}

// notFuzzed are routes that end the fuzzing session or slow every input
// down on purpose (login throttling has its own fuzz target).
var notFuzzed = map[string]bool{"POST /logout": true, "POST /account/password": true, "POST /login": true}

var csrfInPage = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func newFuzzPanel(tb testing.TB) *fuzzPanel {
	tb.Helper()
	db := storetest.OpenOptions(tb, store.Options{NoSync: true})
	cfg, _, err := acdstore.Seed(db, demoACD)
	if err != nil {
		tb.Fatal(err)
	}
	a, err := acd.New(cfg, acd.Deps{Saver: acdstore.NewSaver(db)})
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	s := web.New(web.Deps{
		Store: db, Bus: event.New(nil), Token: token, DataDir: tb.TempDir(),
		ACD: a, Wallboard: web.WallboardFromACD(a), Desk: &recordingDesk{},
		Auth: auth.Config{Params: auth.TestParams()},
	})
	go func() { _ = a.Run(ctx); done <- struct{}{} }()
	go func() { _ = s.Run(ctx); done <- struct{}{} }()
	tb.Cleanup(func() { cancel(); <-done; <-done })

	users := auth.New(db, auth.Config{Params: auth.TestParams()}, nil)
	p := &fuzzPanel{h: s.TCPHandler()}
	for i, role := range []auth.Role{auth.RoleAdmin, auth.RoleAgent} {
		if err := users.CreateUser(context.Background(), auth.NewUser{Username: fuzzUsers[i], Role: role, Password: deskPassword}); err != nil {
			tb.Fatal(err)
		}
		p.sessions[i] = p.login(tb, fuzzUsers[i])
	}
	for _, r := range s.Routes() {
		method, _, _ := strings.Cut(r.Pattern, " ")
		if auth.Unsafe(method) && !notFuzzed[r.Pattern] {
			p.routes = append(p.routes, r)
		}
	}
	return p
}

// serve runs req through the panel's handler with the session's cookies.
func (p *fuzzPanel) serve(req *http.Request, s fuzzSession) *httptest.ResponseRecorder {
	for _, c := range s.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	return rec
}

// login logs user in through the login form and returns the session.
func (p *fuzzPanel) login(tb testing.TB, user string) fuzzSession {
	tb.Helper()
	page := p.serve(httptest.NewRequest("GET", "/login", nil), fuzzSession{})
	m := csrfInPage.FindStringSubmatch(page.Body.String())
	if m == nil {
		tb.Fatalf("login page has no form token: %d", page.Code)
	}
	form := url.Values{"csrf_token": {m[1]}, "username": {user}, "password": {deskPassword}}
	req := httptest.NewRequest("POST", "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res := p.serve(req, fuzzSession{cookies: page.Result().Cookies()})
	var s fuzzSession
	for _, c := range res.Result().Cookies() {
		if c.Name == auth.SessionCookie {
			s.cookies = []*http.Cookie{c}
		}
	}
	if res.Code != http.StatusSeeOther || s.cookies == nil {
		tb.Fatalf("login %s = %d:\n%s", user, res.Code, res.Body)
	}
	home := p.serve(httptest.NewRequest("GET", "/", nil), s)
	if m := csrfInPage.FindStringSubmatch(home.Body.String()); m != nil {
		s.csrf = m[1]
	}
	if s.csrf == "" {
		tb.Fatalf("no CSRF token for %s on the home page", user)
	}
	return s
}

// pathParam matches a route pattern's wildcards.
var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// contentTypes are what a fuzzed body is sent as.
var contentTypes = []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "text/plain", ""}

// check sends body to route i as user u with path parameter param and
// content type ct, and fails on a 500 or a 5xx that does not say why.
func (p *fuzzPanel) check(t *testing.T, i, u, ct uint8, param string, body []byte) {
	r := p.routes[int(i)%len(p.routes)]
	method, path, _ := strings.Cut(r.Pattern, " ")
	for _, name := range fuzzUsers {
		if param == name {
			param = "x" + param
		}
	}
	if param == "" || param == "." || param == ".." {
		param = "x"
	}
	path = pathParam.ReplaceAllLiteralString(path, url.PathEscape(param))
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	if c := contentTypes[int(ct)%len(contentTypes)]; c != "" {
		req.Header.Set("Content-Type", c)
	}
	s := p.sessions[int(u)%len(p.sessions)]
	req.Header.Set(auth.CSRFHeader, s.csrf)
	rec := p.serve(req, s)
	if rec.Code == http.StatusInternalServerError || rec.Code >= 600 {
		t.Fatalf("%s %s as %s = %d:\n%s", method, path, fuzzUsers[int(u)%2], rec.Code, rec.Body)
	}
	if rec.Code < 500 {
		return
	}
	if strings.HasPrefix(path, "/api/") {
		var e struct{ Error, Reason string }
		if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Reason == "" || e.Error == "" {
			t.Fatalf("%s %s = %d without a cause:\n%s", method, path, rec.Code, rec.Body)
		}
	} else if rec.Body.Len() == 0 {
		t.Fatalf("%s %s = %d with an empty page", method, path, rec.Code)
	}
}

// fuzzSeeds are bodies each route is seeded with.
var fuzzSeeds = []string{
	`{}`,
	`{"numbers":["138 0013 8000"],"name":"王芳","class":"vip","company":"菜市场","address":"东安街","notes":"常客"}`,
	`{"reason":"meal","on":true,"target":{"kind":"number","value":"+8613800138000"},"consult":true,"agent":"fuzzagent"}`,
	`{"text":"询问猪肉产地"}`,
	`{"name":"q1","strategy":"ring_all","agents":["8001"],"skills":{"pork":5},"wrap_up":"10s","overflow":"queue trace","max_wait":30}`,
	`{"id":"8009","name":"李","role":"agent","extension":"sim:8009","skills":{"beef":1},"priority":2}`,
	`{"user":"8001","password":"secret-secret"}`,
	`{"ani":"13800138000","dnis":"12345","dtmf":"1","timeout":"1s"}`,
	"username=li&display_name=%E6%9D%8E&role=team_leader&password=password1",
	"name=q2&strategy=linear&agents=8001&skills=pork%3A3&widen_after=30s&ring_timeout=20s",
	"id=8010&name=x&extension=sim%3A8010&role=agent&skills=pork:1,beef",
	"--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nq3\r\n--b--\r\n",
	"11010600524031500425,猪肉\n",
}

func seedFuzz(f *testing.F, p *fuzzPanel, form bool) {
	for i := range p.routes {
		for j, s := range fuzzSeeds {
			ct := uint8(0)
			if form {
				ct = 1
			}
			f.Add(uint8(i), uint8(j%2), ct, "8001", []byte(s))
		}
	}
}

// FuzzAPIBodies sends any body to every JSON route of the API.
func FuzzAPIBodies(f *testing.F) {
	p := newFuzzPanel(f)
	var api []web.Route
	for _, r := range p.routes {
		if strings.Contains(r.Pattern, " /api/") {
			api = append(api, r)
		}
	}
	p.routes = api
	seedFuzz(f, p, false)
	f.Fuzz(func(t *testing.T, route, user, ct uint8, param string, body []byte) {
		p.check(t, route, user, ct, param, body)
	})
}

// FuzzPanelForms sends any body to every form of the panel's pages.
func FuzzPanelForms(f *testing.F) {
	p := newFuzzPanel(f)
	var pages []web.Route
	for _, r := range p.routes {
		if !strings.Contains(r.Pattern, " /api/") {
			pages = append(pages, r)
		}
	}
	p.routes = pages
	seedFuzz(f, p, true)
	f.Fuzz(func(t *testing.T, route, user, ct uint8, param string, body []byte) {
		p.check(t, route, user, ct, param, body)
	})
}
