package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tracecall/crm"
	"tracecall/desk"
	"tracecall/screenpop"
	"tracecall/store"
	"tracecall/web/auth"
)

// Limits of the desktop's API.
const (
	// maxDeskBody bounds a JSON body of the desktop's API.
	maxDeskBody = 16 << 10
	// deskTimeout bounds one Desk action: they return once under way.
	deskTimeout = 5 * time.Second
	// maxNoteLen is the longest wrap-up note, in characters.
	maxNoteLen = 2000
)

// notReadyReasons are the reason codes an agent may give for not ready,
// each shown as the catalogue's "reason_" key.
var notReadyReasons = []string{"break", "meal", "training", "meeting", "other"}

// transferKinds are the TransferTarget kinds, in the order the desktop
// offers them.
var transferKinds = []string{desk.TargetAgent, desk.TargetQueue, desk.TargetNumber, desk.TargetDutyManager}

// deskRequest is the JSON body of every POST /api/desk/ action; each uses
// the fields it needs and an empty body is {}.
type deskRequest struct {
	// Agent is whom the action is for: empty or the user's own name; team
	// leaders and above (and the bearer token) may name another agent.
	Agent   string       `json:"agent,omitempty"`
	Reason  string       `json:"reason,omitempty"`  // not_ready: one of notReadyReasons
	On      *bool        `json:"on,omitempty"`      // hold: true to hold, false to resume
	Target  *desk.Target `json:"target,omitempty"`  // transfer
	Consult bool         `json:"consult,omitempty"` // transfer: consult first
}

// deskActionDef is one button of the desktop.
type deskActionDef struct {
	path string
	// check validates and normalises the request; it returns the API
	// reason and message of a bad one.
	check func(r *deskRequest) (reason, msg string)
	do    func(ctx context.Context, d Desk, agent string, r deskRequest) error
}

// deskActions are the desktop's buttons, each POST /api/desk/<path>.
var deskActions = []deskActionDef{
	{path: "login", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.Login(ctx, a) }},
	{path: "logout", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.Logout(ctx, a) }},
	{path: "ready", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.SetReady(ctx, a) }},
	{path: "not_ready", check: checkNotReady,
		do: func(ctx context.Context, d Desk, a string, r deskRequest) error {
			return d.SetNotReady(ctx, a, r.Reason)
		}},
	{path: "answer", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.Answer(ctx, a) }},
	{path: "hangup", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.Hangup(ctx, a) }},
	{path: "hold", check: checkHold,
		do: func(ctx context.Context, d Desk, a string, r deskRequest) error { return d.Hold(ctx, a, *r.On) }},
	{path: "transfer", check: checkTransfer,
		do: func(ctx context.Context, d Desk, a string, r deskRequest) error {
			return d.Transfer(ctx, a, *r.Target, r.Consult)
		}},
	{path: "transfer/complete", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.CompleteTransfer(ctx, a) }},
	{path: "transfer/cancel", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.CancelTransfer(ctx, a) }},
	{path: "conference", do: func(ctx context.Context, d Desk, a string, _ deskRequest) error { return d.Conference(ctx, a) }},
}

func checkNotReady(r *deskRequest) (string, string) {
	r.Reason = strings.TrimSpace(r.Reason)
	if !slices.Contains(notReadyReasons, r.Reason) {
		return "bad_reason", "reason: want one of " + strings.Join(notReadyReasons, ", ")
	}
	return "", ""
}

func checkHold(r *deskRequest) (string, string) {
	if r.On == nil {
		return "bad_hold", `on: want true (hold) or false (resume)`
	}
	return "", ""
}

