package web

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"tracecall/acd"
	"tracecall/web/auth"
)

// The queue and agent administration pages: a live list (refreshed by
// assets/live.js like the wallboard) and one form to create or edit, with
// the message for each field next to it.

// choice is one option of a select.
type choice struct {
	Value, Label string
	Selected     bool
}

// adminForm is a create or edit form: the values as typed, and the message
// for each field at fault.
type adminForm struct {
	Editing string // the queue name or agent id being edited; "" creates
	Action  string // where the form posts
	Values  map[string]string
	Errs    map[string]string
}

func newAdminForm() adminForm {
	return adminForm{Values: map[string]string{}, Errs: map[string]string{}}
}

// queueAdminRow is one queue in the list.
type queueAdminRow struct {
	Name, StrategyText, Members, Skills, Overflow, EditURL, DeleteURL string
	LoggedIn, Ready, Waiting, Ringing, Answered, Abandoned            int
	LongestWait, ServiceLevel                                         string
}

// adminList is what the list card of an admin page (admin_list in
// templates/partials/admin.html) shows when it has no rows to show: that
// there is no ACD, or that it did not answer.
type adminList struct {
	Configured bool
	Failed     bool
}

// queuesPageData is the queues page's own data.
type queuesPageData struct {
	adminList
	Rows       []queueAdminRow
	Form       adminForm
	Strategies []choice
	Overflows  []choice
	WhenEmpty  []choice
}

// agentAdminRow is one agent in the list.
type agentAdminRow struct {
	ID, Name, RoleName, Extension, Skills, Queues, EditURL, DeleteURL string
	State, StateText, Reason, InState                                 string
	Reachable                                                         bool
	Taken                                                             int
}

// agentsPageData is the agents page's own data.
type agentsPageData struct {
	adminList
	Rows  []agentAdminRow
	Form  adminForm
	Roles []choice
	// Created is set once, on the answer to creating an agent whose panel
	// user was made: its username and generated password.
	Created *createdAgent
}

// --- queues ---

func (s *Server) handleQueuesPage(w http.ResponseWriter, r *http.Request) {
	f := s.editForm(r, func(cfg acd.Config, name string) map[string]string {
		if i := slices.IndexFunc(cfg.Queues, func(q acd.QueueConfig) bool { return q.Name == name }); i >= 0 {
			return queueValues(cfg.Queues[i])
		}
		return nil
	})
	s.renderQueues(w, r, http.StatusOK, "", f)
}

// editForm is the form of an admin page: empty, or with ?edit=KEY that queue
// or agent's settings as values finds them in the ACD's config (nil when it
// is not there, which leaves the form empty).
func (s *Server) editForm(r *http.Request, values func(cfg acd.Config, key string) map[string]string) adminForm {
	f := newAdminForm()
	key := r.URL.Query().Get("edit")
	if key == "" || s.deps.ACD == nil {
		return f
	}
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	cfg, err := s.deps.ACD.Config(ctx)
	if err != nil {
		return f
	}
	if v := values(cfg, key); v != nil {
		f.Editing, f.Values = key, v
	}
	return f
}

// queueValues is a queue as the form shows it: durations in seconds.
func queueValues(q acd.QueueConfig) map[string]string {
	return map[string]string{
		"name": q.Name, "strategy": q.Strategy, "agents": strings.Join(q.Agents, ", "), "skills": skillsText(q.Skills),
		"widen_after": secondsText(q.WidenAfter), "widen_step": strconv.Itoa(q.WidenStep),
		"ring_timeout": secondsText(q.RingTimeout), "max_no_answer": strconv.Itoa(q.MaxNoAnswer),
		"wrap_up": secondsText(q.WrapUp), "max_wait": secondsText(q.MaxWait), "max_length": strconv.Itoa(q.MaxLength),
		"overflow": q.Overflow, "when_empty": q.WhenEmpty, "priority": strconv.Itoa(q.Priority),
		"service_level": secondsText(q.ServiceLevel),
	}
}

func secondsText(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) }

