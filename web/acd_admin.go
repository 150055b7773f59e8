package web

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"tracecall/acd"
	"tracecall/acd/acdstore"
	"tracecall/store"
	"tracecall/web/auth"
)

// ACDAdmin is what the queue and agent pages and /api/queues, /api/agents
// need from the ACD; *acd.ACD is one. Changes take effect at once on the
// running ACD, which keeps them in the store (acd.Saver) before applying them.
type ACDAdmin interface {
	Config(ctx context.Context) (acd.Config, error)
	Snapshot(ctx context.Context) (acd.Snapshot, error)
	AddQueue(ctx context.Context, q acd.QueueConfig) error
	ReplaceQueue(ctx context.Context, q acd.QueueConfig) error
	RemoveQueue(ctx context.Context, name string) error
	AddAgent(ctx context.Context, a acd.AgentConfig) error
	ReplaceAgent(ctx context.Context, a acd.AgentConfig) error
	RemoveAgent(ctx context.Context, id string) error
	Reconfigure(ctx context.Context, cfg acd.Config) error
}

// WallboardFromACD feeds the wallboard from the ACD's snapshot.
func WallboardFromACD(a ACDAdmin) WallboardSource { return acdWallboard{a} }

type acdWallboard struct{ a ACDAdmin }

func (w acdWallboard) Snapshot(ctx context.Context) (any, error) {
	sn, err := w.a.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	out := &WallboardSnapshot{Queues: []WallboardQueue{}, Agents: []WallboardAgent{}}
	// The queues' names only: their calls and figures are the live
	// calls' and the records' (queueRows), not the ACD's own counters.
	for _, q := range sn.Queues {
		out.Queues = append(out.Queues, WallboardQueue{Name: q.Name})
	}
	for _, a := range sn.Agents {
		name := a.Name
		if name == "" {
			name = a.ID
		}
		out.Agents = append(out.Agents, WallboardAgent{Name: name, State: string(a.State), Reason: a.Reason, Since: a.Since, Calls: a.Taken})
	}
	return out, nil
}

// acdAdminRoutes adds the queue and agent administration pages and API.
// Reading needs a team leader, changing an admin. POST /api/agents is for the
// TCP listener only, as it creates panel users.
func (s *Server) acdAdminRoutes(add addRoute) {
	const (
		leader = auth.RoleTeamLeader
		admin  = auth.RoleAdmin
	)
	add("GET /api/queues", leader, true, s.handleAPIQueues)
	add("POST /api/queues", admin, true, s.handleAPICreateQueue)
	add("PUT /api/queues/{name}", admin, true, s.handleAPIReplaceQueue)
	add("DELETE /api/queues/{name}", admin, true, s.handleAPIDeleteQueue)
	add("GET /api/agents", leader, true, s.handleAPIAgents)
	add("POST /api/agents", admin, false, s.handleAPICreateAgent)
	add("PUT /api/agents/{id}", admin, true, s.handleAPIReplaceAgent)
	add("DELETE /api/agents/{id}", admin, true, s.handleAPIDeleteAgent)
	add("POST /api/acd/reset", admin, true, s.handleAPIResetACD)

	add("GET /admin/queues", admin, false, s.handleQueuesPage)
	add("POST /admin/queues", admin, false, s.handleQueueForm)
	add("POST /admin/queues/{name}", admin, false, s.handleQueueForm)
	add("POST /admin/queues/{name}/delete", admin, false, s.handleQueueDelete)
	add("GET /admin/agents", admin, false, s.handleAgentsPage)
	add("POST /admin/agents", admin, false, s.handleAgentForm)
	add("POST /admin/agents/{id}", admin, false, s.handleAgentForm)
	add("POST /admin/agents/{id}/delete", admin, false, s.handleAgentDelete)
	add("POST /admin/acd/reset", admin, false, s.handleResetACDForm)
}

// acdTimeout bounds one call to the ACD.
const acdTimeout = 5 * time.Second

func (s *Server) acdCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), acdTimeout)
}

// --- the API's shapes ---

