package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"tracecall/store"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// Deps are what the API serves from.
type Deps struct {
	Store        *store.DB
	Bus          *event.Bus
	Lines        []telephony.LineLister
	Simulator    Simulator // nil when no simulated lines run
	TraceOptions trace.Options
	Token        string // bearer token for the TCP listener
	Location     *time.Location
	Version      string
	DataDir      string
	Log          *slog.Logger
}

// Server is the HTTP API.
type Server struct {
	deps    Deps
	started time.Time
	mux     *http.ServeMux
	live    *liveCalls
}

// New returns a server; Run must be called for the live call tracker.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Location == nil {
		d.Location = time.FixedZone("CST", 8*3600)
	}
	s := &Server{deps: d, started: time.Now(), mux: http.NewServeMux(), live: newLiveCalls(d.Bus)}
	s.routes()
	return s
}

// Run keeps the live view of calls until ctx ends.
func (s *Server) Run(ctx context.Context) error { return s.live.run(ctx) }

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /api/status", s.handleStatus)
	s.mux.HandleFunc("GET /api/lines", s.handleLines)
	s.mux.HandleFunc("GET /api/calls", s.handleCalls)
	s.mux.HandleFunc("GET /api/calls/{id}", s.handleCall)
	s.mux.HandleFunc("GET /api/trace", s.handleTraceList)
	s.mux.HandleFunc("GET /api/trace/export", s.handleTraceExport)
	s.mux.HandleFunc("POST /api/trace/import", s.handleTraceImport)
	s.mux.HandleFunc("GET /api/trace/{code}", s.handleTrace)
	s.mux.HandleFunc("POST /api/sim/call", s.handleSimCall)
}

// TCPHandler is the handler for the network listener: /api/ needs the token.
func (s *Server) TCPHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="tracecall"`)
			writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token (see DATA/api-token)")
			return
		}
		s.mux.ServeHTTP(w, r)
	})
}

// SocketHandler is the handler for the unix socket, trusted by its file mode.
func (s *Server) SocketHandler() http.Handler { return s.mux }

func (s *Server) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || s.deps.Token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(s.deps.Token)) == 1
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// apiError is the body of every error answer.
type apiError struct {
	Error  string `json:"error"`
	Reason string `json:"reason,omitempty"`
}

func writeError(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, apiError{Error: msg, Reason: reason})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	lines, busy := 0, 0
	for _, ll := range s.deps.Lines {
		for _, l := range ll.Lines() {
			lines++
			if l.State != telephony.LineIdle {
				busy++
			}
		}
	}
	chains, err := s.deps.Store.CountChains()
	if err != nil {
		s.deps.Log.Error("count chains", "err", err)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"version":        s.deps.Version,
		"started":        s.started.In(s.deps.Location),
		"uptime_seconds": int(time.Since(s.started).Seconds()),
		"lines":          lines,
		"lines_busy":     busy,
		"calls_active":   s.live.count(),
		"chains":         chains,
		"data_dir":       s.deps.DataDir,
	})
}

func (s *Server) handleLines(w http.ResponseWriter, r *http.Request) {
	out := []telephony.LineState{}
	for _, ll := range s.deps.Lines {
		for _, l := range ll.Lines() {
			if l.CallID != "" {
				l.Doing = s.live.doing(l.CallID)
			}
			l.Since = l.Since.In(s.deps.Location)
			out = append(out, l)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.CallFilter{Caller: q.Get("caller"), Type: q.Get("type")}
	var err error
	if f.From, err = parseTime(q.Get("from"), s.deps.Location, false); err != nil {
		writeError(w, http.StatusBadRequest, "bad_from", "from: "+err.Error())
		return
	}
	if f.To, err = parseTime(q.Get("to"), s.deps.Location, true); err != nil {
		writeError(w, http.StatusBadRequest, "bad_to", "to: "+err.Error())
		return
	}
	if l := q.Get("limit"); l != "" {
		if f.Limit, err = parsePositive(l); err != nil {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit: "+err.Error())
			return
		}
	}
	calls, err := s.deps.Store.ListCalls(f)
	if err != nil {
		s.internal(w, "list calls", err)
		return
	}
	if calls == nil {
		calls = []store.CallRecord{}
	}
	writeJSON(w, http.StatusOK, calls)
}

func (s *Server) handleCall(w http.ResponseWriter, r *http.Request) {
	c, ok, err := s.deps.Store.Call(r.PathValue("id"))
	switch {
	case err != nil:
		s.internal(w, "get call", err)
	case !ok:
		writeError(w, http.StatusNotFound, "not_found", "no call "+r.PathValue("id"))
	default:
		writeJSON(w, http.StatusOK, c)
	}
}

func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.deps.Log.Error(what, "err", err)
	writeError(w, http.StatusInternalServerError, "internal", what+" failed; see the daemon log")
}

var errBadNumber = errors.New("want a positive whole number")