// skillsText writes skills as the form takes them: "pork:5, veg:3".
func skillsText(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// listSep splits lists typed in a form: commas (also Chinese ones), 、 and
// spaces.
func listSep(r rune) bool {
	return r == ',' || r == '，' || r == '、' || r == ';' || unicode.IsSpace(r)
}

// parseSkills reads "pork:5, veg:3" (or pork=5).
func parseSkills(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, part := range strings.FieldsFunc(s, listSep) {
		k, v, ok := strings.Cut(strings.ReplaceAll(strings.ReplaceAll(part, "：", ":"), "=", ":"), ":")
		n, err := strconv.Atoi(v)
		if !ok || k == "" || err != nil {
			return nil, fmt.Errorf("%q: want skill:level, e.g. pork:5", part)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("%q appears twice", k)
		}
		out[k] = n
	}
	return out, nil
}

// formInt reads a whole number from a form field; empty is 0.
func formInt(f url.Values, field string, errs *fieldErrs) int {
	v := strings.TrimSpace(f.Get(field))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs.add(field, fmt.Sprintf("%q: want a whole number", v))
	}
	return n
}

// queueFromForm reads the queue form; existing as for queueInput.toConfig.
func queueFromForm(f url.Values, existing string, errs *fieldErrs) acd.QueueConfig {
	in := queueInput{
		Name: f.Get("name"), Strategy: f.Get("strategy"), Agents: strings.FieldsFunc(f.Get("agents"), listSep),
		WidenAfter: f.Get("widen_after"), WidenStep: formInt(f, "widen_step", errs),
		RingTimeout: f.Get("ring_timeout"), MaxNoAnswer: formInt(f, "max_no_answer", errs),
		WrapUp: f.Get("wrap_up"), MaxWait: f.Get("max_wait"), MaxLength: formInt(f, "max_length", errs),
		Overflow: f.Get("overflow"), WhenEmpty: f.Get("when_empty"), Priority: formInt(f, "priority", errs),
		ServiceLevel: f.Get("service_level"),
	}
	var err error
	if in.Skills, err = parseSkills(f.Get("skills")); err != nil {
		errs.add("skills", err.Error())
	}
	return in.toConfig(existing, errs)
}

func formValues(f url.Values) map[string]string {
	out := map[string]string{}
	for k := range f {
		if k != "csrf_token" {
			out[k] = f.Get(k)
		}
	}
	return out
}

func (s *Server) handleQueueForm(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if err := r.ParseForm(); err != nil {
		s.renderQueues(w, r, http.StatusBadRequest, "msg_bad_form", newAdminForm())
		return
	}
	if s.deps.ACD == nil {
		s.renderQueues(w, r, http.StatusServiceUnavailable, "acd_not_configured", newAdminForm())
		return
	}
	var errs fieldErrs
	q := queueFromForm(r.PostForm, name, &errs)
	_, err := s.putQueue(r, name, q, &errs)
	if err == nil {
		done := "queue_created"
		if name != "" {
			done = "queue_saved"
		}
		http.Redirect(w, r, "/admin/queues?done="+done, http.StatusSeeOther)
		return
	}
	f := adminForm{Editing: name, Values: formValues(r.PostForm), Errs: map[string]string{}}
	code, msg := s.formFailed(r, err, &errs, &f, "save queue")
	s.renderQueues(w, r, code, msg, f)
}

// formFailed sorts a refused change for a form: messages by field in f, and
// the page's message key (or text) and status code.
func (s *Server) formFailed(r *http.Request, err error, errs *fieldErrs, f *adminForm, what string) (int, string) {
	elsewhere := acdFieldErrs(err, errs)
	for field, msg := range errs.msg {
		f.Errs[field] = msg
	}
	switch {
	case !errs.empty():
		return http.StatusUnprocessableEntity, "adm_msg_invalid"
	case len(elsewhere) > 0:
		return http.StatusConflict, "!" + strings.Join(elsewhere, "; ")
	case errors.Is(err, acd.ErrQueueExists):
		f.Errs["name"] = err.Error()
		return http.StatusConflict, "adm_msg_queue_exists"
	case errors.Is(err, acd.ErrAgentExists):
		f.Errs["id"] = err.Error()
		return http.StatusConflict, "adm_msg_agent_exists"
	case errors.Is(err, acd.ErrUnknownQueue), errors.Is(err, acd.ErrUnknownAgent):
		return http.StatusNotFound, "adm_msg_gone"
	}
	fl := classify(err)
	s.logFailure(r, what, fl, err)
	return fl.code, "!" + failedText(messages[langOf(r)], "op_acd_change", fl)
}

