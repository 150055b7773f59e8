package web

import (
	"net/http"
	"strings"
	"time"

	"tracecall/cdr/phase"
	"tracecall/telephony"
	"tracecall/web/auth"
)

// lineRow is one line of the line monitor, or a call on no listed line.
type lineRow struct {
	Line, Number string
	State        string // idle, ringing, in-call, none: the CSS class
	StateText    string // in the page's language, with the direction when in a call
	Caller       string
	Called       string
	Since        string
	CallID       string
	Phase        string // the call's phase.Phase, "" without a call
	Doing        string // in the page's language
}

// linesData is the line monitor's own data.
type linesData struct {
	Rows    []lineRow
	Refused *refusalView // calls refused by per-source limits; nil: not shown
}

// lineText is a line's state as the page shows it: "in a call (inbound)".
func lineText(m map[string]string, state, direction string) string {
	t := m["line_"+strings.ReplaceAll(state, "-", "_")]
	if t == "" {
		t = state
	}
	if d := m["dir_"+direction]; d != "" && state != telephony.LineIdle && state != lineNone {
		t += m["detail_open"] + d + m["detail_close"]
	}
	return t
}

// lineNone is the state of a row for a call on none of the listed lines: a
// callback request whose caller hung up, a phone the drivers do not list.
const lineNone = "none"

// lineView is a line with the call on it, or a call on no listed line.
type lineView struct {
	telephony.LineState
	call *phase.Call // nil without a call in progress
}

// lineViews lists every line of every driver (Deps.Lines), then the calls in
// progress on none of them, oldest first.
func (s *Server) lineViews() []lineView {
	var out []lineView
	shown := map[telephony.CallID]bool{}
	if s.deps.Lines != nil {
		for _, l := range s.deps.Lines.Lines() {
			v := lineView{LineState: l}
			if l.CallID != "" {
				v.call, _ = s.live.Call(l.CallID)
				shown[l.CallID] = true
			}
			out = append(out, v)
		}
	}
	for _, c := range s.live.Calls() {
		if shown[c.ID] {
			continue
		}
		l := telephony.LineState{Line: c.Line, State: lineNone, Caller: c.From, Called: c.To, Since: c.Started, CallID: c.ID}
		switch {
		case c.WaitingCallback():
		case c.Answered:
			l.State = telephony.LineInCall
		default:
			l.State = telephony.LineRinging
		}
		out = append(out, lineView{LineState: l, call: c})
	}
	return out
}

// lineRows is every line and call, in m's words, as id may see them.
func (s *Server) lineRows(m map[string]string, id auth.Identity) []lineRow {
	views := s.lineViews()
	out := make([]lineRow, 0, len(views))
	for _, v := range views {
		l := v.LineState
		row := lineRow{
			Line: l.Line, Number: l.Number, State: l.State,
			Caller: callerFor(id, false, l.Caller), Called: l.Called, CallID: string(l.CallID),
		}
		if row.Line == "" {
			row.Line = m["no_line"]
		}
		if !l.Since.IsZero() {
			row.Since = l.Since.In(s.deps.Location).Format(time.TimeOnly)
		}
		dir := ""
		if c := v.call; c != nil {
			row.Phase, row.Doing, dir = string(c.Phase()), doingText(m, c), c.Direction
		}
		row.StateText = lineText(m, l.State, dir)
		out = append(out, row)
	}
	return out
}

func (s *Server) handleLinesPage(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_lines")
	v.Live = true
	v.Data = linesData{Rows: s.lineRows(v.M, *v.User), Refused: s.refusals(v.M)}
	s.render(w, http.StatusOK, "lines", v)
}

// apiLine is one element of GET /api/lines: the line, and what its call is
// doing (Phase, in English words in Doing, the queue and the agent).
type apiLine struct {
	telephony.LineState
	Phase    string `json:"phase,omitempty"`
	Queue    string `json:"queue,omitempty"`
	Agent    string `json:"agent,omitempty"`
	Customer bool   `json:"customer,omitempty"` // a customer's call, not an agent's feature code
}

func (s *Server) handleLines(w http.ResponseWriter, r *http.Request) {
	m := messages["en"]
	out := []apiLine{}
	for _, v := range s.lineViews() {
		l := apiLine{LineState: v.LineState}
		l.Since = l.Since.In(s.deps.Location)
		if c := v.call; c != nil {
			l.Doing, l.Phase, l.Queue, l.Agent, l.Customer = doingText(m, c), string(c.Phase()), c.Queue, c.Agent, c.Customer()
		}
		out = append(out, l)
	}
	writeJSON(w, http.StatusOK, out)
}
