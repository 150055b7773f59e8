package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"tracecall/throttle"
	"tracecall/web/auth"
)

// The security page (/admin/security) and its API: who is being slowed down
// for guessing, and the console's way back in. Admins see every throttle of
// guesses, the panel's logins by address and by account and any other given
// in Deps.Throttles (the SIP registrar's digest checks), and lift keys. The
// unix socket serves the same API, and the users' unlock, enable and
// password routes, so that tracectl on the appliance's console can let the
// last admin back in whatever happened on the network.

// ThrottleSource is a named throttle of guesses for the security page and
// /api/security/throttles.
type ThrottleSource struct {
	// Name identifies the source in the API and the forms; the page titles
	// it with the catalogue's "throttle_"+Name (sip_address and sip_account
	// are there; another name shows as the name itself).
	Name string
	// Throttle lists the source's keys. If it also has Reset(keys ...string),
	// as *throttle.Throttle does, its keys can be lifted.
	Throttle Snapshotter
}

// Snapshotter lists a throttle's keys with failures.
type Snapshotter interface {
	Snapshot() []throttle.Entry
}

// resetter is a throttle whose keys can be lifted.
type resetter interface {
	Reset(keys ...string)
}

// securityRoutes adds the security page and the API that tracectl uses.
func (s *Server) securityRoutes(add addRoute) {
	const admin = auth.RoleAdmin
	add("GET /admin/security", admin, false, s.handleSecurityPage)
	add("POST /admin/security/lift", admin, false, s.handleSecurityLiftForm)
	add("GET /api/security/throttles", admin, true, s.handleAPIThrottles)
	add("POST /api/security/lift", admin, true, s.handleAPILift)
	add("POST /api/users/{name}/unlock", admin, true, s.handleAPIUnlock)
	add("POST /api/users/{name}/enable", admin, true, s.handleAPIEnable)
	add("PUT /api/users/{name}/password", admin, true, s.handleAPIPassword)
}

// throttleSources are the panel's login throttles, the agents' customer
// searches, and then Deps.Throttles.
func (s *Server) throttleSources() []ThrottleSource {
	lt := s.auth.LoginThrottles()
	out := []ThrottleSource{
		{Name: auth.ThrottleByAddress, Throttle: lt[auth.ThrottleByAddress]},
		{Name: auth.ThrottleByAccount, Throttle: lt[auth.ThrottleByAccount]},
	}
	out = append(out, ThrottleSource{Name: ThrottleSearch, Throttle: s.searchMisses})
	for _, t := range s.deps.Throttles {
		if t.Throttle != nil && t.Name != "" {
			out = append(out, t)
		}
	}
	return out
}

// apiThrottle is one source of GET /api/security/throttles.
type apiThrottle struct {
	Source  string             `json:"source"`
	CanLift bool               `json:"canLift"`
	Entries []apiThrottleEntry `json:"entries"`
}

// apiThrottleEntry is one key with failures; Waiting says whether its
// attempts wait now, until Until.
type apiThrottleEntry struct {
	Key      string    `json:"key"`
	Failures int       `json:"failures"`
	Last     time.Time `json:"last"`
	Until    time.Time `json:"until,omitzero"`
	Waiting  bool      `json:"waiting"`
	Notes    []string  `json:"notes,omitempty"`
}

// throttleState is every source's keys as the API shows them, times in the
// panel's zone.
func (s *Server) throttleState() []apiThrottle {
	now := s.auth.Config().Now()
	var out []apiThrottle
	for _, src := range s.throttleSources() {
		_, canLift := src.Throttle.(resetter)
		t := apiThrottle{Source: src.Name, CanLift: canLift, Entries: []apiThrottleEntry{}}
		for _, e := range src.Throttle.Snapshot() {
			ae := apiThrottleEntry{Key: e.Key, Failures: e.Failures, Last: e.Last.In(s.deps.Location), Notes: e.Notes}
			if now.Before(e.Until) {
				ae.Until, ae.Waiting = e.Until.In(s.deps.Location), true
			}
			t.Entries = append(t.Entries, ae)
		}
		out = append(out, t)
	}
	return out
}

func (s *Server) handleAPIThrottles(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.throttleState())
}

// liftRequest is the body of POST /api/security/lift and the fields of the
// page's form: lift Key in Source, in every source when Source is empty;
// every key of the source (or of all) with All and no Key.
type liftRequest struct {
	Source string `json:"source"`
	Key    string `json:"key"`
	All    bool   `json:"all"`
}

// lifted is one key lifted.
type lifted struct {
	Source string `json:"source"`
	Key    string `json:"key"`
}

// Why a lift is refused.
var (
	errLiftWhat    = errors.New("name a key, or all")
	errLiftSource  = errors.New("no such throttle")
	errLiftCannot  = errors.New("this throttle's keys cannot be lifted here")
	errNotThrottle = errors.New("no such key with failures")
)

