package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"tracecall/web/auth"
)

// panelFiles are the panel's templates and static assets, built in.
//
//go:embed templates/*.html templates/partials/*.html assets/*
var panelFiles embed.FS

// pageNames are the templates under templates/ but the layout, each rendered
// inside layout.html.
var pageNames = templateNames()

func templateNames() []string {
	files, _ := fs.Glob(panelFiles, "templates/*.html") // the pattern is valid
	var out []string
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		if name != "layout" {
			out = append(out, name)
		}
	}
	return out
}

// parsePages parses every page with the layout and the parts pages share
// (templates/partials). The templates are built in, so an error is a bug
// that the tests catch.
func parsePages() map[string]*template.Template {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t := template.New(name).Option("missingkey=error")
		out[name] = template.Must(t.ParseFS(panelFiles, "templates/layout.html", "templates/partials/*.html", "templates/"+name+".html"))
	}
	return out
}

// view is what every page template gets.
type view struct {
	Lang     string // zh or en
	HTMLLang string // zh-CN or en
	M        map[string]string
	Title    string
	User     *auth.Identity // nil when nobody is logged in
	Name     string         // the user's display name, or username
	RoleName string
	IsAdmin  bool
	CSRF     string // the session's token for every form
	Flash    string
	Error    string
	Alert    string    // above every page: the call records are not all on disk (records_health.go)
	LangZH   string    // this page in Chinese
	LangEN   string    // and in English
	Nav      []navLink // the pages the user's role may open
	Live     bool      // the page follows /api/events with assets/live.js
	Data     any       // the page's own
}

// navLink is one page in the menu and on the home page.
type navLink struct {
	Href, Label, Hint string
}

// panelPages are the pages the menu offers, each to its least role; the
// route table holds the same roles (a test checks).
var panelPages = []struct {
	Href, Key string
	Role      auth.Role
}{
	{"/agent", "agent", auth.RoleAgent},
	{"/lines", "lines", auth.RoleTeamLeader},
	{"/wallboard", "wallboard", auth.RoleTeamLeader},
	{"/calls", "calls", auth.RoleTeamLeader},
	{"/admin/audit", "audit", auth.RoleDutyManager},
	{"/admin/users", "users", auth.RoleAdmin},
	{"/admin/queues", "queues", auth.RoleAdmin},
	{"/admin/agents", "agents", auth.RoleAdmin},
	{"/admin/security", "security", auth.RoleAdmin},
}

// navFor is the menu for role, in the language of m.
func navFor(m map[string]string, role auth.Role) []navLink {
	var out []navLink
	for _, p := range panelPages {
		if role.AtLeast(p.Role) {
			out = append(out, navLink{Href: p.Href, Label: m["nav_"+p.Key], Hint: m["hint_"+p.Key]})
		}
	}
	return out
}

// view starts a page's data for r: language, messages, the user, and a flash
// message named by ?done= if it is one the catalogue has.
func (s *Server) view(w http.ResponseWriter, r *http.Request, title string) *view {
	lang := s.lang(w, r)
	m := messages[lang]
	v := &view{Lang: lang, HTMLLang: htmlLang[lang], M: m, Title: m[title]}
	if id, ok := auth.FromContext(r.Context()); ok {
		v.User = &id
		v.Name = id.DisplayName
		if v.Name == "" {
			v.Name = id.Username
		}
		v.RoleName = m["role_"+string(id.Role)]
		v.IsAdmin = id.Role.AtLeast(auth.RoleAdmin)
		v.CSRF = id.CSRFToken
		v.Nav = navFor(m, id.Role)
		v.Alert = s.recordsAlert(r, m)
	}
	if d := r.URL.Query().Get("done"); d != "" {
		v.Flash = m["done_"+d]
	}
	v.LangZH, v.LangEN = withLang(r.URL, "zh"), withLang(r.URL, "en")
	return v
}

// withLang is u's path and query with lang set.
func withLang(u *url.URL, lang string) string {
	q := u.Query()
	q.Set("lang", lang)
	q.Del("done")
	return u.Path + "?" + q.Encode()
}

// render writes page with v. Pages are never cached: they carry CSRF tokens.
func (s *Server) render(w http.ResponseWriter, code int, page string, v *view) {
	var buf bytes.Buffer
	if err := s.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		f := classify(err)
		s.deps.Log.Error("render page", "page", page, "err", err)
		http.Error(w, failedText(v.M, "op_render_page", f), f.code)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// langCookie remembers the language chosen with ?lang=.
const langCookie = "tracecall_lang"

// lang picks the page language: ?lang= (remembered in a cookie), then the
// cookie, else Chinese. The browser's Accept-Language is not consulted: the
// people at these desks read Chinese, and a machine set up in English should
// not change that; English is one click away.
func (s *Server) lang(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); messages[l] != nil {
		http.SetCookie(w, &http.Cookie{
			Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: r.TLS != nil || s.auth.Config().SecureCookies, SameSite: http.SameSiteLaxMode,
		})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && messages[c.Value] != nil {
		return c.Value
	}
	return "zh"
}

// handleAssets serves the built-in scripts and styles, files only: a
// directory (/assets/ itself) is 404, never a listing.
func (s *Server) handleAssets(w http.ResponseWriter, r *http.Request) {
	sub, _ := fs.Sub(panelFiles, "assets")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.StripPrefix("/assets/", http.FileServerFS(filesOnly{sub})).ServeHTTP(w, r)
}

// filesOnly is an fs.FS whose directories do not exist, so that a file
// server over it lists nothing.
type filesOnly struct{ fsys fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}
