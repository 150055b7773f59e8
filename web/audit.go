package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"tracecall/store"
	"tracecall/web/auth"
)

// The audit log of reads of personal data (customers' records): every
// number search and every read by id, granted or refused, with who, when
// and from where (customers.go decides what is granted). It is kept in the
// store (store.AppendAudit: append-only, the newest 200,000 entries) and
// written to the daemon's log too, so that an entry the store cannot take
// (a full data disk) is still on record there; the read itself goes on.
// Duty managers and admins read it at /admin/audit and /api/audit.

// auditRead records e, a read of personal data by r's user.
func (s *Server) auditRead(r *http.Request, e store.AuditEntry) {
	id, ok := auth.FromContext(r.Context())
	e.At = s.auth.Config().Now()
	e.User, e.Role, e.Remote = id.Username, string(id.Role), r.RemoteAddr
	switch {
	case !ok:
		e.User = "console" // the unix socket: tracectl
	case id.ViaToken():
		e.User = "api-token"
	}
	args := []any{"action", e.Action, "user", e.User, "role", e.Role, "query", e.Query, "result", e.Result, "customer", e.Customer, "remote", e.Remote}
	if err := s.deps.Store.Batch(func(tx *store.Tx) error { return tx.AppendAudit(&e) }); err != nil {
		s.deps.Log.Error("personal data read; the audit log could not store it", append(args, "err", err)...)
		return
	}
	s.deps.Log.Info("personal data read", append(args, "seq", e.Seq)...)
}

// auditActions and auditResults are the words the page has for them
// ("audit_" and "auditres_" keys).
var (
	auditActions = []string{auditCustomerSearch, auditCustomerRead}
	auditResults = []string{auditFound, auditFoundBySave, auditNotFound, auditDenied, auditThrottled}
)

// auditQuery is the audit log's filter from a query string: user, action,
// before (an entry's seq, for the next page) and limit.
func auditQuery(q map[string][]string) (store.AuditFilter, string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	f := store.AuditFilter{User: get("user"), Action: get("action")}
	if len(f.User) > 64 {
		return f, "bad_user"
	}
	if f.Action != "" && !slices.Contains(auditActions, f.Action) {
		return f, "bad_action"
	}
	if b := get("before"); b != "" {
		n, err := strconv.ParseUint(b, 10, 64)
		if err != nil {
			return f, "bad_before"
		}
		f.Before = n
	}
	if l := get("limit"); l != "" {
		n, err := parsePositive(l)
		if err != nil || n > store.MaxAuditLimit {
			return f, "bad_limit"
		}
		f.Limit = n
	}
	return f, ""
}

// handleAPIAudit answers GET /api/audit?user=&action=&before=&limit=: the
// entries, newest first, times in the appliance's zone.
func (s *Server) handleAPIAudit(w http.ResponseWriter, r *http.Request) {
	f, bad := auditQuery(r.URL.Query())
	if bad != "" {
		writeError(w, http.StatusBadRequest, bad, "want user, action ("+auditCustomerSearch+" or "+auditCustomerRead+"), before (a seq) and limit (1.."+strconv.Itoa(store.MaxAuditLimit)+")")
		return
	}
	es, err := s.deps.Store.Audit(f)
	if err != nil {
		s.fail(w, r, "op_read_audit", err)
		return
	}
	if es == nil {
		es = []store.AuditEntry{}
	}
	for i := range es {
		es[i].At = es[i].At.In(s.deps.Location)
	}
	writeJSON(w, http.StatusOK, es)
}

// auditRow is one entry as the page shows it.
type auditRow struct {
	Seq                                         uint64
	At, User, Role, Action, Query, Result, Cust string
	Remote                                      string
	Refused                                     bool
}

type auditData struct {
	User, Action string
	Actions      []option
	Rows         []auditRow
	Older        string // the next page's query, "" on the last
}

// handleAuditPage is /admin/audit: the audit log, newest first, filtered by
// user and action, a page of DefaultAuditLimit entries at a time.
func (s *Server) handleAuditPage(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_audit")
	code := http.StatusOK
	f, bad := auditQuery(r.URL.Query())
	var es []store.AuditEntry
	if bad != "" {
		v.Error, code = v.M["audit_msg_"+bad], http.StatusBadRequest
	} else {
		var err error
		if es, err = s.deps.Store.Audit(f); err != nil {
			fl := classify(err)
			s.logFailure(r, "op_read_audit", fl, err)
			v.Error, code = failedText(v.M, "op_read_audit", fl), fl.code
		}
	}
	d := auditData{User: f.User, Action: f.Action, Actions: options(v.M, "audit_", auditActions, f.Action)}
	for _, e := range es {
		d.Rows = append(d.Rows, auditRow{
			Seq: e.Seq, At: e.At.In(s.deps.Location).Format(time.DateTime), User: e.User, Role: v.M["role_"+e.Role],
			Action: v.M["audit_"+e.Action], Query: e.Query, Result: v.M["auditres_"+e.Result], Cust: e.Customer,
			Remote: e.Remote, Refused: e.Result == auditDenied || e.Result == auditThrottled,
		})
	}
	limit := f.Limit
	if limit == 0 {
		limit = store.DefaultAuditLimit
	}
	if n := len(es); n > 0 && n >= limit && es[n-1].Seq > 1 {
		q := r.URL.Query()
		q.Set("before", strconv.FormatUint(es[n-1].Seq, 10))
		q.Del("done")
		d.Older = "/admin/audit?" + q.Encode()
	}
	v.Data = d
	s.render(w, code, "audit", v)
}
