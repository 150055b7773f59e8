package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web"
	"tracecall/web/auth"
)

// rescueRig is the daemon's real API on a unix socket and its panel on TCP,
// over one store, with a clock that only the test moves.
type rescueRig struct {
	sock  string
	panel *httptest.Server
	users *auth.Auth // the store's users, changed behind the daemon's back
}

func newRescueRig(t *testing.T) *rescueRig {
	t.Helper()
	db := storetest.Open(t)
	var mu sync.Mutex
	at := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return at }
	cfg := auth.Config{Params: auth.TestParams(), Now: now}
	users := auth.New(db, cfg, nil)
	for _, u := range []auth.NewUser{
		{Username: "admin", Role: auth.RoleAdmin, Password: "the-admin-password"},
		{Username: "zhang", Role: auth.RoleAgent, Password: "the-agent-password"},
	} {
		if err := users.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	s := web.New(web.Deps{Store: db, Bus: event.New(nil), DataDir: t.TempDir(), Auth: cfg})
	panel := httptest.NewServer(s.TCPHandler())
	t.Cleanup(panel.Close)
	return &rescueRig{sock: startDaemon(t, s.SocketHandler()), panel: panel, users: users}
}

var formToken = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// login logs in to the panel as a browser would and returns the status: 303
// for a session, 401 refused, 429 waiting.
func (r *rescueRig) login(t *testing.T, user, pw string) int {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(r.panel.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := formToken.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no login form:\n%s", page)
	}
	resp, err = c.PostForm(r.panel.URL+"/login", url.Values{"csrf_token": {string(m[1])}, "username": {user}, "password": {pw}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// tracectlIn is tracectl with stdin.
func tracectlIn(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runIO(context.Background(), args, strings.NewReader(stdin), &out, &errOut, func(string) string { return "" })
	return out.String(), errOut.String(), code
}

// TestConsoleRescue is the last admin locked out of the panel by someone
// guessing, let back in from the console.
func TestConsoleRescue(t *testing.T) {
	r := newRescueRig(t)
	for range 12 {
		r.login(t, "admin", "a-guess")
	}
	if code := r.login(t, "admin", "the-admin-password"); code != http.StatusTooManyRequests {
		t.Fatalf("the admin's right password after guessing = %d, want 429", code)
	}

	wantContains(t, tracectlOK(t, "-s", r.sock, "user", "list"),
		"USER", "admin", "login delayed until 2026-12-08 17:0", "zhang", "active")
	wantContains(t, tracectlOK(t, "-s", r.sock, "throttle", "list"),
		"SOURCE", "panel_address  127.0.0.1", "panel_account  admin", "2026-12-08 17:00:00", "127.0.0.1\n")

	out := tracectlOK(t, "-s", r.sock, "user", "unlock", "admin")
	if out != "user admin unlocked; lifted: account admin, address 127.0.0.1\n" {
		t.Errorf("unlock: %q", out)
	}
	if code := r.login(t, "admin", "the-admin-password"); code != http.StatusSeeOther {
		t.Fatalf("the admin's login after unlock = %d, want 303", code)
	}
	if out := tracectlOK(t, "-s", r.sock, "user", "unlock", "admin"); out != "user admin unlocked (no login delay was on record)\n" {
		t.Errorf("unlock again: %q", out)
	}

	// A forgotten password, reset from the console.
	if out, stderr, code := tracectlIn(t, "a-new-admin-password\n", "-s", r.sock, "user", "passwd", "admin"); code != exitOK || out != "password of admin reset; their sessions ended\n" {
		t.Fatalf("passwd: exit %d, %q, %q", code, out, stderr)
	}
	if code := r.login(t, "admin", "the-admin-password"); code != http.StatusUnauthorized {
		t.Errorf("old password after reset = %d, want 401", code)
	}
	if code := r.login(t, "admin", "a-new-admin-password"); code != http.StatusSeeOther {
		t.Errorf("new password after reset = %d, want 303", code)
	}
	if out := tracectlOK(t, "-s", r.sock, "throttle", "lift", "--all"); !strings.Contains(out, "lifted 127.0.0.1 in panel_address") {
		t.Errorf("throttle lift --all: %q", out)
	}
	if out := tracectlOK(t, "-s", r.sock, "throttle", "list"); out != "no failures on record\n" {
		t.Errorf("throttle list after lifting all: %q", out)
	}
}

func TestUserCommandErrors(t *testing.T) {
	r := newRescueRig(t)
	tests := []struct {
		name     string
		stdin    string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unlock nobody", "", []string{"user", "unlock", "nobody"}, exitFail, `no user "nobody"`},
		{"enable nobody", "", []string{"user", "enable", "nobody"}, exitFail, `no user "nobody"`},
		{"passwd from an empty stdin", "", []string{"user", "passwd", "admin"}, exitFail, "no password given on stdin"},
		{"passwd too short", "short\n", []string{"user", "passwd", "admin"}, exitFail, "password: want 8 to"},
		{"passwd on the command line", "", []string{"user", "passwd", "admin", "--password", "x"}, exitUsage, "not defined"},
		{"unlock without a name", "", []string{"user", "unlock"}, exitUsage, "want one username"},
		{"lift with a key and --all", "", []string{"throttle", "lift", "--all", "10.0.0.1"}, exitUsage, "not both"},
		{"lift nothing named", "", []string{"throttle", "lift"}, exitUsage, "want one KEY"},
		{"lift a key without failures", "", []string{"throttle", "lift", "10.0.0.1"}, exitFail, "no such key with failures (not_throttled)"},
		{"lift in an unknown source", "", []string{"throttle", "lift", "--source", "nope", "--all"}, exitFail, "no such throttle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tracectlIn(t, tt.stdin, append([]string{"-s", r.sock}, tt.args...)...)
			if code != tt.wantCode || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want exit %d saying %q", code, stderr, tt.wantCode, tt.wantErr)
			}
		})
	}
	if code := r.login(t, "admin", "the-admin-password"); code != http.StatusSeeOther {
		t.Errorf("a refused passwd changed the password: login = %d", code)
	}
}

func TestUserEnable(t *testing.T) {
	r := newRescueRig(t)
	if err := r.users.SetDisabled("zhang", true); err != nil {
		t.Fatal(err)
	}
	if code := r.login(t, "zhang", "the-agent-password"); code != http.StatusUnauthorized {
		t.Fatalf("disabled user's login = %d, want 401", code)
	}
	wantContains(t, tracectlOK(t, "-s", r.sock, "user", "list"), "zhang", "disabled")
	if out := tracectlOK(t, "-s", r.sock, "user", "enable", "zhang"); out != "user zhang enabled\n" {
		t.Errorf("enable: %q", out)
	}
	if code := r.login(t, "zhang", "the-agent-password"); code != http.StatusSeeOther {
		t.Errorf("login after enable = %d, want 303", code)
	}
}
