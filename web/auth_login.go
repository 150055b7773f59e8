package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tracecall/web/auth"
)

// maxLoginBytes bounds the login form's body.
const maxLoginBytes = 8 << 10

// loginForm is the login form, checked.
type loginForm struct {
	Username string // normalised
	Password string
	CSRF     string
	Next     string // a local path to go to after login; "/" by default
}

var errBadLoginForm = errors.New("bad login form")

// parseLoginForm reads the login form's fields. A username longer than 64
// bytes, a password longer than auth.MaxPasswordLen bytes, or fields that are
// not valid UTF-8 or hold control characters make errBadLoginForm; Next is
// always a safe local path.
func parseLoginForm(v url.Values) (loginForm, error) {
	f := loginForm{
		Username: auth.NormalizeUsername(v.Get("username")),
		Password: v.Get("password"),
		CSRF:     v.Get(auth.CSRFField),
		Next:     safeNext(v.Get("next")),
	}
	switch {
	case len(f.Username) > 64 || len(f.Password) > auth.MaxPasswordLen || len(f.CSRF) > 128:
		return loginForm{Next: f.Next}, errBadLoginForm
	case !printable(f.Username) || !utf8.ValidString(f.Password):
		return loginForm{Next: f.Next}, errBadLoginForm
	}
	return f, nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// safeNext returns next if it is a path on this server to go to after login,
// and "/" otherwise: no scheme, no host, no "//" or "/\" that browsers read as
// another host, nothing that leads back to /login or /logout.
func safeNext(next string) string {
	if next == "" || len(next) > 1024 || next[0] != '/' || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || !printable(next) || strings.ContainsAny(next, "\\ ") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	if u.Path == "/login" || u.Path == "/logout" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return next
}

// loginData is the login page's own data.
type loginData struct {
	CSRF     string
	Next     string
	Username string
	Console  string // the console command that lifts a login's wait
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if _, ok := auth.FromContext(r.Context()); ok {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	v := s.view(w, r, "title_login")
	if next != "/" && v.Flash == "" {
		v.Flash = v.M["msg_login_first"]
	}
	v.Data = loginData{CSRF: s.auth.LoginToken(w, r), Next: next}
	s.render(w, http.StatusOK, "login", v)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginBytes)
	v := s.view(w, r, "title_login")
	v.User, v.CSRF = nil, "" // a login starts afresh whatever cookie came with it
	fail := func(code int, msg string, f loginForm) {
		v.Error = v.M[msg]
		v.Data = loginData{CSRF: s.auth.LoginToken(w, r), Next: f.Next, Username: f.Username}
		s.render(w, code, "login", v)
	}
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "msg_bad_form", loginForm{Next: "/"})
		return
	}
	f, err := parseLoginForm(r.PostForm)
	if err != nil {
		s.deps.Log.Warn("login refused", "reason", "bad form", "remote", r.RemoteAddr)
		fail(http.StatusBadRequest, "msg_login_failed", f)
		return
	}
	if !s.auth.CheckLoginToken(r, f.CSRF) {
		s.deps.Log.Warn("login refused", "reason", "missing or wrong login form token", "remote", r.RemoteAddr)
		fail(http.StatusForbidden, "msg_login_expired", f)
		return
	}
	sess, err := s.auth.Login(r.Context(), f.Username, f.Password, r.RemoteAddr)
	if le := (*auth.LoginError)(nil); errors.As(err, &le) {
		code := http.StatusUnauthorized
		if errors.Is(err, auth.ErrThrottled) {
			code = http.StatusTooManyRequests
		}
		if le.Wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((le.Wait+time.Second-1)/time.Second)))
		}
		var console string
		v.Error, console = loginRefusal(v.M, le, f.Username)
		v.Data = loginData{CSRF: s.auth.LoginToken(w, r), Next: f.Next, Username: f.Username, Console: console}
		s.render(w, code, "login", v)
		return
	}
	if err != nil {
		c := classify(err)
		s.logFailure(r, "op_login", c, err)
		fail(c.code, "cause_"+c.reason, f)
		return
	}
	if old, ok := auth.FromContext(r.Context()); ok && old.SessionID != "" {
		_ = s.auth.Logout(old.SessionID) // one browser, one session
	}
	s.auth.SetSessionCookie(w, r, sess)
	s.auth.ClearLoginToken(w, r)
	http.Redirect(w, r, f.Next, http.StatusSeeOther)
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	if id.SessionID != "" {
		if err := s.auth.Logout(id.SessionID); err != nil {
			c := classify(err)
			s.logFailure(r, "op_logout", c, err)
			s.refuse(w, r, c.code, c.reason, "cause_"+c.reason)
			return
		}
		s.deps.Log.Info("logout", "user", id.Username, "remote", r.RemoteAddr)
	}
	s.auth.ClearSessionCookie(w, r)
	http.Redirect(w, r, "/login?done=logged_out", http.StatusSeeOther)
}

// homeData is the home page's own data.
type homeData struct {
	Username string
	ViaToken bool
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.renderHome(w, r, http.StatusOK, "")
}

func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, code int, msg string) {
	v := s.view(w, r, "title_home")
	if msg != "" {
		v.Error = v.M[msg]
	}
	v.Data = homeData{Username: v.User.Username, ViaToken: v.User.ViaToken()}
	s.render(w, code, "home", v)
}

func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	if id.ViaToken() {
		s.renderHome(w, r, http.StatusBadRequest, "msg_token_no_change")
		return
	}
	pw := r.PostFormValue("new_password")
	if pw != r.PostFormValue("confirm_password") {
		s.renderHome(w, r, http.StatusBadRequest, "msg_pw_mismatch")
		return
	}
	err := s.auth.ChangePassword(r.Context(), id.Username, r.PostFormValue("current_password"), pw)
	if err != nil {
		code, msg := s.userError("change password", err)
		s.renderHome(w, r, code, msg)
		return
	}
	s.auth.ClearSessionCookie(w, r)
	http.Redirect(w, r, "/login?done=password_changed", http.StatusSeeOther)
}

// userError maps an error from auth's user functions to a status and a
// catalogue message; the appliance's own failures (a full disk, ...) are
// logged and named by their cause.
func (s *Server) userError(what string, err error) (int, string) {
	for _, e := range []struct {
		err error
		msg string
	}{
		{auth.ErrBadUsername, "msg_bad_username"},
		{auth.ErrBadPassword, "msg_bad_password"},
		{auth.ErrBadRole, "msg_bad_role"},
		{auth.ErrUserExists, "msg_user_exists"},
		{auth.ErrWrongPassword, "msg_wrong_current"},
	} {
		if errors.Is(err, e.err) {
			return http.StatusBadRequest, e.msg
		}
	}
	if errors.Is(err, auth.ErrNoUser) {
		return http.StatusNotFound, "msg_no_user"
	}
	c := classify(err)
	s.logFailure(nil, what, c, err)
	return c.code, "cause_" + c.reason
}
