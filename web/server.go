package web

import (
	"context"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"tracecall/crm"
	"tracecall/screenpop"
	"tracecall/store"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/throttle"
	"tracecall/trace"
	"tracecall/web/auth"
)

// Deps are what the API serves from.
type Deps struct {
	Store *store.DB
	Bus   *event.Bus
	// Lines lists every driver's lines (the core's telephony.Calls); nil:
	// the line monitor shows only the calls the bus tells of.
	Lines        telephony.LineLister
	Simulator    Simulator // nil when no simulated lines run
	TraceOptions trace.Options
	Token        string // bearer token for the TCP listener; acts as admin
	Location     *time.Location
	Version      string
	DataDir      string
	Log          *slog.Logger

	// Wallboard feeds the wallboard's queue and agent sections; nil until
	// the ACD is wired, and the page says so.
	Wallboard WallboardSource
	// Figures gives the queues' figures from the call records (the
	// *cdr.Writer); nil: they are read from Store on each request.
	Figures Figures
	// Records is the call record writer's health (the *cdr.Writer), for
	// /api/status and the panel's warning; nil: neither shows it.
	Records RecordsHealth

	// ACD is the queues and agents, for their API and administration pages;
	// nil when the daemon runs no ACD.
	ACD ACDAdmin
	// Desk is what the agent desktop's buttons do; nil: the desktop shows
	// the calls but cannot act on them.
	Desk Desk
	// Customers is the customer book for the screen pop and /api/customers;
	// nil: one over Store.
	Customers *crm.Book

	// Refusals reports the calls refused by the drivers' per-source limits,
	// for /api/status and the line monitor; nil: not shown.
	Refusals RefusalSource

	// Auth sets sessions, timeouts and login throttles for the TCP listener
	// (zero: defaults). Its Token is taken from Token above when empty.
	Auth auth.Config
	// Throttles are other throttles of guesses for the security page and
	// /api/security (the SIP registrar's digest checks), after the panel's
	// own logins; see ThrottleSource.
	Throttles []ThrottleSource
	// Limits bound what one client may hold: header and body timeouts and
	// sizes (zero: defaults; body.go).
	Limits Limits
}

// Server is the HTTP API and the panel.
type Server struct {
	deps    Deps
	started time.Time
	mux     *http.ServeMux // the unix socket's: API only, no auth
	socket  http.Handler   // mux, keeping bodies moving
	tcp     http.Handler   // the TCP listener's: API and pages, with auth
	table   []Route
	auth    *auth.Auth
	pages   map[string]*template.Template
	live    *liveCalls
	pops    *screenpop.Composer // the agent desktop's screen pops and agents' current calls
	// grants and searchMisses keep agents to the customers of their calls
	// (customers.go).
	grants       *customerGrants
	searchMisses *throttle.Throttle
	searching    throttle.Gate // one search at a time per agent
	limits       Limits        // deps.Limits with defaults
	// connsRefused counts the connections LimitListener refused.
	connsRefused atomic.Uint64

	stopOnce sync.Once
	stopped  chan struct{} // closed when Run returns: event streams end
}

// New returns a server; Run must be called for the live call tracker.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Location == nil {
		d.Location = time.FixedZone("CST", 8*3600)
	}
	if d.Auth.Token == "" {
		d.Auth.Token = d.Token
	}
	s := &Server{
		deps: d, started: time.Now(), mux: http.NewServeMux(), live: newLiveCalls(d.Bus),
		auth: auth.New(d.Store, d.Auth, d.Log), pages: parsePages(), stopped: make(chan struct{}),
	}
	now := s.auth.Config().Now
	s.grants, s.searchMisses = newCustomerGrants(now), searchMisses(now)
	s.limits = d.Limits.withDefaults()
	s.routes()
	s.cleanSpool()
	return s
}

// Run keeps the live view of calls until ctx ends. When it returns, the
// event streams of /api/events end too, so that a graceful shutdown of the
// HTTP server does not wait for them.
func (s *Server) Run(ctx context.Context) error {
	defer s.stopOnce.Do(func() { close(s.stopped) })
	defer s.pops.Start(ctx)()
	return s.live.run(ctx)
}

// Route is one entry of the TCP listener's table.
type Route struct {
	Pattern string    // as for http.ServeMux: "GET /api/calls/{id}"
	Role    auth.Role // the least role that may use it; "" for a public route
	// Socket is set for the API routes the unix socket serves too, without
	// auth (among them listing users, unlocking them and resetting their
	// passwords: the console's way back in); pages and the routes that act
	// for a logged-in person are for the TCP listener only.
	Socket bool
}

// addRoute puts a route in both handlers: pattern as for http.ServeMux, the
// least role ("" for public), and whether the unix socket serves it too.
type addRoute func(pattern string, role auth.Role, socket bool, h http.HandlerFunc)

// Routes returns the TCP listener's routes with the role each needs. Any
// other path needs a login and then answers 404.
func (s *Server) Routes() []Route { return append([]Route(nil), s.table...) }