// checkTransfer wants a target of a known kind with a value (none for the
// duty manager); a number is put in the form crm.ParseNumber gives.
func checkTransfer(r *deskRequest) (string, string) {
	t := r.Target
	if t == nil {
		return "bad_target", "target: missing"
	}
	t.Value = strings.TrimSpace(t.Value)
	switch t.Kind {
	case desk.TargetDutyManager:
		t.Value = ""
	case desk.TargetNumber:
		n, err := crm.ParseNumber(t.Value)
		if err != nil {
			return "bad_target", "target.value: not a phone number"
		}
		t.Value = n
	case desk.TargetAgent, desk.TargetQueue:
		if t.Value == "" || len(t.Value) > 64 || !printableLine(t.Value) {
			return "bad_target", "target.value: want an agent id or queue name"
		}
	default:
		return "bad_target", "target.kind: want one of " + strings.Join(transferKinds, ", ")
	}
	return "", ""
}

// readJSON decodes r's body, at most maxDeskBody bytes of one JSON value
// without unknown fields, into v; an empty body leaves v as it is. On error
// it has answered 400 (413 over the limit, 408 too slow: bodyFailed).
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxDeskBody))
	if err != nil {
		s.bodyFailed(w, r, err, "bad_json")
		return false
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "bad_json", "body: "+err.Error())
		return false
	}
	if dec.More() {
		writeError(w, http.StatusBadRequest, "bad_json", "body: more than one JSON value")
		return false
	}
	return true
}

// actingAgent is whom a desk request acts for: the logged-in user, or the
// agent the body names if the user is a team leader or above. It has
// answered 403 when the user may not act for that agent.
func (s *Server) actingAgent(w http.ResponseWriter, r *http.Request, named string) (string, bool) {
	id, _ := auth.FromContext(r.Context())
	if named == "" || named == id.Username {
		return id.Username, true
	}
	if !id.Role.AtLeast(auth.RoleTeamLeader) {
		s.deps.Log.Warn("desk: agent acting for another", "user", id.Username, "for", named, "path", r.URL.Path)
		writeError(w, http.StatusForbidden, "not_yours", "you can act only for yourself")
		return "", false
	}
	return named, true
}

// deskAction is the handler of one desktop button.
func (s *Server) deskAction(a deskActionDef) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req deskRequest
		if !s.readJSON(w, r, &req) {
			return
		}
		agent, ok := s.actingAgent(w, r, strings.TrimSpace(req.Agent))
		if !ok {
			return
		}
		if a.check != nil {
			if reason, msg := a.check(&req); reason != "" {
				writeError(w, http.StatusBadRequest, reason, msg)
				return
			}
		}
		if s.deps.Desk == nil {
			writeError(w, http.StatusServiceUnavailable, "no_desk", "call control is not configured on this appliance")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), deskTimeout)
		defer cancel()
		err := a.do(ctx, s.deps.Desk, agent, req)
		switch {
		case err == nil:
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "action": a.path, "agent": agent})
		case errors.Is(err, desk.ErrCannotAnswer):
			// Why, in the desktop's language (err_no_remote_answer); the
			// detail (which phone, what it announced) goes to the log.
			s.deps.Log.Info("desk: phone cannot be answered from the desktop", "agent", agent, "err", err)
			writeError(w, http.StatusConflict, "no_remote_answer", desk.ErrCannotAnswer.Error())
		case errors.Is(err, desk.ErrUnsupported):
			writeError(w, http.StatusConflict, "unsupported", desk.ErrUnsupported.Error())
		case errors.Is(err, desk.ErrNoCall):
			writeError(w, http.StatusConflict, "no_call", desk.ErrNoCall.Error())
		case errors.Is(err, desk.ErrBadTarget):
			writeError(w, http.StatusBadRequest, "bad_target", desk.ErrBadTarget.Error())
		case errors.Is(err, desk.ErrNotAgent):
			writeError(w, http.StatusNotFound, "not_agent", desk.ErrNotAgent.Error())
		case errors.Is(err, desk.ErrState):
			writeError(w, http.StatusConflict, "state", err.Error())
		case errors.Is(err, context.DeadlineExceeded):
			s.deps.Log.Warn("desk action timed out", "action", a.path, "agent", agent)
			writeError(w, http.StatusGatewayTimeout, "timeout", "call control did not answer in time")
		default:
			s.fail(w, r, "op_desk_action", fmt.Errorf("desk %s for %s: %w", a.path, agent, err))
		}
	}
}

