package web

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"tracecall/crm"
	"tracecall/store"
	"tracecall/throttle"
	"tracecall/web/auth"
)

// Who may read which customer (least privilege for personal data).
//
// Team leaders and above (and the bearer token) may open any customer:
// they watch every call (seesCallers). An agent may open, by id, only the
// customer of the call they were last offered or are taking (the screen
// pop's), and the customers they found by an exact number or saved
// themselves in the last grantTTL; any other id is refused with the same
// 403 whether it exists or not, so refusals tell nothing. There is no list
// of customers. Every number search and every read by id, granted or
// refused, goes to the audit log (audit.go), and an agent whose searches
// keep finding nobody is slowed down (searchMisses), which is what walking
// the number space looks like.
//
// Saving a customer is a search too: a number another customer has is
// refused 409, which tells the agent that number is in the book. So for an
// agent a save that adds numbers (those the customer does not have yet)
// waits its turn like a search (searchTurn: one at a time, none while the
// agent waits), and one refused for a taken number is audited as a search
// that found that customer (result found_by_save) and counted against the
// agent like a search that found nobody: it is as rare in honest work (the
// screen pop shows the caller's customer) as it is telling in a walk of
// the numbers. The 409 names the number only when the save added just one
// (what a search of it would have said); with several it says only that
// one of them is taken. A save whose new numbers are all free costs nothing:
// that no customer has a number is not personal data, and it is how every
// new caller's customer is made. Team leaders and above see every customer
// and are not concerned.

// Limits of what an agent may open.
const (
	// grantTTL is how long an agent may open a customer they found by
	// number or saved.
	grantTTL = time.Hour
	// maxGrants is how many such customers an agent may hold at once; the
	// oldest go first.
	maxGrants = 32
)

// customerGrants are the customers each agent found by number or saved,
// which they may open by id for grantTTL.
type customerGrants struct {
	now func() time.Time

	mu sync.Mutex // guards by
	by map[string][]grant
}

type grant struct {
	id    string
	until time.Time
}

func newCustomerGrants(now func() time.Time) *customerGrants {
	return &customerGrants{now: now, by: map[string][]grant{}}
}

// add lets user open customer id for grantTTL.
func (g *customerGrants) add(user, id string) {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	gs := g.live(user, now)
	gs = append(gs[:0:0], gs...)
	for i, x := range gs {
		if x.id == id {
			gs = append(gs[:i], gs[i+1:]...)
			break
		}
	}
	if len(gs) >= maxGrants {
		gs = gs[len(gs)-maxGrants+1:]
	}
	g.by[user] = append(gs, grant{id, now.Add(grantTTL)})
}

// has reports whether user may open customer id.
func (g *customerGrants) has(user, id string) bool {
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, x := range g.live(user, now) {
		if x.id == id {
			return true
		}
	}
	return false
}

// live drops user's expired grants and returns the rest; g.mu is held.
func (g *customerGrants) live(user string, now time.Time) []grant {
	gs := g.by[user]
	i := 0
	for i < len(gs) && !now.Before(gs[i].until) {
		i++
	}
	if i == len(gs) {
		delete(g.by, user)
		return nil
	}
	if i > 0 {
		gs = gs[i:]
		g.by[user] = gs
	}
	return gs
}

// searchMisses slows an agent whose number searches keep finding nobody
// (and whose saves keep giving numbers other customers have): a few free,
// then growing waits. A search that finds someone does not clear the count
// (an enumeration finds some), time does. Its notes are the numbers. The
// security page lists it as ThrottleSearch.
func searchMisses(now func() time.Time) *throttle.Throttle {
	return throttle.New(throttle.Config{Free: 10, Base: 2 * time.Second, Max: time.Minute, Forget: 30 * time.Minute, Now: now})
}

// seesCustomers reports whether id may open any customer.
func seesCustomers(id auth.Identity) bool { return seesCallers(id.Role) }

// mayOpen reports whether id may open customer cid by id, and why not.
func (s *Server) mayOpen(id auth.Identity, cid string) bool {
	if seesCustomers(id) || s.grants.has(id.Username, cid) {
		return true
	}
	return s.currentCustomer(id.Username) == cid
}