// apiQueue is a queue as the API shows it: its settings (durations as Go
// durations, "20s"), and its live status.
type apiQueue struct {
	Name         string           `json:"name"`
	Strategy     string           `json:"strategy"`
	Agents       []string         `json:"agents"`
	Skills       map[string]int   `json:"skills"`
	WidenAfter   string           `json:"widen_after"`
	WidenStep    int              `json:"widen_step"`
	RingTimeout  string           `json:"ring_timeout"`
	MaxNoAnswer  int              `json:"max_no_answer"`
	WrapUp       string           `json:"wrap_up"`
	MaxWait      string           `json:"max_wait"`
	MaxLength    int              `json:"max_length"`
	Overflow     string           `json:"overflow"`
	WhenEmpty    string           `json:"when_empty"`
	Priority     int              `json:"priority"`
	ServiceLevel string           `json:"service_level"`
	Status       *acd.QueueStatus `json:"status,omitempty"`
}

// apiAgent is an agent as the API shows it, with their live status.
type apiAgent struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Role      string           `json:"role"`
	Extension string           `json:"extension"`
	Skills    map[string]int   `json:"skills"`
	Priority  int              `json:"priority"`
	Status    *acd.AgentStatus `json:"status,omitempty"`
}

func toAPIQueue(q acd.QueueConfig) apiQueue {
	return apiQueue{
		Name: q.Name, Strategy: q.Strategy, Agents: nonNil(q.Agents), Skills: nonNilMap(q.Skills),
		WidenAfter: q.WidenAfter.String(), WidenStep: q.WidenStep, RingTimeout: q.RingTimeout.String(),
		MaxNoAnswer: q.MaxNoAnswer, WrapUp: q.WrapUp.String(), MaxWait: q.MaxWait.String(),
		MaxLength: q.MaxLength, Overflow: q.Overflow, WhenEmpty: q.WhenEmpty, Priority: q.Priority,
		ServiceLevel: q.ServiceLevel.String(),
	}
}

func toAPIAgent(a acd.AgentConfig) apiAgent {
	return apiAgent{ID: a.ID, Name: a.Name, Role: string(a.Role), Extension: a.Extension,
		Skills: nonNilMap(a.Skills), Priority: a.Priority}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMap(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}

// queueInput is a queue as the API and the form take it. Durations are a Go
// duration ("90s", "1m30s") or a number of seconds; zero or absent takes the
// default.
type queueInput struct {
	Name         string         `json:"name"`
	Strategy     string         `json:"strategy"`
	Agents       []string       `json:"agents"`
	Skills       map[string]int `json:"skills"`
	WidenAfter   any            `json:"widen_after"`
	WidenStep    int            `json:"widen_step"`
	RingTimeout  any            `json:"ring_timeout"`
	MaxNoAnswer  int            `json:"max_no_answer"`
	WrapUp       any            `json:"wrap_up"`
	MaxWait      any            `json:"max_wait"`
	MaxLength    int            `json:"max_length"`
	Overflow     string         `json:"overflow"`
	WhenEmpty    string         `json:"when_empty"`
	Priority     int            `json:"priority"`
	ServiceLevel any            `json:"service_level"`
}

// agentInput is an agent as the API and the form take it. ID is the panel
// username.
type agentInput struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Role      string         `json:"role"`
	Extension string         `json:"extension"`
	Skills    map[string]int `json:"skills"`
	Priority  int            `json:"priority"`
}

// fieldErrs are the faults found in an input, by field (the API's and the
// form's names), in the order found.
type fieldErrs struct {
	order []string
	msg   map[string]string
}

func (f *fieldErrs) add(field, msg string) {
	if f.msg == nil {
		f.msg = map[string]string{}
	}
	if _, ok := f.msg[field]; ok {
		f.msg[field] += "; " + msg
		return
	}
	f.order = append(f.order, field)
	f.msg[field] = msg
}

func (f *fieldErrs) empty() bool { return len(f.order) == 0 }

// queueNameRE is what a queue name may be: it goes in URLs and in the
// overflow setting ("queue NAME").
var queueNameRE = regexp.MustCompile(`^[\p{L}\p{N}._-]{1,32}$`)

