package web

import (
	"net/http"
	"strings"
	"time"

	"tracecall/telephony"
	"tracecall/web/auth"
)

// lineRow is one line of the line monitor.
type lineRow struct {
	Line, Number string
	State        string // idle, ringing, in-call: the CSS class
	StateText    string // in the page's language, with the direction when in a call
	Caller       string
	Called       string
	Since        string
	CallID       string
	Doing        string
}

// linesData is the line monitor's own data.
type linesData struct {
	Rows     []lineRow
	TZOffset int // the zone's offset from UTC in seconds, for the script's clock
}

// lineText is a line's state as the page shows it: "in a call (inbound)".
func lineText(m map[string]string, state, direction string) string {
	t := m["line_"+strings.ReplaceAll(state, "-", "_")]
	if t == "" {
		t = state
	}
	if d := m["dir_"+direction]; d != "" && state != telephony.LineIdle {
		t += " (" + d + ")"
	}
	return t
}

// doingText is a call's activity in the page's language.
func doingText(m map[string]string, a activity) string {
	t := m["doing_"+a.What]
	if t == "" {
		t = a.What
	}
	if a.Detail != "" {
		t += " " + a.Detail
	}
	return t
}

// lineRows is every line of every driver that has lines, as id may see it.
func (s *Server) lineRows(m map[string]string, id auth.Identity) []lineRow {
	var out []lineRow
	for _, ll := range s.deps.Lines {
		for _, l := range ll.Lines() {
			row := lineRow{
				Line: l.Line, Number: l.Number, State: l.State,
				Caller: callerFor(id, false, l.Caller), Called: l.Called, CallID: string(l.CallID),
			}
			if !l.Since.IsZero() {
				row.Since = l.Since.In(s.deps.Location).Format(time.TimeOnly)
			}
			a, ok := s.live.activity(l.CallID)
			if l.CallID != "" && ok {
				row.Doing = doingText(m, a)
			}
			row.StateText = lineText(m, l.State, a.Direction)
			out = append(out, row)
		}
	}
	return out
}

func (s *Server) handleLinesPage(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_lines")
	v.Live = true
	_, off := time.Now().In(s.deps.Location).Zone()
	v.Data = linesData{Rows: s.lineRows(v.M, *v.User), TZOffset: off}
	s.render(w, http.StatusOK, "lines", v)
}