func (s *Server) handleQueueDelete(w http.ResponseWriter, r *http.Request) {
	s.formChange(w, r, s.renderQueues, "delete queue", "/admin/queues?done=queue_deleted",
		func() error { return s.deleteQueue(r, r.PathValue("name")) })
}

func (s *Server) handleResetACDForm(w http.ResponseWriter, r *http.Request) {
	s.formChange(w, r, s.renderQueues, "reset the ACD", "/admin/queues?done=acd_reset",
		func() error { return s.resetACD(r) })
}

// renderPage shows an admin page with a message (see pageMessage) and the
// form f: renderQueues, or renderAgents without a user just created.
type renderPage func(w http.ResponseWriter, r *http.Request, code int, msg string, f adminForm)

// formChange is the flow of the pages' buttons that post no fields (a
// delete, the reset): change runs only where there is an ACD; once made the
// browser goes to done, else render shows the page again with the fault.
func (s *Server) formChange(w http.ResponseWriter, r *http.Request, render renderPage, what, done string, change func() error) {
	if s.deps.ACD == nil {
		render(w, r, http.StatusServiceUnavailable, "acd_not_configured", newAdminForm())
		return
	}
	if err := change(); err != nil {
		f := newAdminForm()
		code, msg := s.formFailed(r, err, &fieldErrs{}, &f, what)
		render(w, r, code, msg, f)
		return
	}
	http.Redirect(w, r, done, http.StatusSeeOther)
}

// pageMessage is a message key of the catalogue, or with a leading "!" a
// text to show as it is.
func pageMessage(m map[string]string, msg string) string {
	if t, ok := strings.CutPrefix(msg, "!"); ok {
		return m["adm_msg_conflict"] + " " + t
	}
	return m[msg]
}

// adminView is the view of an admin page with a message (see pageMessage).
func (s *Server) adminView(w http.ResponseWriter, r *http.Request, title, msg string) *view {
	v := s.view(w, r, title)
	v.Live = true
	if msg != "" {
		v.Error = pageMessage(v.M, msg)
	}
	return v
}

// adminState is the ACD's config and snapshot for the list of an admin page
// (page names it in the log), and how the list card fares.
func (s *Server) adminState(r *http.Request, page string) (adminList, acd.Config, acd.Snapshot) {
	if s.deps.ACD == nil {
		return adminList{}, acd.Config{}, acd.Snapshot{}
	}
	ctx, cancel := s.acdCtx(r)
	defer cancel()
	cfg, sn, err := s.acdState(ctx)
	if err != nil {
		s.deps.Log.Warn(page, "err", err)
		return adminList{Configured: true, Failed: true}, cfg, sn
	}
	return adminList{Configured: true}, cfg, sn
}

