package web

import (
	"net/http"
	"net/url"
	"time"

	"tracecall/web/auth"
)

// userRow is one line of the users page.
type userRow struct {
	Username    string
	DisplayName string
	RoleName    string
	Disabled    bool
	Locked      bool
	LockedUntil string
	Created     string
	Self        bool
}

// roleOption is one choice of the role select.
type roleOption struct {
	Value, Label string
	Selected     bool
}

// usersData is the users page's own data: the list and the create form.
type usersData struct {
	Users []userRow
	Roles []roleOption
	Form  struct{ Username, DisplayName string }
}

func (s *Server) handleUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, "", url.Values{})
}

// renderUsers shows the users page with an error message msg (a catalogue
// key, or "") and the create form refilled from form.
func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, code int, msg string, form url.Values) {
	v := s.view(w, r, "title_users")
	if msg != "" {
		v.Error = v.M[msg]
	}
	us, err := s.auth.Users()
	if err != nil {
		f := classify(err)
		s.logFailure(r, "op_list_users", f, err)
		v.Error, code = failedText(v.M, "op_list_users", f), f.code
	}
	now := s.auth.Config().Now()
	d := usersData{}
	for _, u := range us {
		d.Users = append(d.Users, userRow{
			Username: u.Username, DisplayName: u.DisplayName,
			RoleName: v.M["role_"+u.Role], Disabled: u.Disabled,
			Locked:      now.Before(u.LockedUntil),
			LockedUntil: u.LockedUntil.In(s.deps.Location).Format("2006-01-02 15:04"),
			Created:     u.Created.In(s.deps.Location).Format("2006-01-02 15:04"),
			Self:        u.Username == v.User.Username,
		})
	}
	want := form.Get("role")
	if want == "" {
		want = string(auth.RoleAgent)
	}
	for _, role := range auth.Roles() {
		d.Roles = append(d.Roles, roleOption{Value: string(role), Label: v.M["role_"+string(role)], Selected: string(role) == want})
	}
	d.Form.Username, d.Form.DisplayName = form.Get("username"), form.Get("display_name")
	v.Data = d
	s.render(w, code, "users", v)
}

func (s *Server) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderUsers(w, r, http.StatusBadRequest, "msg_bad_form", url.Values{})
		return
	}
	f := r.PostForm
	role, err := auth.ParseRole(f.Get("role"))
	if err == nil {
		err = s.auth.CreateUser(r.Context(), auth.NewUser{
			Username: f.Get("username"), DisplayName: f.Get("display_name"), Role: role, Password: f.Get("password"),
		})
	}
	if err != nil {
		code, msg := s.userError("create user", err)
		s.renderUsers(w, r, code, msg, f)
		return
	}
	s.audit(r, "user created", "target", auth.NormalizeUsername(f.Get("username")), "target_role", role)
	http.Redirect(w, r, "/admin/users?done=created", http.StatusSeeOther)
}

func (s *Server) handleDisableUser(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	name := r.PathValue("name")
	if auth.NormalizeUsername(name) == id.Username {
		s.renderUsers(w, r, http.StatusBadRequest, "msg_self_disable", url.Values{})
		return
	}
	s.setDisabled(w, r, name, true)
}

func (s *Server) handleEnableUser(w http.ResponseWriter, r *http.Request) {
	s.setDisabled(w, r, r.PathValue("name"), false)
}

func (s *Server) setDisabled(w http.ResponseWriter, r *http.Request, name string, disabled bool) {
	if err := s.auth.SetDisabled(name, disabled); err != nil {
		code, msg := s.userError("set disabled", err)
		s.renderUsers(w, r, code, msg, url.Values{})
		return
	}
	done := "enabled"
	if disabled {
		done = "disabled"
	}
	s.audit(r, "user "+done, "target", name)
	http.Redirect(w, r, "/admin/users?done="+done, http.StatusSeeOther)
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	name := auth.NormalizeUsername(r.PathValue("name"))
	if err := s.auth.SetPassword(r.Context(), name, r.PostFormValue("password")); err != nil {
		code, msg := s.userError("reset password", err)
		s.renderUsers(w, r, code, msg, url.Values{})
		return
	}
	s.audit(r, "password reset", "target", name)
	if name == id.Username { // their own sessions ended with it
		s.auth.ClearSessionCookie(w, r)
		http.Redirect(w, r, "/login?done=password_changed", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/admin/users?done=reset", http.StatusSeeOther)
}

// audit logs an administrative action with who did it and from where.
func (s *Server) audit(r *http.Request, msg string, args ...any) {
	id, _ := auth.FromContext(r.Context())
	s.deps.Log.Info(msg, append([]any{"by", id.Username, "remote", r.RemoteAddr}, args...)...)
}

// apiUser is a user as the API shows it: never the hash.
type apiUser struct {
	Username    string    `json:"username"`
	DisplayName string    `json:"displayName,omitempty"`
	Role        string    `json:"role"`
	Disabled    bool      `json:"disabled"`
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	Created     time.Time `json:"created"`
	Updated     time.Time `json:"updated"`
}

func (s *Server) handleAPIUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.auth.Users()
	if err != nil {
		s.fail(w, r, "op_list_users", err)
		return
	}
	out := make([]apiUser, 0, len(us))
	for _, u := range us {
		out = append(out, apiUser{
			Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Disabled: u.Disabled,
			LockedUntil: u.LockedUntil, Created: u.Created.In(s.deps.Location), Updated: u.Updated.In(s.deps.Location),
		})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	via := "session"
	if id.ViaToken() {
		via = "token"
	}
	writeJSON(w, http.StatusOK, map[string]string{
		"username": id.Username, "displayName": id.DisplayName, "role": string(id.Role),
		"via": via, "csrfToken": id.CSRFToken,
	})
}
