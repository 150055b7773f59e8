package sip

import (
	"log/slog"
	"strconv"
	"strings"
	"time"

	siplib "github.com/emiago/sipgo/sip"
)

// defaultExpires is the registration interval when a REGISTER names none
// (RFC 3261 section 10.2.1.1), before clamping to MaxExpires.
const defaultExpires = 3600 * time.Second

// onRegister serves REGISTER from agent and supervisor phones: digest
// authentication against Config.Phones and the phone book, throttled
// against guessing (guess.go), then the bindings of the To user.
func (d *Driver) onRegister(req *siplib.Request, tx siplib.ServerTransaction) {
	if req.To() == nil || req.From() == nil || req.CallID() == nil || req.CSeq() == nil {
		d.respond(req, tx, 400, "Bad Request")
		return
	}
	r := d.reg
	user := req.To().Address.User
	now := time.Now()
	password, ok, err := r.password(user)
	if err != nil {
		d.bookFailed(req, tx, user, err)
		return
	}
	if !ok {
		d.logRefusal(slog.LevelInfo, "register refused: unknown user", req.Source(), "user", user)
		d.respond(req, tx, 404, "Not Found")
		return
	}
	if !d.authenticate(req, tx, user, password, now) {
		return
	}

	add, remove, removeAll, brief, ok := d.readBindings(req, now)
	switch {
	case !ok:
		d.respond(req, tx, 400, "Bad Contact")
		return
	case brief:
		res := siplib.NewResponseFromRequest(req, 423, "Interval Too Brief", nil)
		res.AppendHeader(siplib.NewHeader("Min-Expires", strconv.Itoa(int(r.min/time.Second))))
		_ = tx.Respond(res)
		return
	}
	r.update(user, add, remove, removeAll, now)

	res := siplib.NewResponseFromRequest(req, 200, "OK", nil)
	for _, b := range r.current(user, now) {
		c := &siplib.ContactHeader{Address: b.contact, Params: siplib.NewParams()}
		c.Params.Add("expires", strconv.Itoa(int(b.expires.Sub(now).Round(time.Second)/time.Second)))
		res.AppendHeader(c)
	}
	res.AppendHeader(siplib.NewHeader("Date", now.UTC().Format(time.RFC1123)))
	res.AppendHeader(siplib.NewHeader("Allow", allowed))
	res.AppendHeader(siplib.NewHeader("Server", d.cfg.UserAgent))
	_ = tx.Respond(res)
}

// readBindings reads a REGISTER's contacts and expiry: the contacts to add
// (with their expiry clamped to MaxExpires), those to remove (expires 0),
// whether all go (Contact: * with Expires: 0), and whether an interval is
// below MinExpires (423). ok is false for contacts we cannot use.
func (d *Driver) readBindings(req *siplib.Request, now time.Time) (add []binding, remove []string, removeAll, brief, ok bool) {
	r := d.reg
	expires := defaultExpires
	if h := req.GetHeader("Expires"); h != nil {
		n, err := strconv.Atoi(strings.TrimSpace(h.Value()))
		if err != nil || n < 0 {
			return nil, nil, false, false, false
		}
		expires = time.Duration(n) * time.Second
	}
	for _, h := range req.GetHeaders("Contact") {
		c, isContact := h.(*siplib.ContactHeader)
		if !isContact {
			return nil, nil, false, false, false
		}
		if c.Address.Wildcard || strings.TrimSpace(h.Value()) == "*" {
			if expires != 0 {
				return nil, nil, false, false, false
			}
			removeAll = true
			continue
		}
		if c.Address.Host == "" {
			return nil, nil, false, false, false
		}
		exp := expires
		if v, has := c.Params.Get("expires"); has {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < 0 {
				return nil, nil, false, false, false
			}
			exp = time.Duration(n) * time.Second
		}
		uri := c.Address.Clone()
		key := uri.String()
		switch {
		case exp == 0:
			remove = append(remove, key)
		case exp < r.min:
			brief = true
		default:
			exp = min(exp, r.max)
			add = append(add, binding{contact: *uri, key: key, source: req.Source(), expires: now.Add(exp), refreshed: now, answer: announced(req)})
		}
	}
	return add, remove, removeAll, brief, true
}

// Registered reports where a phone is registered: the contact URI of its
// newest binding that has not lapsed.
func (d *Driver) Registered(user string) (contact string, ok bool) {
	b, ok := d.reg.lookup(user, time.Now())
	return b.key, ok
}

// Phones reports every configured phone and whether it is registered, sorted
// by user. Config.OnPhone tells of changes as they happen.
func (d *Driver) Phones() []PhoneState { return d.reg.phones(time.Now()) }