// toConfig checks and converts the input. existing is the name of the queue
// being replaced (from the URL), "" for a new one: a queue keeps its name,
// which for a new queue must suit URLs.
func (in queueInput) toConfig(existing string, errs *fieldErrs) acd.QueueConfig {
	if existing != "" && strings.TrimSpace(in.Name) == "" {
		in.Name = existing
	}
	q := acd.QueueConfig{
		Name: strings.TrimSpace(in.Name), Strategy: strings.TrimSpace(in.Strategy), Agents: in.Agents, Skills: in.Skills,
		WidenStep: in.WidenStep, MaxNoAnswer: in.MaxNoAnswer, MaxLength: in.MaxLength,
		Overflow: strings.TrimSpace(in.Overflow), WhenEmpty: strings.TrimSpace(in.WhenEmpty), Priority: in.Priority,
	}
	switch {
	case existing != "" && q.Name != existing:
		errs.add("name", fmt.Sprintf("%q: a queue cannot be renamed (this is %q)", q.Name, existing))
	case existing == "" && !queueNameRE.MatchString(q.Name):
		errs.add("name", fmt.Sprintf("%q: 1-32 letters, digits, '.', '_' or '-'", q.Name))
	}
	for _, d := range []struct {
		field string
		v     any
		to    *time.Duration
	}{
		{"widen_after", in.WidenAfter, &q.WidenAfter},
		{"ring_timeout", in.RingTimeout, &q.RingTimeout},
		{"wrap_up", in.WrapUp, &q.WrapUp},
		{"max_wait", in.MaxWait, &q.MaxWait},
		{"service_level", in.ServiceLevel, &q.ServiceLevel},
	} {
		v, err := anyDuration(d.v)
		if err != nil {
			errs.add(d.field, err.Error())
		}
		*d.to = v
	}
	return q
}

// toConfig checks and converts the input. existing is the id of the agent
// being replaced (from the URL), "" for a new one: an agent keeps their id,
// which for a new agent must be a valid panel username.
func (in agentInput) toConfig(existing string, errs *fieldErrs) acd.AgentConfig {
	a := acd.AgentConfig{
		ID: auth.NormalizeUsername(in.ID), Name: strings.TrimSpace(in.Name), Role: acd.Role(strings.TrimSpace(in.Role)),
		Extension: strings.TrimSpace(in.Extension), Skills: in.Skills, Priority: in.Priority,
	}
	switch id := strings.TrimSpace(in.ID); {
	case existing != "" && (id == "" || id == existing):
		a.ID = existing
	case existing != "":
		errs.add("id", fmt.Sprintf("%q: an agent's id cannot change (this is %q)", id, existing))
	case auth.ValidUsername(a.ID) != nil:
		errs.add("id", fmt.Sprintf("%q: the panel username: 1-32 characters a-z, 0-9, '.', '_' or '-'", a.ID))
	}
	if len([]rune(a.Name)) > 64 {
		errs.add("name", "at most 64 characters")
	}
	return a
}

// anyDuration reads a duration from JSON or a form: nil or "" is 0, a number
// is seconds, a string a Go duration or a number of seconds.
func anyDuration(v any) (time.Duration, error) {
	switch x := v.(type) {
	case nil:
		return 0, nil
	case float64:
		return seconds(x)
	case string:
		return parseDuration(x)
	}
	return 0, fmt.Errorf("want a duration such as \"20s\" or a number of seconds")
}

// maxSeconds bounds durations given in seconds (about 31 years).
const maxSeconds = 1e9

// seconds is n seconds, refusing what no setting could mean.
func seconds(n float64) (time.Duration, error) {
	if math.IsNaN(n) || math.Abs(n) > maxSeconds {
		return 0, fmt.Errorf("%v: want a number of seconds", n)
	}
	return time.Duration(n * float64(time.Second)), nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		return seconds(n)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a duration such as \"20s\" or a number of seconds", s)
	}
	return d, nil
}

// acdFieldErrs sorts an error of a change into the fields of the input at
// fault (the acd package's keys mapped to the API's names: "skills.pork" is
// skills, "agents[1]" is agents) and the faults that lie elsewhere.
func acdFieldErrs(err error, errs *fieldErrs) (elsewhere []string) {
	for _, fe := range acd.FieldErrors(err) {
		if fe.Field == "" {
			elsewhere = append(elsewhere, fe.Error())
			continue
		}
		f := fe.Field
		if i := strings.IndexAny(f, ".["); i > 0 {
			f = f[:i]
		}
		errs.add(f, fe.Field+": "+fe.Msg)
	}
	return elsewhere
}

// --- API handlers ---

// errNoACD is the answer when the daemon runs no ACD.
func (s *Server) noACD(w http.ResponseWriter) bool {
	if s.deps.ACD == nil {
		writeError(w, http.StatusServiceUnavailable, "no_acd", "no ACD runs in this daemon")
		return true
	}
	return false
}

func (s *Server) handleAPIQueues(w http.ResponseWriter, r *http.Request) {
	s.apiList(w, r, "acd queues", func(cfg acd.Config, sn acd.Snapshot) any {
		out := make([]apiQueue, 0, len(cfg.Queues))
		for _, q := range cfg.Queues {
			aq := toAPIQueue(q)
			if i := slices.IndexFunc(sn.Queues, func(st acd.QueueStatus) bool { return st.Name == q.Name }); i >= 0 {
				aq.Status = &sn.Queues[i]
			}
			out = append(out, aq)
		}
		return out
	})
}