// currentCustomer is the id of the customer of the call agent was last
// offered or is taking, or "": the pop's, else (a customer added during the
// call) the one with the caller's number now.
func (s *Server) currentCustomer(agent string) string {
	_, _, c := s.pops.Current(agent)
	if c.ID == "" {
		return ""
	}
	caller := ""
	if c.Pop != nil {
		if c.Pop.Customer != nil {
			return c.Pop.Customer.ID
		}
		caller = c.Pop.Caller
	} else if rec, ok, err := s.deps.Store.Call(string(c.ID)); err == nil && ok {
		caller = rec.Caller
	}
	if caller == "" {
		return ""
	}
	cust, ok, err := s.deps.Customers.Lookup(caller)
	if err != nil || !ok {
		return ""
	}
	return cust.ID
}

// Audit actions and results for customers.
const (
	auditCustomerSearch = "customer_search"
	auditCustomerRead   = "customer_read"
	auditFound          = "found"
	auditNotFound       = "not_found"
	auditDenied         = "denied"
	auditThrottled      = "throttled"
	auditFoundBySave    = "found_by_save" // a save refused for a number another customer has
)

// ThrottleSearch names the agents' search throttle among the security
// page's sources.
const ThrottleSearch = "customer_search"

// searchTurn starts an agent's search of the book by number (a lookup, or
// a save that adds numbers): one at a time per agent, so that searches sent
// at once are counted one after another, and none while the agent waits
// after too many misses. Refused, it audits e as throttled, answers 429
// and returns ok false; else leave is to be called once the search's miss
// is counted. For team leaders and above it is a no-op.
func (s *Server) searchTurn(w http.ResponseWriter, r *http.Request, e store.AuditEntry) (leave func(), ok bool) {
	id, _ := auth.FromContext(r.Context())
	if seesCustomers(id) {
		return func() {}, true
	}
	leave, ok = s.searching.Enter(id.Username)
	wait, reason, msg := time.Second, "search_busy", "another search of yours is in progress; try again in a moment"
	if ok {
		if wait = s.searchMisses.Wait(id.Username); wait <= 0 {
			return leave, true
		}
		leave()
		reason, msg = "too_many_searches", fmt.Sprintf("too many searches found nobody; wait %v", wait.Round(time.Second))
	}
	e.Result = auditThrottled
	s.auditRead(r, e)
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
	writeError(w, http.StatusTooManyRequests, reason, msg)
	return nil, false
}

// customerError answers a failed save or read. added are the numbers the
// save gave that its customer did not have (all of them for a new one).
func (s *Server) customerError(w http.ResponseWriter, r *http.Request, op string, err error, added ...string) {
	var fe *crm.FieldError
	var te *crm.NumberTakenError
	id, _ := auth.FromContext(r.Context())
	switch {
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fe.Error(), "reason": fe.Reason, "field": fe.Field})
	case errors.As(err, &te) && !seesCustomers(id):
		// A search that found te.Owner: audited and counted as one (see
		// the top of the file). Whose it is an agent learns by searching
		// the number, which the audit log records.
		s.auditRead(r, store.AuditEntry{Action: auditCustomerSearch, Query: te.Number, Result: auditFoundBySave, Customer: te.Owner})
		s.searchMisses.Record(id.Username, te.Number)
		if len(added) == 1 {
			writeError(w, http.StatusConflict, "number_taken", te.Number+" belongs to another customer")
			return
		}
		writeError(w, http.StatusConflict, "number_taken", "one of the numbers added belongs to another customer")
	case errors.Is(err, crm.ErrNumberTaken):
		writeError(w, http.StatusConflict, "number_taken", strings.TrimPrefix(err.Error(), "crm: "))
	case errors.Is(err, crm.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "no such customer")
	default:
		s.fail(w, r, op, err)
	}
}

// refuseCustomer answers an agent's request for a customer they may not
// open.
func (s *Server) refuseCustomer(w http.ResponseWriter, r *http.Request, cid string) {
	id, _ := auth.FromContext(r.Context())
	s.deps.Log.Warn("customer refused to an agent", "user", id.Username, "customer", cid, "method", r.Method, "remote", r.RemoteAddr)
	writeError(w, http.StatusForbidden, "not_yours",
		"agents open only the customer of their current call, or one they looked up by number")
}