// deskState is GET /api/desk/state: what a desktop that (re)loads needs.
type deskState struct {
	Agent     string                `json:"agent"`
	State     *screenpop.AgentState `json:"state"`      // nil: no state change seen since the daemon started (logged out)
	CallID    string                `json:"call_id"`    // the call last offered to the agent, if any
	CallState string                `json:"call_state"` // ringing, talking or ended
	Pop       *screenpop.Pop        `json:"pop"`        // its pop, once composed
	Desk      bool                  `json:"desk"`       // the buttons can act (call control is wired)
}

func (s *Server) handleDeskState(w http.ResponseWriter, r *http.Request) {
	agent, ok := s.actingAgent(w, r, r.URL.Query().Get("agent"))
	if !ok {
		return
	}
	a, known, c := s.pops.Current(agent)
	out := deskState{Agent: agent, CallID: string(c.ID), CallState: string(c.State), Pop: c.Pop, Desk: s.deps.Desk != nil}
	if known {
		out.State = &a
	}
	writeJSON(w, http.StatusOK, out)
}

// --- wrap-up notes ---

// noteRequest is the body of POST /api/calls/{id}/notes.
type noteRequest struct {
	Text string `json:"text"`
}

// handleCallNote adds a wrap-up note to a call: by an agent who took it or
// was offered it (an agent who transferred it away still writes their
// notes; the offer counts before the cdr writer has recorded it), or by a
// team leader and above. Notes are kept apart from the
// record the cdr writer rewrites (store.AddCallNote).
func (s *Server) handleCallNote(w http.ResponseWriter, r *http.Request) {
	var req noteRequest
	if !s.readJSON(w, r, &req) {
		return
	}
	text := strings.TrimSpace(req.Text)
	switch {
	case text == "" || !utf8.ValidString(text) || !printableText(text):
		writeError(w, http.StatusBadRequest, "bad_text", "text: want printable text")
		return
	case utf8.RuneCountInString(text) > maxNoteLen:
		writeError(w, http.StatusBadRequest, "too_long", fmt.Sprintf("text: at most %d characters", maxNoteLen))
		return
	}
	id, _ := auth.FromContext(r.Context())
	callID := r.PathValue("id")
	offered := s.pops.OfferedTo(id.Username, callID)
	var notes []store.CallNote
	var forbidden, missing bool
	err := s.deps.Store.Update(func(tx *store.Tx) error {
		rec, ok, err := tx.Call(callID)
		if err != nil || !ok {
			missing = !ok
			return err
		}
		if !offered && !seesCallers(id.Role) && rec.Agent != id.Username && !slices.Contains(rec.AgentsTried, id.Username) {
			forbidden = true
			return nil
		}
		if err := tx.AddCallNote(callID, store.CallNote{Agent: id.Username, Text: text, At: time.Now()}); err != nil {
			return err
		}
		notes, err = tx.CallNotes(callID)
		return err
	})
	switch {
	case missing && err == nil:
		writeError(w, http.StatusNotFound, "not_found", "no call "+callID)
	case forbidden:
		s.deps.Log.Warn("note on another agent's call refused", "user", id.Username, "call_id", callID)
		writeError(w, http.StatusForbidden, "not_yours", "only the agent who took the call, or a team leader, may add notes")
	case errors.Is(err, store.ErrInvalid):
		writeError(w, http.StatusConflict, "too_many_notes", fmt.Sprintf("a call keeps at most %d notes", store.MaxCallNotes))
	case err != nil:
		s.fail(w, r, "op_add_call_note", err)
	default:
		for i := range notes {
			notes[i].At = notes[i].At.In(s.deps.Location)
		}
		writeJSON(w, http.StatusCreated, map[string]any{"call_id": callID, "notes": notes})
	}
}

// printableLine reports whether s has no control characters.
func printableLine(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}

// printableText is printableLine allowing line breaks and tabs.
func printableText(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t') || r == utf8.RuneError
	})
}