func (s *Server) handleAPIAgents(w http.ResponseWriter, r *http.Request) {
	s.apiList(w, r, "acd agents", func(cfg acd.Config, sn acd.Snapshot) any {
		out := make([]apiAgent, 0, len(cfg.Agents))
		for _, a := range cfg.Agents {
			aa := toAPIAgent(a)
			if i := slices.IndexFunc(sn.Agents, func(st acd.AgentStatus) bool { return st.ID == a.ID }); i >= 0 {
				st := sn.Agents[i]
				st.Since = st.Since.In(s.deps.Location)
				aa.Status = &st
			}
			out = append(out, aa)
		}
		return out
	})
}

// apiList answers GET /api/queues and /api/agents: list makes the body from
// the ACD's config and snapshot, read together.
func (s *Server) apiList(w http.ResponseWriter, r *http.Request, what string, list func(acd.Config, acd.Snapshot) any) {
	if s.noACD(w) {
		return
	}
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	cfg, sn, err := s.acdState(ctx)
	if err != nil {
		s.fail(w, r, "op_acd_read", err)
		return
	}
	writeJSON(w, http.StatusOK, list(cfg, sn))
}

// acdState is the ACD's config and its snapshot.
func (s *Server) acdState(ctx context.Context) (acd.Config, acd.Snapshot, error) {
	cfg, err := s.deps.ACD.Config(ctx)
	if err != nil {
		return acd.Config{}, acd.Snapshot{}, err
	}
	sn, err := s.deps.ACD.Snapshot(ctx)
	if err != nil {
		return acd.Config{}, acd.Snapshot{}, err
	}
	return cfg, sn, nil
}

// maxACDBody bounds a queue or agent in JSON.
const maxACDBody = 64 << 10

// decodeInput reads one JSON object into v, refusing unknown fields; it
// answers 400 naming the field at fault and returns false when it cannot.
func (s *Server) decodeInput(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxACDBody))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) || errors.Is(err, os.ErrDeadlineExceeded) {
		s.bodyFailed(w, r, err, "bad_json")
		return false
	}
	body := fieldError{Error: "body: " + err.Error(), Reason: "bad_json"}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		body.Field = te.Field
		body.Error = fmt.Sprintf("%s: want a %s, not a JSON %s", te.Field, te.Type, te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		body.Field = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		body.Error = body.Field + ": unknown field"
	}
	if body.Field != "" {
		body.Fields = map[string]string{body.Field: body.Error}
	}
	writeJSON(w, http.StatusBadRequest, body)
	return false
}

// fieldError is the body of a refused change: the first field at fault, and
// every field's message.
type fieldError struct {
	Error  string            `json:"error"`
	Reason string            `json:"reason"`
	Field  string            `json:"field,omitempty"`
	Fields map[string]string `json:"fields,omitempty"`
}

// changeFailed answers a refused or failed change: 422 naming the fields,
// 404, 409 for a name taken or a queue or agent in use, 500 otherwise.
func (s *Server) changeFailed(w http.ResponseWriter, r *http.Request, what string, err error, errs *fieldErrs) {
	elsewhere := acdFieldErrs(err, errs)
	switch {
	case !errs.empty():
		body := fieldError{Reason: "invalid", Field: errs.order[0], Fields: errs.msg}
		var parts []string
		for _, f := range errs.order {
			parts = append(parts, f+": "+errs.msg[f])
		}
		body.Error = strings.Join(append(parts, elsewhere...), "; ")
		writeJSON(w, http.StatusUnprocessableEntity, body)
	case len(elsewhere) > 0:
		writeError(w, http.StatusConflict, "in_use", strings.Join(elsewhere, "; "))
	case errors.Is(err, acd.ErrUnknownQueue), errors.Is(err, acd.ErrUnknownAgent):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, acd.ErrQueueExists), errors.Is(err, acd.ErrAgentExists):
		writeError(w, http.StatusConflict, "exists", err.Error())
	default:
		s.fail(w, r, "op_acd_change", fmt.Errorf("%s: %w", what, err))
	}
}

func (s *Server) handleAPICreateQueue(w http.ResponseWriter, r *http.Request) {
	s.apiPutQueue(w, r, "")
}