// routes builds both handlers from one table, so that no route reaches the
// network without a role.
func (s *Server) routes() {
	const (
		public  = auth.Role("")
		agent   = auth.RoleAgent
		leader  = auth.RoleTeamLeader
		manager = auth.RoleDutyManager
		admin   = auth.RoleAdmin
	)
	tcp := http.NewServeMux()
	var add addRoute = func(pattern string, role auth.Role, socket bool, h http.HandlerFunc) {
		s.table = append(s.table, Route{Pattern: pattern, Role: role, Socket: socket})
		if socket {
			s.mux.Handle(pattern, s.limitBody(pattern, h))
		}
		tcp.Handle(pattern, s.limitBody(pattern, s.guard(role, h)))
	}
	add("GET /healthz", public, true, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	add("GET /api/status", agent, true, s.handleStatus)
	add("GET /api/lines", leader, true, s.handleLines)
	add("GET /api/calls", leader, true, s.handleCalls)
	add("GET /api/calls/{id}", leader, true, s.handleCall)
	add("GET /api/trace", agent, true, s.handleTraceList)
	add("GET /api/trace/export", leader, true, s.handleTraceExport)
	add("POST /api/trace/import", admin, true, s.handleTraceImport)
	add("GET /api/trace/{code}", agent, true, s.handleTrace)
	add("POST /api/sim/call", admin, true, s.handleSimCall)
	add("POST /api/sim/phone", admin, true, s.handleSimPhone)
	add("GET /api/me", agent, false, s.handleMe)
	add("GET /api/users", admin, true, s.handleAPIUsers)
	add("GET /api/events", agent, true, s.handleEvents)
	add("GET /api/wallboard", leader, true, s.handleAPIWallboard)
	add("GET /api/audit", manager, true, s.handleAPIAudit)

	add("GET /assets/", public, false, s.handleAssets)
	add("GET /login", public, false, s.handleLoginPage)
	add("POST /login", public, false, s.handleLogin)
	add("POST /logout", agent, false, s.handleLogout)
	add("GET /{$}", agent, false, s.handleHome)
	add("POST /account/password", agent, false, s.handleChangePassword)
	add("GET /lines", leader, false, s.handleLinesPage)
	add("GET /calls", leader, false, s.handleCallsPage)
	add("GET /calls.csv", leader, false, s.handleCallsCSV)
	add("GET /wallboard", leader, false, s.handleWallboardPage)
	add("GET /admin/audit", manager, false, s.handleAuditPage)
	add("GET /admin/users", admin, false, s.handleUsers)
	add("POST /admin/users", admin, false, s.handleCreateUser)
	add("POST /admin/users/{name}/disable", admin, false, s.handleDisableUser)
	add("POST /admin/users/{name}/enable", admin, false, s.handleEnableUser)
	add("POST /admin/users/{name}/password", admin, false, s.handleResetPassword)
	s.acdAdminRoutes(add)
	s.deskRoutes(add)
	s.sipPhoneRoutes(add)
	s.securityRoutes(add)
	// Everything else: log in first, then 404, so that anonymous callers
	// learn nothing about which paths exist.
	tcp.Handle("/", s.guard(agent, http.HandlerFunc(s.handleNotFound)))

	s.tcp = s.keepBodyMoving(http.NewCrossOriginProtection().Handler(s.identify(tcp)))
	s.socket = s.keepBodyMoving(s.mux)
}

// TCPHandler is the handler for the network listener: pages and API, every
// route but /healthz, /login and /assets/ behind a login or the bearer token,
// and checked against the route's role.
func (s *Server) TCPHandler() http.Handler { return s.tcp }

// SocketHandler is the handler for the unix socket, trusted by its file mode.
func (s *Server) SocketHandler() http.Handler { return s.socket }

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// apiError is the body of every error answer: the error in English for
// scripts and logs, a stable reason, and (for failures of the appliance,
// failure.go) the sentence in the user's language.
type apiError struct {
	Error   string `json:"error"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

func writeError(w http.ResponseWriter, code int, reason, msg string) {
	writeJSON(w, code, apiError{Error: msg, Reason: reason})
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	lines, busy := 0, 0
	if s.deps.Lines != nil {
		for _, l := range s.deps.Lines.Lines() {
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
	st := map[string]any{
		"version":        s.deps.Version,
		"started":        s.started.In(s.deps.Location),
		"uptime_seconds": int(time.Since(s.started).Seconds()),
		"lines":          lines,
		"lines_busy":     busy,
		"calls_active":   s.live.Counts(time.Now()).Calls,
		"chains":         chains,
		"data_dir":       s.deps.DataDir,
		"records":        s.recordsHealth(),
		// connections refused by LimitListener (too many from one address)
		"http_conns_refused": s.connsRefused.Load(),
	}
	if s.deps.Refusals != nil {
		r := s.deps.Refusals.Refusals()
		st["calls_refused"], st["limits"] = r.Total, r
	}
	writeJSON(w, http.StatusOK, st)
}

// handleCalls lists call records: the customers' calls, unless type names
// another (type=feature_code for the agents' feature codes).
func (s *Server) handleCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.CallFilter{Caller: q.Get("caller"), Type: q.Get("type"), ExcludeTypes: housekeeping}
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
		s.fail(w, r, "op_list_calls", err)
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
		s.fail(w, r, "op_get_call", err)
	case !ok:
		writeError(w, http.StatusNotFound, "not_found", "no call "+r.PathValue("id"))
	default:
		writeJSON(w, http.StatusOK, c)
	}
}

// internal answers a request that failed for err while doing what (in
// English), naming the cause as fail does, in both languages since it has
// no request to take the user's from. New code calls fail.
func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	f := classify(err)
	s.logFailure(nil, what, f, err)
	writeJSON(w, f.code, apiError{
		Error: what + ": " + err.Error(), Reason: f.reason,
		Message: failedText(messages["zh"], "op_other", f) + " / " + failedText(messages["en"], "op_other", f),
	})
}

var errBadNumber = errors.New("want a positive whole number")
