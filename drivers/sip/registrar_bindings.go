package sip

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	siplib "github.com/emiago/sipgo/sip"
)

// PhoneState is what the registrar knows of one configured phone.
type PhoneState struct {
	User       string    `json:"user"`
	Registered bool      `json:"registered"`
	Contact    string    `json:"contact,omitempty"` // the newest binding's URI
	Source     string    `json:"source,omitempty"`  // where its REGISTER came from
	Expires    time.Time `json:"expires,omitzero"`  // when the newest binding lapses
}

// binding is one registered contact of a phone.
type binding struct {
	contact   siplib.Uri
	key       string // contact URI as text: bindings are matched on it
	source    string
	expires   time.Time
	refreshed time.Time
	answer    remoteAnswer // what its REGISTER announced (pickup.go)
}

// registrar keeps the phones' bindings. It does no I/O: register.go serves
// REGISTER with it, and Dial asks it where a phone is.
type registrar struct {
	realm     string
	min, max  time.Duration
	passwords map[string]string // by user, from the config file
	book      PhoneBook         // phones kept elsewhere (the store); may be nil
	secret    []byte            // signs nonces
	onChange  func(PhoneState)  // may be nil; called without locks held
	log       *slog.Logger

	// mu guards the fields below it.
	mu       sync.Mutex
	bindings map[string][]binding // by user, newest refresh last
}

func newRegistrar(cfg Config, log *slog.Logger) *registrar {
	r := &registrar{
		realm: cfg.Realm, min: cfg.MinExpires, max: cfg.MaxExpires,
		passwords: make(map[string]string, len(cfg.Phones)),
		secret:    newSecret(),
		onChange:  cfg.OnPhone,
		book:      cfg.PhoneBook,
		log:       log,
		bindings:  make(map[string][]binding),
	}
	for _, p := range cfg.Phones {
		r.passwords[p.User] = p.Password
	}
	return r
}

// known reports whether user is a phone, in the config or the phone book.
func (r *registrar) known(user string) bool {
	_, ok, _ := r.password(user)
	return ok
}

// password returns user's digest password: from the config file, else from
// the phone book. ok is false for a user neither knows; err is the book's
// failure to say.
func (r *registrar) password(user string) (password string, ok bool, err error) {
	if pw, ok := r.passwords[user]; ok {
		return pw, true, nil
	}
	if r.book == nil || user == "" {
		return "", false, nil
	}
	pw, ok, err := r.book.SIPPhonePassword(user)
	if err != nil {
		return "", false, fmt.Errorf("sip: phone book: %w", err)
	}
	return pw, ok && pw != "", nil
}

// lookup returns user's newest binding that has not lapsed by now.
func (r *registrar) lookup(user string, now time.Time) (binding, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	bs := r.bindings[user]
	for i := len(bs) - 1; i >= 0; i-- {
		if bs[i].expires.After(now) {
			return bs[i], true
		}
	}
	return binding{}, false
}

// current lists user's bindings that have not lapsed by now.
func (r *registrar) current(user string, now time.Time) []binding {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []binding
	for _, b := range r.bindings[user] {
		if b.expires.After(now) {
			out = append(out, b)
		}
	}
	return out
}

// update applies one REGISTER's contacts for user: each is added, refreshed
// or (expires zero) removed. removeAll clears every binding (Contact: *).
func (r *registrar) update(user string, add []binding, remove []string, removeAll bool, now time.Time) {
	r.mu.Lock()
	before := r.stateLocked(user, now)
	bs := r.bindings[user]
	if removeAll {
		bs = nil
	}
	for _, key := range remove {
		bs = slices.DeleteFunc(bs, func(b binding) bool { return b.key == key })
	}
	for _, b := range add {
		bs = slices.DeleteFunc(bs, func(old binding) bool { return old.key == b.key })
		bs = append(bs, b)
	}
	bs = slices.DeleteFunc(bs, func(b binding) bool { return !b.expires.After(now) })
	if len(bs) == 0 {
		delete(r.bindings, user)
	} else {
		r.bindings[user] = bs
	}
	after := r.stateLocked(user, now)
	r.mu.Unlock()
	r.changed(before, after)
}

// sweep drops the bindings that have lapsed by now, and tells onChange of
// the phones that became unavailable.
func (r *registrar) sweep(now time.Time) {
	var gone []PhoneState
	r.mu.Lock()
	for user, bs := range r.bindings {
		kept := slices.DeleteFunc(slices.Clone(bs), func(b binding) bool { return !b.expires.After(now) })
		if len(kept) == len(bs) {
			continue
		}
		if len(kept) == 0 {
			delete(r.bindings, user)
			gone = append(gone, PhoneState{User: user})
			continue
		}
		r.bindings[user] = kept
	}
	r.mu.Unlock()
	for _, s := range gone {
		r.log.Info("phone registration expired", "user", s.User)
		if r.onChange != nil {
			r.onChange(s)
		}
	}
}

func (r *registrar) stateLocked(user string, now time.Time) PhoneState {
	s := PhoneState{User: user}
	bs := r.bindings[user]
	for i := len(bs) - 1; i >= 0; i-- {
		if b := bs[i]; b.expires.After(now) {
			s.Registered, s.Contact, s.Source, s.Expires = true, b.key, b.source, b.expires
			break
		}
	}
	return s
}

// changed logs a phone coming or going and tells onChange.
func (r *registrar) changed(before, after PhoneState) {
	if before == after {
		return
	}
	switch {
	case after.Registered && !before.Registered:
		r.log.Info("phone registered", "user", after.User, "contact", after.Contact, "source", after.Source,
			"expires", after.Expires.Format(time.RFC3339))
	case !after.Registered && before.Registered:
		r.log.Info("phone unregistered", "user", after.User)
	}
	if r.onChange != nil && (before.Registered != after.Registered || before.Contact != after.Contact) {
		r.onChange(after)
	}
}

// phones reports every phone of the config and the phone book, sorted by
// user.
func (r *registrar) phones(now time.Time) []PhoneState {
	users := make([]string, 0, len(r.passwords))
	for u := range r.passwords {
		users = append(users, u)
	}
	if r.book != nil {
		more, err := r.book.SIPPhoneUsers()
		if err != nil {
			r.log.Warn("phone book", "err", err)
		}
		users = append(users, more...)
	}
	slices.Sort(users)
	users = slices.Compact(users)
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]PhoneState, len(users))
	for i, u := range users {
		out[i] = r.stateLocked(u, now)
	}
	return out
}