func (s *Server) handleAPIReplaceQueue(w http.ResponseWriter, r *http.Request) {
	s.apiPutQueue(w, r, r.PathValue("name"))
}

// apiPutQueue creates a queue (name "") or replaces the queue name.
func (s *Server) apiPutQueue(w http.ResponseWriter, r *http.Request, name string) {
	q, code, ok := apiPut[queueInput](s, w, r, name, "save queue", s.putQueue,
		func(cfg acd.Config) []acd.QueueConfig { return cfg.Queues },
		func(a, b acd.QueueConfig) bool { return a.Name == b.Name })
	if ok {
		writeJSON(w, code, toAPIQueue(q))
	}
}

// acdInput is a queue or agent as the API takes it, which checks itself
// into the ACD's config (see queueInput.toConfig).
type acdInput[C any] interface {
	toConfig(existing string, errs *fieldErrs) C
}

// apiPut is the flow the API's create and replace of queues and agents
// share: read and check the input In, make the change with put, and return
// the item as it then runs (defaults filled in; the one checked if the ACD
// cannot say) with put's result, or answer the fault and return ok false.
// key is the queue name or agent id from the URL, "" to create; running
// lists the ACD's items, and same tells the changed one among them.
func apiPut[In acdInput[C], C, R any](s *Server, w http.ResponseWriter, r *http.Request, key, what string,
	put func(r *http.Request, key string, c C, errs *fieldErrs) (R, error),
	running func(acd.Config) []C, same func(a, b C) bool,
) (c C, res R, ok bool) {
	if s.noACD(w) {
		return c, res, false
	}
	var in In
	if !s.decodeInput(w, r, &in) {
		return c, res, false
	}
	var errs fieldErrs
	c = in.toConfig(key, &errs)
	res, err := put(r, key, c, &errs)
	if err != nil {
		s.changeFailed(w, r, what, err, &errs)
		return c, res, false
	}
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	if cfg, err := s.deps.ACD.Config(ctx); err == nil {
		list := running(cfg)
		if i := slices.IndexFunc(list, func(x C) bool { return same(x, c) }); i >= 0 {
			c = list[i]
		}
	}
	return c, res, true
}

// putQueue makes the change once errs is empty; code is 201 or 200.
func (s *Server) putQueue(r *http.Request, name string, q acd.QueueConfig, errs *fieldErrs) (int, error) {
	if !errs.empty() {
		return 0, errInvalidInput
	}
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	if name == "" {
		if err := s.deps.ACD.AddQueue(ctx, q); err != nil {
			return 0, err
		}
		s.audit(r, "queue created", "queue", q.Name)
		return http.StatusCreated, nil
	}
	if err := s.deps.ACD.ReplaceQueue(ctx, q); err != nil {
		return 0, err
	}
	s.audit(r, "queue changed", "queue", q.Name)
	return http.StatusOK, nil
}

// errInvalidInput stands for the faults already in a fieldErrs.
var errInvalidInput = errors.New("invalid input")

