package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/web/auth"
)

// callTypes are the call types the records' filter offers: directions and
// what store.CallRecord.Type holds.
var callTypes = []string{"inbound", "outbound", cdr.TypeIVR, cdr.TypeTrace, cdr.TypeAgent, cdr.TypeCallback, cdr.TypeFeatureCode}

// housekeeping are the types of the agents' own calls, left out of the
// records unless the filter names one.
var housekeeping = []string{cdr.TypeFeatureCode}

// dispositions are the dispositions the filter offers (cdr's); in_progress
// stands for a call not yet ended.
var dispositions = []string{cdr.SelfService, cdr.Answered, cdr.AbandonedQueue, cdr.AbandonedIVR, cdr.Overflowed,
	cdr.CallbackPending, cdr.CallbackFailed, cdr.Failed, cdr.Interrupted, "in_progress"}

// callQuery is the call records' filter as read from the query string of
// /calls and /calls.csv.
type callQuery struct {
	Filter      store.CallFilter
	Disposition string
	Agent       string // the agent who took the call, or was offered it
	// The fields as given, to fill the form in again.
	From, To, Caller, Type, Limit string
}

// queryError is a filter field that does not parse; Msg is its catalogue key.
type queryError struct {
	Field string
	Msg   string
}

func (e *queryError) Error() string { return "web: call filter: bad " + e.Field }

// maxFilterLen bounds each filter field.
const maxFilterLen = 64

// parseCallQuery reads the filter: from and to (a date, "2006-01-02 15:04",
// the form's "2006-01-02T15:04", or RFC 3339, in loc), caller (part of a
// number), type, disposition, agent and limit (defLimit when absent). Any other
// value is a *queryError.
func parseCallQuery(q url.Values, loc *time.Location, defLimit int) (callQuery, error) {
	c := callQuery{
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Caller: strings.TrimSpace(q.Get("caller")), Type: q.Get("type"),
		Disposition: q.Get("disposition"), Limit: q.Get("limit"), Agent: strings.TrimSpace(q.Get("agent")),
	}
	for _, f := range []struct{ name, v string }{{"from", c.From}, {"to", c.To}, {"caller", c.Caller}, {"limit", c.Limit}, {"agent", c.Agent}} {
		if len(f.v) > maxFilterLen || !printable(f.v) {
			return callQuery{}, &queryError{Field: f.name, Msg: "msg_bad_filter"}
		}
	}
	var err error
	if c.Filter.From, err = parseTime(c.From, loc, false); err != nil {
		return callQuery{}, &queryError{Field: "from", Msg: "msg_bad_time"}
	}
	if c.Filter.To, err = parseTime(c.To, loc, true); err != nil {
		return callQuery{}, &queryError{Field: "to", Msg: "msg_bad_time"}
	}
	if strings.Trim(c.Caller, "+0123456789*#") != "" {
		return callQuery{}, &queryError{Field: "caller", Msg: "msg_bad_caller"}
	}
	c.Filter.Caller = c.Caller
	if c.Type != "" && !slices.Contains(callTypes, c.Type) {
		return callQuery{}, &queryError{Field: "type", Msg: "msg_bad_filter"}
	}
	c.Filter.Type, c.Filter.ExcludeTypes = c.Type, housekeeping
	if c.Disposition != "" && !slices.Contains(dispositions, c.Disposition) {
		return callQuery{}, &queryError{Field: "disposition", Msg: "msg_bad_filter"}
	}
	c.Filter.Limit = defLimit
	if c.Limit != "" {
		n, err := parsePositive(c.Limit)
		if err != nil {
			return callQuery{}, &queryError{Field: "limit", Msg: "msg_bad_filter"}
		}
		c.Filter.Limit = min(n, store.MaxCallLimit)
	}
	return c, nil
}

// values is the filter as a query string, for the CSV link.
func (c callQuery) values() url.Values {
	v := url.Values{}
	for _, f := range []struct{ k, v string }{
		{"from", c.From}, {"to", c.To}, {"caller", c.Caller}, {"type", c.Type},
		{"disposition", c.Disposition}, {"agent", c.Agent}, {"limit", c.Limit},
	} {
		if f.v != "" {
			v.Set(f.k, f.v)
		}
	}
	return v
}