// lift lifts what req names and returns what it lifted.
func (s *Server) lift(req liftRequest) ([]lifted, error) {
	if req.Key == "" && !req.All {
		return nil, errLiftWhat
	}
	out := []lifted{}
	found := false
	for _, src := range s.throttleSources() {
		if req.Source != "" && src.Name != req.Source {
			continue
		}
		found = true
		rs, ok := src.Throttle.(resetter)
		var keys []string
		for _, e := range src.Throttle.Snapshot() {
			if req.Key == "" || e.Key == req.Key {
				keys = append(keys, e.Key)
			}
		}
		if len(keys) == 0 {
			continue
		}
		if !ok {
			if req.Source != "" {
				return nil, errLiftCannot
			}
			continue
		}
		rs.Reset(keys...)
		for _, k := range keys {
			out = append(out, lifted{Source: src.Name, Key: k})
		}
	}
	switch {
	case !found:
		return nil, errLiftSource
	case len(out) == 0 && req.Key != "":
		return nil, errNotThrottle
	}
	return out, nil
}

// liftError is the status and reason of a refused lift.
func liftError(err error) (int, string) {
	switch {
	case errors.Is(err, errLiftSource):
		return http.StatusNotFound, "no_throttle"
	case errors.Is(err, errNotThrottle):
		return http.StatusNotFound, "not_throttled"
	case errors.Is(err, errLiftCannot):
		return http.StatusConflict, "cannot_lift"
	}
	return http.StatusBadRequest, "bad_lift"
}

func (s *Server) handleAPILift(w http.ResponseWriter, r *http.Request) {
	var req liftRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	out, err := s.lift(req)
	if err != nil {
		code, reason := liftError(err)
		writeError(w, code, reason, fmt.Sprintf("lift %s: %v", describeLift(req), err))
		return
	}
	s.auditLift(r, req, out)
	writeJSON(w, http.StatusOK, map[string]any{"lifted": out})
}

// describeLift names what req asks to lift, for messages.
func describeLift(req liftRequest) string {
	what := req.Key
	if what == "" {
		what = "every key"
	}
	if req.Source != "" {
		what += " of " + req.Source
	}
	return fmt.Sprintf("%q", what)
}

// auditLift logs a lift with who asked and what went.
func (s *Server) auditLift(r *http.Request, req liftRequest, out []lifted) {
	keys := make([]string, len(out))
	for i, l := range out {
		keys[i] = l.Source + " " + l.Key
	}
	s.deps.Log.Info("throttle lifted", "by", actor(r), "remote", r.RemoteAddr, "source", req.Source, "key", req.Key, "all", req.All, "lifted", keys)
}

// actor names who made r, for the log: the logged-in user, or the unix
// socket (tracectl on the console).
func actor(r *http.Request) string {
	if id, ok := auth.FromContext(r.Context()); ok && id.Username != "" {
		return id.Username
	}
	return "socket"
}

// unlockReply is the answer of POST /api/users/{name}/unlock.
type unlockReply struct {
	User   string   `json:"user"`
	Lifted []string `json:"lifted"`
}

func (s *Server) handleAPIUnlock(w http.ResponseWriter, r *http.Request) {
	name := auth.NormalizeUsername(r.PathValue("name"))
	keys, err := s.auth.Unlock(name)
	if err != nil {
		s.apiUserError(w, "unlock user", name, err)
		return
	}
	s.deps.Log.Info("user unlocked", "by", actor(r), "remote", r.RemoteAddr, "target", name, "lifted", keys)
	writeJSON(w, http.StatusOK, unlockReply{User: name, Lifted: nonNil(keys)})
}

func (s *Server) handleAPIEnable(w http.ResponseWriter, r *http.Request) {
	name := auth.NormalizeUsername(r.PathValue("name"))
	if err := s.auth.SetDisabled(name, false); err != nil {
		s.apiUserError(w, "enable user", name, err)
		return
	}
	s.deps.Log.Info("user enabled", "by", actor(r), "remote", r.RemoteAddr, "target", name)
	writeJSON(w, http.StatusOK, map[string]string{"user": name})
}

// passwordRequest is the body of PUT /api/users/{name}/password.
type passwordRequest struct {
	Password string `json:"password"`
}

func (s *Server) handleAPIPassword(w http.ResponseWriter, r *http.Request) {
	name := auth.NormalizeUsername(r.PathValue("name"))
	var req passwordRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	if err := s.auth.SetPassword(r.Context(), name, req.Password); err != nil {
		s.apiUserError(w, "set password", name, err)
		return
	}
	s.deps.Log.Info("password reset", "by", actor(r), "remote", r.RemoteAddr, "target", name)
	writeJSON(w, http.StatusOK, map[string]string{"user": name})
}

// apiUserError answers a failed change to user name: 404 for no such user,
// 400 for a bad password, 500 (logged) otherwise.
func (s *Server) apiUserError(w http.ResponseWriter, what, name string, err error) {
	switch {
	case errors.Is(err, auth.ErrNoUser):
		writeError(w, http.StatusNotFound, "no_user", fmt.Sprintf("no user %q", name))
	case errors.Is(err, auth.ErrBadPassword):
		writeError(w, http.StatusBadRequest, "bad_password",
			fmt.Sprintf("password: want %d to %d characters", auth.MinPasswordLen, auth.MaxPasswordLen))
	default:
		s.internal(w, what, err)
	}
}

