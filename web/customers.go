package web

import (
	"errors"
	"fmt"
	"net/http"
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

// searchMisses slows an agent whose number searches keep finding nobody:
// a few free, then growing waits. A search that finds someone does not
// clear the count (an enumeration finds some), time does.
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
)

func (s *Server) customerError(w http.ResponseWriter, r *http.Request, op string, err error) {
	var fe *crm.FieldError
	var te *crm.NumberTakenError
	id, _ := auth.FromContext(r.Context())
	switch {
	case errors.As(err, &fe):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": fe.Error(), "reason": fe.Reason, "field": fe.Field})
	case errors.As(err, &te) && !seesCustomers(id):
		// Whose it is an agent learns by searching the number, which the
		// audit log records.
		writeError(w, http.StatusConflict, "number_taken", te.Number+" belongs to another customer")
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
	if !seesCustomers(id) {
		if wait := s.searchMisses.Wait(id.Username); wait > 0 {
			e.Result = auditThrottled
			s.auditRead(r, e)
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
			writeError(w, http.StatusTooManyRequests, "too_many_searches",
				fmt.Sprintf("too many searches found nobody; wait %v", wait.Round(time.Second)))
			return
		}
	}
	c, ok, err := s.deps.Customers.Lookup(n)
	switch {
	case err != nil:
		s.fail(w, r, "op_customer_lookup", err)
	case !ok:
		e.Result = auditNotFound
		s.auditRead(r, e)
		if !seesCustomers(id) {
			s.searchMisses.Fail(id.Username)
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
	c, err := s.deps.Customers.Create(in, id.Username)
	if err != nil {
		s.customerError(w, r, "op_create_customer", err)
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
	c, err := s.deps.Customers.Update(cid, in, id.Username)
	if err != nil {
		s.customerError(w, r, "op_update_customer", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}