// listCalls returns the calls q selects, newest first.
func (s *Server) listCalls(q callQuery) ([]store.CallRecord, error) {
	f := q.Filter
	post := q.Disposition != "" || q.Agent != ""
	if post {
		f.Limit = store.MaxCallLimit // the store does not filter on these: read more, keep Limit
	}
	calls, err := s.deps.Store.ListCalls(f)
	if err != nil || !post {
		return calls, err
	}
	out := calls[:0]
	for _, c := range calls {
		if len(out) == q.Filter.Limit {
			break
		}
		if q.Disposition != "" && dispositionOf(c) != q.Disposition {
			continue
		}
		if q.Agent != "" && c.Agent != q.Agent && !slices.Contains(c.AgentsTried, q.Agent) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// dispositionOf is c's disposition as the filter names it.
func dispositionOf(c store.CallRecord) string {
	if c.InProgress || c.Disposition == "" {
		return "in_progress"
	}
	return c.Disposition
}

// codeCell is one trace code keyed in a call, with its lookup's result.
type codeCell struct {
	Code, Result, ResultText string
}

// callRow is one call of the records page: one row per call.
type callRow struct {
	ID, Start, Caller, Called    string
	Direction, Type, Duration    string
	Disposition, DispositionText string
	HangupBy, IVRPath            string
	Queue, QueueWait             string
	Agent, AgentsTried           string
	Codes                        []codeCell
	Notes                        []string // "agent: text", oldest first
}

// callRows turns records into rows in the page's language and zone, with
// callers' numbers as id may see them.
func (s *Server) callRows(m map[string]string, id auth.Identity, calls []store.CallRecord) []callRow {
	out := make([]callRow, 0, len(calls))
	for _, c := range calls {
		d := dispositionOf(c)
		row := callRow{
			ID: c.ID, Start: c.Start.In(s.deps.Location).Format(time.DateTime),
			Caller: callerFor(id, false, c.Caller), Called: c.Called,
			Direction: textOr(m, "dir_"+c.Direction, c.Direction), Type: textOr(m, "type_"+c.Type, c.Type),
			Disposition: d, DispositionText: textOr(m, "disp_"+d, d), HangupBy: c.HangupBy,
			IVRPath: ivrPathText(m, c),
			Queue:   c.Queue, Agent: c.Agent, AgentsTried: strings.Join(c.AgentsTried, ", "),
		}
		if c.Queue != "" {
			row.QueueWait = formatDuration(c.QueueWait)
		}
		if !c.InProgress {
			row.Duration = formatDuration(c.Duration)
		}
		for _, n := range c.Notes {
			row.Notes = append(row.Notes, n.Agent+": "+n.Text)
		}
		for _, k := range c.Codes {
			row.Codes = append(row.Codes, codeCell{Code: k.Code, Result: k.Result, ResultText: textOr(m, "result_"+k.Result, k.Result)})
		}
		out = append(out, row)
	}
	return out
}

// ivrPathText is the call's IVR path in m's words: each node's kind
// (node_*), or its flow/node id for a record without kinds.
func ivrPathText(m map[string]string, c store.CallRecord) string {
	steps := make([]string, 0, len(c.IVRPath))
	for i, id := range c.IVRPath {
		w := ""
		if i < len(c.IVRTypes) && c.IVRTypes[i] != "" {
			w = m["node_"+c.IVRTypes[i]]
		}
		if w == "" {
			w = id
		}
		if n := len(steps); n == 0 || steps[n-1] != w {
			steps = append(steps, w)
		}
	}
	return strings.Join(steps, " → ")
}

// textOr is the catalogue's text for key, or def when it has none.
func textOr(m map[string]string, key, def string) string {
	if t, ok := m[key]; ok {
		return t
	}
	return def
}

// formatDuration shows seconds as m:ss, or h:mm:ss from an hour up.
func formatDuration(sec float64) string {
	if sec < 0 {
		sec = 0
	}
	n := int(sec + 0.5)
	if n >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", n/3600, n/60%60, n%60)
	}
	return fmt.Sprintf("%d:%02d", n/60, n%60)
}

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

func options(m map[string]string, prefix string, values []string, sel string) []option {
	out := []option{{Value: "", Label: m["all"], Selected: sel == ""}}
	for _, v := range values {
		out = append(out, option{Value: v, Label: textOr(m, prefix+v, v), Selected: v == sel})
	}
	return out
}

// callsData is the records page's own data.
type callsData struct {
	Query        callQuery
	Types        []option
	Dispositions []option
	Rows         []callRow
	CSV          string // the export link with the same filter
	Limit        int
	Full         bool // as many rows as the limit: there may be more
}

func (s *Server) handleCallsPage(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_calls")
	code := http.StatusOK
	q, err := parseCallQuery(r.URL.Query(), s.deps.Location, store.DefaultCallLimit)
	var qe *queryError
	var calls []store.CallRecord
	switch {
	case errors.As(err, &qe):
		v.Error, code = v.M[qe.Msg], http.StatusBadRequest
	case err != nil:
		v.Error, code = v.M["msg_bad_filter"], http.StatusBadRequest
	default:
		if calls, err = s.listCalls(q); err != nil {
			f := classify(err)
			s.logFailure(r, "op_list_calls", f, err)
			v.Error, code = failedText(v.M, "op_list_calls", f), f.code
		}
	}
	if err != nil { // refill the form with what was typed
		q = callQuery{
			From: r.URL.Query().Get("from"), To: r.URL.Query().Get("to"), Caller: r.URL.Query().Get("caller"),
			Type: r.URL.Query().Get("type"), Disposition: r.URL.Query().Get("disposition"),
		}
	}
	d := callsData{
		Query: q, Rows: s.callRows(v.M, *v.User, calls), Limit: q.Filter.Limit,
		Types:        options(v.M, "type_", callTypes, q.Type),
		Dispositions: options(v.M, "disp_", dispositions, q.Disposition),
		CSV:          "/calls.csv",
	}
	d.Full = d.Limit > 0 && len(calls) >= d.Limit
	if qs := q.values().Encode(); qs != "" {
		d.CSV += "?" + qs
	}
	v.Data = d
	s.render(w, code, "calls", v)
}

// csvCell keeps a spreadsheet from reading a cell as a formula: one that
// starts with = + - @ or a control character gets a leading apostrophe.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r\n", rune(s[0])) {
		return "'" + s
	}
	return s
}