func (s *Server) handleAPIDeleteQueue(w http.ResponseWriter, r *http.Request) {
	if s.apiChange(w, r, "delete queue", func() error { return s.deleteQueue(r, r.PathValue("name")) }) {
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) deleteQueue(r *http.Request, name string) error {
	return s.acdRemove(r, "queue", name, s.deps.ACD.RemoveQueue)
}

// apiChange makes a change of the API that takes no input (a delete, the
// reset) where there is an ACD, and answers its fault; ok says it was made
// and the answer is still to write.
func (s *Server) apiChange(w http.ResponseWriter, r *http.Request, what string, change func() error) (ok bool) {
	if s.noACD(w) {
		return false
	}
	if err := change(); err != nil {
		s.changeFailed(w, r, what, err, &fieldErrs{})
		return false
	}
	return true
}

// acdRemove removes the queue or agent (kind) key with remove, and notes
// who did.
func (s *Server) acdRemove(r *http.Request, kind, key string, remove func(context.Context, string) error) error {
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	if err := remove(ctx, key); err != nil {
		return err
	}
	s.audit(r, kind+" deleted", kind, key)
	return nil
}

// createdAgent is the answer to creating an agent: the agent, and the panel
// user made for them with its password, shown this once.
type createdAgent struct {
	Agent       apiAgent `json:"agent"`
	UserCreated bool     `json:"user_created"`
	Username    string   `json:"username"`
	Password    string   `json:"password,omitempty"`
	UserError   string   `json:"user_error,omitempty"`
}

func (s *Server) handleAPICreateAgent(w http.ResponseWriter, r *http.Request) {
	s.apiPutAgent(w, r, "")
}

func (s *Server) handleAPIReplaceAgent(w http.ResponseWriter, r *http.Request) {
	s.apiPutAgent(w, r, r.PathValue("id"))
}

func (s *Server) apiPutAgent(w http.ResponseWriter, r *http.Request, id string) {
	a, res, ok := apiPut[agentInput](s, w, r, id, "save agent", s.putAgent,
		func(cfg acd.Config) []acd.AgentConfig { return cfg.Agents },
		func(a, b acd.AgentConfig) bool { return a.ID == b.ID })
	if !ok {
		return
	}
	res.Agent = toAPIAgent(a)
	if id != "" {
		writeJSON(w, http.StatusOK, res.Agent)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}

// putAgent creates the agent (id "") and their panel user if there is none,
// or replaces the agent id.
func (s *Server) putAgent(r *http.Request, id string, a acd.AgentConfig, errs *fieldErrs) (createdAgent, error) {
	res := createdAgent{Agent: toAPIAgent(a), Username: a.ID}
	if !errs.empty() {
		return res, errInvalidInput
	}
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	if id != "" {
		if err := s.deps.ACD.ReplaceAgent(ctx, a); err != nil {
			return res, err
		}
		s.audit(r, "agent changed", "agent", a.ID)
		return res, nil
	}
	if err := s.deps.ACD.AddAgent(ctx, a); err != nil {
		return res, err
	}
	s.audit(r, "agent created", "agent", a.ID)
	pw, created, err := s.ensureAgentUser(r.Context(), a)
	switch {
	case err != nil:
		s.deps.Log.Error("create the agent's panel user", "agent", a.ID, "err", err)
		res.UserError = "the agent was created, but not their panel user: " + err.Error()
	case created:
		s.audit(r, "user created", "target", a.ID, "target_role", a.Role)
		res.UserCreated, res.Password = true, pw
	}
	return res, nil
}

// ensureAgentUser creates the panel user of agent a's id and role with a
// generated password, unless one exists.
func (s *Server) ensureAgentUser(ctx context.Context, a acd.AgentConfig) (password string, created bool, err error) {
	var exists bool
	if err := s.deps.Store.View(func(tx *store.Tx) (err error) {
		_, exists, err = tx.User(a.ID)
		return err
	}); err != nil || exists {
		return "", false, err
	}
	role := auth.Role(a.Role)
	if role == "" {
		role = auth.RoleAgent
	}
	pw := rand.Text() // 26 characters, 128 bits
	err = s.auth.CreateUser(ctx, auth.NewUser{Username: a.ID, DisplayName: a.Name, Role: role, Password: pw})
	switch {
	case errors.Is(err, auth.ErrUserExists):
		return "", false, nil
	case err != nil:
		return "", false, err
	}
	return pw, true, nil
}

func (s *Server) handleAPIDeleteAgent(w http.ResponseWriter, r *http.Request) {
	if s.apiChange(w, r, "delete agent", func() error { return s.deleteAgent(r, r.PathValue("id")) }) {
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) deleteAgent(r *http.Request, id string) error {
	return s.acdRemove(r, "agent", id, s.deps.ACD.RemoveAgent)
}

func (s *Server) handleAPIResetACD(w http.ResponseWriter, r *http.Request) {
	if s.apiChange(w, r, "reset the ACD", func() error { return s.resetACD(r) }) {
		s.handleAPIQueues(w, r)
	}
}

// errNoFileACD is returned by resetACD before the daemon has stored the
// file's [acd] (it does at every start).
var errNoFileACD = errors.New("web: the config file's [acd] is not in the store")

// resetACD puts back the queues and agents of the config file's [acd] (as of
// the daemon's last start), replacing what the panel and the API changed.
func (s *Server) resetACD(r *http.Request) error {
	file, ok, err := acdstore.File(s.deps.Store)
	if err != nil {
		return err
	}
	if !ok {
		return errNoFileACD
	}
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	cur, err := s.deps.ACD.Config(ctx)
	if err != nil {
		return err
	}
	cur.Queues, cur.Agents = file.Queues, file.Agents
	if err := s.deps.ACD.Reconfigure(ctx, cur); err != nil {
		return err
	}
	s.audit(r, "acd reset to the config file", "queues", len(cur.Queues), "agents", len(cur.Agents))
	return nil
}