// renderQueues shows the queues page with a message (see pageMessage) and
// the form f.
func (s *Server) renderQueues(w http.ResponseWriter, r *http.Request, code int, msg string, f adminForm) {
	v := s.adminView(w, r, "title_queues", msg)
	d := queuesPageData{Form: f}
	var cfg acd.Config
	var sn acd.Snapshot
	d.adminList, cfg, sn = s.adminState(r, "queues page")
	// The calls and figures as the wallboard counts them.
	now := time.Now()
	from, to := s.today(now)
	counted := queueRows(nil, s.live.Counts(now), s.figures(from, to))
	for _, q := range cfg.Queues {
		row := queueAdminRow{
			Name: q.Name, StrategyText: textOr(v.M, "strategy_"+q.Strategy, q.Strategy),
			Members: strings.Join(q.Agents, ", "), Skills: skillsText(q.Skills), Overflow: overflowText(v.M, q.Overflow),
			EditURL: "/admin/queues?edit=" + url.QueryEscape(q.Name), DeleteURL: "/admin/queues/" + url.PathEscape(q.Name) + "/delete",
			ServiceLevel: "—",
		}
		if row.Members == "" {
			row.Members = v.M["adm_all_skilled"]
		}
		if i := slices.IndexFunc(sn.Queues, func(st acd.QueueStatus) bool { return st.Name == q.Name }); i >= 0 {
			row.LoggedIn, row.Ready = sn.Queues[i].LoggedIn, sn.Queues[i].Ready
		}
		row.LongestWait = formatDuration(0)
		if i := slices.IndexFunc(counted, func(c WallboardQueue) bool { return c.Name == q.Name }); i >= 0 {
			c := counted[i]
			row.Waiting, row.Ringing, row.Answered, row.Abandoned = c.Waiting, c.Ringing, c.Answered, c.Abandoned
			row.LongestWait, row.ServiceLevel = formatDuration(c.LongestWait.Seconds()), percent(c.ServiceLevel)
		}
		d.Rows = append(d.Rows, row)
	}
	f.Action = "/admin/queues"
	if f.Editing != "" {
		f.Action = "/admin/queues/" + url.PathEscape(f.Editing)
	}
	if f.Values["strategy"] == "" {
		f.Values["strategy"] = acd.StrategyLongestIdle
	}
	for _, st := range acd.Strategies() {
		d.Strategies = append(d.Strategies, choice{Value: st, Label: textOr(v.M, "strategy_"+st, st), Selected: st == f.Values["strategy"]})
	}
	ov := f.Values["overflow"]
	d.Overflows = []choice{
		{Value: acd.OverflowGoodbye, Label: v.M["adm_overflow_goodbye"], Selected: ov == "" || ov == acd.OverflowGoodbye},
		{Value: acd.OverflowVoicemail, Label: v.M["adm_overflow_voicemail"], Selected: ov == acd.OverflowVoicemail},
	}
	for _, q := range cfg.Queues {
		if q.Name != f.Editing {
			val := acd.OverflowQueue + " " + q.Name
			d.Overflows = append(d.Overflows, choice{Value: val, Label: v.M["adm_overflow_queue"] + " " + q.Name, Selected: ov == val})
		}
	}
	we := f.Values["when_empty"]
	for _, e := range []string{acd.EmptyJoin, acd.EmptyRefuse, acd.EmptyLeave} {
		d.WhenEmpty = append(d.WhenEmpty, choice{Value: e, Label: v.M["adm_empty_"+e], Selected: we == e || (we == "" && e == acd.EmptyJoin)})
	}
	d.Form = f
	v.Data = d
	s.render(w, code, "admin_queues", v)
}

// overflowText is an overflow setting in the page's language.
func overflowText(m map[string]string, s string) string {
	o, err := acd.ParseOverflow(s)
	switch {
	case err != nil:
		return s
	case o.Action == acd.OverflowQueue:
		return m["adm_overflow_queue"] + " " + o.Queue
	}
	return m["adm_overflow_"+o.Action]
}

// --- agents ---

func (s *Server) handleAgentsPage(w http.ResponseWriter, r *http.Request) {
	f := s.editForm(r, func(cfg acd.Config, id string) map[string]string {
		if i := slices.IndexFunc(cfg.Agents, func(a acd.AgentConfig) bool { return a.ID == id }); i >= 0 {
			a := cfg.Agents[i]
			return map[string]string{"id": a.ID, "name": a.Name, "role": string(a.Role), "extension": a.Extension,
				"skills": skillsText(a.Skills), "priority": strconv.Itoa(a.Priority)}
		}
		return nil
	})
	s.renderAgents(w, r, http.StatusOK, "", f, nil)
}

// agentFromForm reads the agent form; existing as for agentInput.toConfig.
func agentFromForm(f url.Values, existing string, errs *fieldErrs) acd.AgentConfig {
	in := agentInput{ID: f.Get("id"), Name: f.Get("name"), Role: f.Get("role"), Extension: f.Get("extension"),
		Priority: formInt(f, "priority", errs)}
	var err error
	if in.Skills, err = parseSkills(f.Get("skills")); err != nil {
		errs.add("skills", err.Error())
	}
	return in.toConfig(existing, errs)
}