// securityRow is one key on the security page.
type securityRow struct {
	Key      string
	Failures int
	Last     string
	Until    string // empty: not waiting now
	Notes    string
}

// securitySource is one throttle on the security page.
type securitySource struct {
	Name    string
	Title   string
	Hint    string
	CanLift bool
	Rows    []securityRow
}

// securityData is the security page's own data.
type securityData struct {
	Intro   string // the policy, with the configured ceilings
	Sources []securitySource
	Console []consoleCommand
}

// consoleCommand is a tracectl command the page shows, with what it does.
type consoleCommand struct{ Command, What string }

const securityTimeLayout = "2006-01-02 15:04:05"

func (s *Server) handleSecurityPage(w http.ResponseWriter, r *http.Request) {
	s.renderSecurity(w, r, http.StatusOK, "")
}

func (s *Server) renderSecurity(w http.ResponseWriter, r *http.Request, code int, msg string) {
	v := s.view(w, r, "title_security")
	if msg != "" {
		v.Error = v.M[msg]
	}
	cfg := s.auth.Config()
	d := securityData{
		Intro: fmt.Sprintf(v.M["security_intro"], waitText(v.M, cfg.ByAddress.Max), waitText(v.M, cfg.ByAccount.Max)),
		Console: []consoleCommand{
			{strings.Replace(auth.ConsoleUnlock, "NAME", "admin", 1), v.M["console_unlock"]},
			{"tracectl throttle list", v.M["console_list"]},
			{strings.Replace(auth.ConsoleLift, "ADDRESS", "192.168.1.20", 1), v.M["console_lift"]},
			{"tracectl user passwd admin", v.M["console_passwd"]},
		},
	}
	for _, t := range s.throttleState() {
		src := securitySource{Name: t.Source, Title: t.Source, CanLift: t.CanLift}
		if title, ok := v.M["throttle_"+t.Source]; ok {
			src.Title, src.Hint = title, v.M["throttle_hint_"+t.Source]
		}
		for _, e := range t.Entries {
			row := securityRow{Key: e.Key, Failures: e.Failures, Last: e.Last.Format(securityTimeLayout), Notes: strings.Join(e.Notes, ", ")}
			if e.Waiting {
				row.Until = e.Until.Format(securityTimeLayout)
			}
			src.Rows = append(src.Rows, row)
		}
		d.Sources = append(d.Sources, src)
	}
	v.Data = d
	s.render(w, code, "security", v)
}

func (s *Server) handleSecurityLiftForm(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderSecurity(w, r, http.StatusBadRequest, "msg_bad_form")
		return
	}
	req := liftRequest{Source: r.PostForm.Get("source"), Key: r.PostForm.Get("key"), All: r.PostForm.Get("all") != ""}
	out, err := s.lift(req)
	if err != nil {
		code, _ := liftError(err)
		msg := "msg_lift_failed"
		if errors.Is(err, errNotThrottle) {
			msg = "msg_lift_gone"
		}
		s.renderSecurity(w, r, code, msg)
		return
	}
	s.auditLift(r, req, out)
	http.Redirect(w, r, "/admin/security?done=lifted", http.StatusSeeOther)
}

// waitText says d in words of m's language, rounded up to the second: "2 分
// 5 秒", "2 min 5 s".
func waitText(m map[string]string, d time.Duration) string {
	sec := int((d + time.Second - 1) / time.Second)
	switch {
	case sec >= 60 && sec%60 != 0:
		return fmt.Sprintf(m["wait_min_s"], sec/60, sec%60)
	case sec >= 60:
		return fmt.Sprintf(m["wait_min"], sec/60)
	}
	return fmt.Sprintf(m["wait_s"], max(sec, 1))
}

// loginRefusal is what the login page says of a refused login: the message,
// and the console command that lifts the wait when there is one.
func loginRefusal(m map[string]string, le *auth.LoginError, username string) (msg, console string) {
	throttled := errors.Is(le.Err, auth.ErrThrottled)
	switch {
	case errors.Is(le.Err, auth.ErrLoginBusy):
		return m["msg_login_busy"], "" // nothing to lift: it passes in a moment
	case throttled:
		msg = fmt.Sprintf(m["msg_login_wait"], waitText(m, le.Wait))
	case le.Wait > 0:
		msg = m["msg_login_failed"] + fmt.Sprintf(m["msg_login_next"], waitText(m, le.Wait))
	default:
		return m["msg_login_failed"], ""
	}
	switch {
	case le.Account != "":
		console = strings.Replace(auth.ConsoleUnlock, "NAME", le.Account, 1)
	case le.Address != "":
		console = strings.Replace(auth.ConsoleLift, "ADDRESS", le.Address, 1)
	case username != "":
		console = strings.Replace(auth.ConsoleUnlock, "NAME", username, 1)
	}
	return msg, console
}