// handleCustomerLookup answers GET /api/customers?number=: the customer
// with that number (in any form crm.ParseNumber accepts), or 404. It is a
// search by one exact number, never a list, and it is audited.
func (s *Server) handleCustomerLookup(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	raw := r.URL.Query().Get("number")
	n, err := crm.ParseNumber(raw)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_number", "number: want a phone number")
		return
	}
	e := store.AuditEntry{Action: auditCustomerSearch, Query: n}
	leave, ok := s.searchTurn(w, r, e)
	if !ok {
		return
	}
	defer leave()
	c, ok, err := s.deps.Customers.Lookup(n)
	switch {
	case err != nil:
		s.fail(w, r, "op_customer_lookup", err)
	case !ok:
		e.Result = auditNotFound
		s.auditRead(r, e)
		if !seesCustomers(id) {
			s.searchMisses.Record(id.Username, n)
		}
		writeError(w, http.StatusNotFound, "not_found", "no customer has "+n)
	default:
		e.Result, e.Customer = auditFound, c.ID
		s.auditRead(r, e)
		s.grants.add(id.Username, c.ID)
		writeJSON(w, http.StatusOK, c)
	}
}

// handleCustomerGet answers GET /api/customers/{id} to those who may open
// that customer (mayOpen), and audits it.
func (s *Server) handleCustomerGet(w http.ResponseWriter, r *http.Request) {
	id, _ := auth.FromContext(r.Context())
	cid := r.PathValue("id")
	e := store.AuditEntry{Action: auditCustomerRead, Query: cid, Customer: cid}
	if !s.mayOpen(id, cid) {
		e.Result = auditDenied
		s.auditRead(r, e)
		s.refuseCustomer(w, r, cid)
		return
	}
	c, err := s.deps.Customers.Get(cid)
	if err != nil {
		if errors.Is(err, crm.ErrNotFound) {
			e.Result = auditNotFound
			s.auditRead(r, e)
		}
		s.customerError(w, r, "op_get_customer", err)
		return
	}
	e.Result = auditFound
	s.auditRead(r, e)
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) handleCustomerCreate(w http.ResponseWriter, r *http.Request) {
	var in crm.Input
	if !s.readJSON(w, r, &in) {
		return
	}
	id, _ := auth.FromContext(r.Context())
	added := newNumbers(in, nil)
	if len(added) > 0 {
		leave, ok := s.searchTurn(w, r, store.AuditEntry{Action: auditCustomerSearch, Query: strings.Join(added, " ")})
		if !ok {
			return
		}
		defer leave()
	}
	c, err := s.deps.Customers.Create(in, id.Username)
	if err != nil {
		s.customerError(w, r, "op_create_customer", err, added...)
		return
	}
	s.grants.add(id.Username, c.ID)
	writeJSON(w, http.StatusCreated, c)
}

// handleCustomerUpdate answers PUT /api/customers/{id} for those who may
// open the customer: an agent changes only the customers they could read.
func (s *Server) handleCustomerUpdate(w http.ResponseWriter, r *http.Request) {
	var in crm.Input
	if !s.readJSON(w, r, &in) {
		return
	}
	id, _ := auth.FromContext(r.Context())
	cid := r.PathValue("id")
	if !s.mayOpen(id, cid) {
		s.auditRead(r, store.AuditEntry{Action: auditCustomerRead, Query: cid, Customer: cid, Result: auditDenied})
		s.refuseCustomer(w, r, cid)
		return
	}
	var added []string
	if !seesCustomers(id) {
		old, err := s.deps.Customers.Get(cid)
		if err != nil {
			s.customerError(w, r, "op_update_customer", err)
			return
		}
		added = newNumbers(in, old.Numbers)
	}
	if len(added) > 0 {
		leave, ok := s.searchTurn(w, r, store.AuditEntry{Action: auditCustomerSearch, Query: strings.Join(added, " "), Customer: cid})
		if !ok {
			return
		}
		defer leave()
	}
	c, err := s.deps.Customers.Update(cid, in, id.Username)
	if err != nil {
		s.customerError(w, r, "op_update_customer", err, added...)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// newNumbers are the numbers of in, canonical, that have is without: those
// a save asks the book about. An input that does not pass crm's checks has
// none (the save is refused for it before any number is looked at).
func newNumbers(in crm.Input, have []string) []string {
	in, err := in.Clean()
	if err != nil {
		return nil
	}
	var added []string
	for _, n := range in.Numbers {
		if !slices.Contains(have, n) {
			added = append(added, n)
		}
	}
	return added
}