// handleCallsCSV exports the records with the page's filter (up to
// store.MaxCallLimit when no limit is given), UTF-8 with a byte order mark so
// that Excel reads the Chinese right.
func (s *Server) handleCallsCSV(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_calls")
	q, err := parseCallQuery(r.URL.Query(), s.deps.Location, store.MaxCallLimit)
	var qe *queryError
	if errors.As(err, &qe) {
		http.Error(w, v.M[qe.Msg], http.StatusBadRequest)
		return
	}
	calls, err := s.listCalls(q)
	if err != nil {
		f := classify(err)
		s.logFailure(r, "op_list_calls", f, err)
		http.Error(w, failedText(v.M, "op_list_calls", f), f.code)
		return
	}
	rows := s.callRows(v.M, *v.User, calls)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Disposition", `attachment; filename="calls-`+time.Now().In(s.deps.Location).Format("20060102-150405")+`.csv"`)
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	m := v.M
	_ = cw.Write([]string{m["call_id"], m["start"], m["caller"], m["called"], m["direction"], m["type"],
		m["duration_s"], m["disposition"], m["hangup_by"], m["ivr_path"], m["codes"],
		m["queue"], m["queue_wait_s"], m["agent"], m["agents_tried"], m["call_notes"]})
	for i, row := range rows {
		codes := make([]string, 0, len(row.Codes))
		for _, c := range row.Codes {
			codes = append(codes, c.Code+" "+c.ResultText)
		}
		dur := ""
		if !calls[i].InProgress {
			dur = strconv.FormatFloat(calls[i].Duration, 'f', 0, 64)
		}
		rec := []string{row.ID, row.Start, row.Caller, row.Called, row.Direction, row.Type,
			dur, row.DispositionText, row.HangupBy, row.IVRPath, strings.Join(codes, "; "),
			row.Queue, "", row.Agent, row.AgentsTried, strings.Join(row.Notes, "\n")}
		if calls[i].Queue != "" {
			rec[12] = strconv.FormatFloat(calls[i].QueueWait, 'f', 0, 64)
		}
		for j := range rec {
			rec[j] = csvCell(rec[j])
		}
		if err := cw.Write(rec); err != nil {
			return // the client went away
		}
	}
	cw.Flush()
}