func (s *Server) handleAgentForm(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := r.ParseForm(); err != nil {
		s.renderAgents(w, r, http.StatusBadRequest, "msg_bad_form", newAdminForm(), nil)
		return
	}
	if s.deps.ACD == nil {
		s.renderAgents(w, r, http.StatusServiceUnavailable, "acd_not_configured", newAdminForm(), nil)
		return
	}
	var errs fieldErrs
	a := agentFromForm(r.PostForm, id, &errs)
	res, err := s.putAgent(r, id, a, &errs)
	switch {
	case err == nil && id != "":
		http.Redirect(w, r, "/admin/agents?done=agent_saved", http.StatusSeeOther)
	case err == nil && res.UserCreated:
		// The password is shown on this answer only, never in a URL.
		s.renderAgents(w, r, http.StatusOK, "", newAdminForm(), &res)
	case err == nil && res.UserError != "":
		s.renderAgents(w, r, http.StatusOK, "adm_msg_user_failed", newAdminForm(), nil)
	case err == nil:
		http.Redirect(w, r, "/admin/agents?done=agent_created", http.StatusSeeOther)
	default:
		f := adminForm{Editing: id, Values: formValues(r.PostForm), Errs: map[string]string{}}
		code, msg := s.formFailed(r, err, &errs, &f, "save agent")
		s.renderAgents(w, r, code, msg, f, nil)
	}
}

func (s *Server) handleAgentDelete(w http.ResponseWriter, r *http.Request) {
	render := func(w http.ResponseWriter, r *http.Request, code int, msg string, f adminForm) {
		s.renderAgents(w, r, code, msg, f, nil)
	}
	s.formChange(w, r, render, "delete agent", "/admin/agents?done=agent_deleted",
		func() error { return s.deleteAgent(r, r.PathValue("id")) })
}

// renderAgents shows the agents page with a message (see pageMessage), the
// form f, and the user just created with its password, if any.
func (s *Server) renderAgents(w http.ResponseWriter, r *http.Request, code int, msg string, f adminForm, created *createdAgent) {
	v := s.adminView(w, r, "title_agents", msg)
	d := agentsPageData{Created: created}
	if created != nil {
		v.Flash = v.M["done_agent_created"]
	}
	var cfg acd.Config
	var sn acd.Snapshot
	d.adminList, cfg, sn = s.adminState(r, "agents page")
	now := time.Now()
	for _, a := range cfg.Agents {
		row := agentAdminRow{
			ID: a.ID, Name: a.Name, RoleName: textOr(v.M, "role_"+string(a.Role), string(a.Role)),
			Extension: a.Extension, Skills: skillsText(a.Skills),
			EditURL: "/admin/agents?edit=" + url.QueryEscape(a.ID), DeleteURL: "/admin/agents/" + url.PathEscape(a.ID) + "/delete",
		}
		if i := slices.IndexFunc(sn.Agents, func(st acd.AgentStatus) bool { return st.ID == a.ID }); i >= 0 {
			st := sn.Agents[i]
			row.State, row.StateText, row.Reason = string(st.State), textOr(v.M, "agent_"+string(st.State), string(st.State)), st.Reason
			row.Reachable, row.Taken, row.Queues = st.Reachable, st.Taken, strings.Join(st.Queues, ", ")
			if !st.Since.IsZero() {
				row.InState = formatDuration(now.Sub(st.Since).Seconds())
			}
		}
		d.Rows = append(d.Rows, row)
	}
	f.Action = "/admin/agents"
	if f.Editing != "" {
		f.Action = "/admin/agents/" + url.PathEscape(f.Editing)
	}
	role := f.Values["role"]
	if role == "" {
		role = string(acd.RoleAgent)
	}
	for _, r := range auth.Roles() {
		d.Roles = append(d.Roles, choice{Value: string(r), Label: v.M["role_"+string(r)], Selected: string(r) == role})
	}
	d.Form = f
	v.Data = d
	s.render(w, code, "admin_agents", v)
}
