package web

import (
	"mime"
	"net/http"
	"net/url"
	"strings"

	"tracecall/web/auth"
)

// maxFormBytes bounds the body of a panel form.
const maxFormBytes = 64 << 10

// identify puts the request's identity, if any, in its context, and sets the
// headers every TCP answer carries.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		if id, ok := s.auth.Identify(r); ok {
			r = r.WithContext(auth.NewContext(r.Context(), id))
		}
		next.ServeHTTP(w, r)
	})
}

// guard lets a request through to h only if its identity has at least role
// (any request for a public route, role ""), and, for an unsafe method with a
// session cookie, only with the session's CSRF token.
func (s *Server) guard(role auth.Role, h http.Handler) http.Handler {
	if role == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth.FromContext(r.Context())
		if !ok {
			s.unauthenticated(w, r)
			return
		}
		if !id.Role.AtLeast(role) {
			s.deps.Log.Warn("forbidden", "user", id.Username, "role", id.Role, "need", role,
				"method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
			s.refuse(w, r, http.StatusForbidden, "forbidden", "msg_forbidden")
			return
		}
		if auth.Unsafe(r.Method) && !id.ViaToken() {
			if isForm(r) && r.Header.Get(auth.CSRFHeader) == "" {
				// The token is in the body: bound what is read to find it.
				// Uploads send the header instead and keep their own limits.
				r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			}
			if err := s.auth.CheckCSRF(r, id); err != nil {
				s.deps.Log.Warn("csrf token refused", "user", id.Username, "method", r.Method,
					"path", r.URL.Path, "remote", r.RemoteAddr)
				s.refuse(w, r, http.StatusForbidden, "csrf", "msg_csrf")
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// isForm reports whether r's body is an HTML form.
func isForm(r *http.Request) bool {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data"
}

// isAPI reports whether r is for the JSON API rather than a page.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// unauthenticated answers a request without a usable login: 401 for the
// API, a redirect to the login page for pages.
func (s *Server) unauthenticated(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(auth.SessionCookie); err == nil {
		s.auth.ClearSessionCookie(w, r) // expired or ended: stop sending it
	}
	if isAPI(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tracecall"`)
		writeError(w, http.StatusUnauthorized, "unauthorized",
			"log in, or send the bearer token from DATA/api-token")
		return
	}
	to := "/login"
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		if next := safeNext(r.URL.RequestURI()); next != "/" {
			to += "?next=" + url.QueryEscape(next)
		}
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// refuse answers 403 and the like: JSON with reason for the API, an error
// page with the catalogue's message msg for pages.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, code int, reason, msg string) {
	if isAPI(r) {
		writeError(w, code, reason, messages["en"][msg])
		return
	}
	v := s.view(w, r, "title_error")
	v.Error = v.M[msg]
	s.render(w, code, "error", v)
}

func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	s.refuse(w, r, http.StatusNotFound, "not_found", "msg_not_found")
}
