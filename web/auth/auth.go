package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"tracecall/store"
	"tracecall/throttle"
)

// Names the panel and its clients see.
const (
	SessionCookie = "tracecall_session" // the session ID
	LoginCookie   = "tracecall_login"   // the login form's CSRF token, before a session exists
	CSRFField     = "csrf_token"        // form field carrying the CSRF token
	CSRFHeader    = "X-CSRF-Token"      // header carrying it, for fetch
	TokenUser     = "api-token"         // Identity.Username of bearer token requests
)

// Defaults for a zero Config.
const (
	DefaultIdleTimeout     = time.Hour
	DefaultAbsoluteTimeout = 12 * time.Hour // one shift
)

// loginTokenTTL is how long a login form stays usable.
const loginTokenTTL = time.Hour

// Config sets the rules. The zero value is the production default, with no
// bearer token.
type Config struct {
	// Token is the API's bearer token (DATA/api-token); a request that sends
	// it acts as admin. Empty accepts no token.
	Token string
	// IdleTimeout ends a session after this long without a request.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after login, however busy.
	AbsoluteTimeout time.Duration
	// ByAddress and ByAccount are the curves of the login throttles (see
	// Guessing in the package doc); zero fields take DefaultByAddress's and
	// DefaultByAccount's, and their clock is Now.
	ByAddress, ByAccount throttle.Config
	// SecureCookies marks cookies Secure even on plain HTTP requests, for a
	// panel behind a TLS-terminating proxy. Requests over TLS always get it.
	SecureCookies bool
	// Params are the argon2id costs for new hashes; zero means DefaultParams.
	Params Params
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.AbsoluteTimeout <= 0 {
		c.AbsoluteTimeout = DefaultAbsoluteTimeout
	}
	if c.Params == (Params{}) {
		c.Params = DefaultParams()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	c.ByAddress = throttleConfig(c.ByAddress, DefaultByAddress, c.Now)
	c.ByAccount = throttleConfig(c.ByAccount, DefaultByAccount, c.Now)
	return c
}

// Auth checks logins and requests against the users and sessions in a store.
type Auth struct {
	db  *store.DB
	cfg Config
	log *slog.Logger
	// hashing bounds concurrent argon2id runs (and their memory).
	hashing chan struct{}
	// dummy is a hash of nothing, checked when a login names no usable user
	// so that the answer takes as long as a wrong password.
	dummy func() string
	// touchEvery is how stale LastSeen may get before a request writes it.
	touchEvery time.Duration
	// byAddress and byAccount slow down guessing (guessing.go). They live
	// in memory: a restart forgets them, and nothing a guesser does
	// outlasts it.
	byAddress, byAccount *throttle.Throttle
	// checkingAddress admits one login per address at a time, and
	// checkingAccount one per account from addresses with failures on
	// record (those its throttle holds): the throttles count a failure only
	// after its slow password check, so logins sent at once would all pass
	// them before any was counted.
	checkingAddress, checkingAccount throttle.Gate
}

// New returns an Auth over db. A nil log discards messages.
func New(db *store.DB, c Config, log *slog.Logger) *Auth {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c = c.withDefaults()
	a := &Auth{
		db: db, cfg: c, log: log,
		hashing:    make(chan struct{}, 2),
		touchEvery: min(c.IdleTimeout/10, time.Minute),
		byAddress:  throttle.New(c.ByAddress),
		byAccount:  throttle.New(c.ByAccount),
	}
	a.dummy = sync.OnceValue(func() string {
		h, err := HashPassword(randomToken(), c.Params)
		if err != nil {
			return "" // CheckPassword fails fast; only timing suffers
		}
		return h
	})
	return a
}

// Config returns the configuration in use, defaults filled in.
func (a *Auth) Config() Config { return a.cfg }

// Identity is who made a request.
type Identity struct {
	Username    string
	DisplayName string
	Role        Role
	// SessionID and CSRFToken are set for a session cookie and empty for the
	// bearer token.
	SessionID string
	CSRFToken string
}

// ViaToken reports whether the request authenticated with the bearer token.
func (id Identity) ViaToken() bool { return id.SessionID == "" }

type ctxKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// FromContext returns the identity NewContext put in ctx.
func FromContext(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(Identity)
	return id, ok
}

// randomToken returns 32 random bytes, base64url without padding (43 characters).
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails on Linux (crypto/rand panics rather than returning short)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// plausibleToken rejects cookie values that randomToken cannot have made,
// before they reach the store.
func plausibleToken(s string) bool {
	if len(s) != 43 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// checkHash runs CheckPassword, at most two at a time.
func (a *Auth) checkHash(ctx context.Context, encoded, password string) (bool, error) {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-a.hashing }()
	return CheckPassword(encoded, password)
}

// hash runs HashPassword with the configured parameters, at most two at a time.
func (a *Auth) hash(ctx context.Context, password string) (string, error) {
	select {
	case a.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-a.hashing }()
	return HashPassword(password, a.cfg.Params)
}

// Login checks username and password and, if they are right and the user is
// enabled, starts a session and returns it, ID included. remote is the
// client's address (an http.Request's RemoteAddr): logins are throttled by
// it and by account (see Guessing in the package doc). A refusal is a
// *LoginError: ErrThrottled, without checking the password, for an attempt
// made during its wait, and ErrLoginBusy (an ErrThrottled too) for one made
// while another login from its address (or, for an address with failures,
// for its account) is being checked; ErrBadCredentials for every other,
// which counts against the address and the account.
func (a *Auth) Login(ctx context.Context, username, password, remote string) (store.Session, error) {
	username = NormalizeUsername(username)
	logUser := username
	if len(logUser) > 64 {
		logUser = logUser[:64] + "…"
	}
	addr := AddressKey(remote)
	log := a.log.With("user", logUser, "remote", remote)
	// One check at a time per address, entered before the throttles are
	// asked and left after the failure is counted, so that each attempt
	// sees the failures of those before it.
	leave, ok := a.checkingAddress.Enter(addr)
	if ok && a.byAddress.Failures(addr) > 0 {
		var leaveAccount func()
		if leaveAccount, ok = a.checkingAccount.Enter(username); ok {
			leave = sequence(leaveAccount, leave)
		} else {
			leave()
		}
	}
	if !ok {
		log.Debug("login refused unchecked: another login from this address is being checked")
		return store.Session{}, &LoginError{Err: ErrLoginBusy, Wait: time.Second}
	}
	defer leave()
	if h := a.holdFor(addr, username); h.wait > 0 {
		// Not checked, not counted, logged below Warn: the lockout was
		// logged when it began, and a guesser's every try would flood it.
		log.Debug("login refused unchecked: waiting after failed logins", "wait", h.wait, "address_waits", h.address != "", "account_waits", h.account != "")
		return store.Session{}, &LoginError{Err: ErrThrottled, Wait: h.wait, Address: h.address, Account: h.account}
	}
	refuse := func(reason string) (store.Session, error) {
		h := a.fail(log, addr, username)
		log.Warn("login refused", "reason", reason, "next_wait", h.wait)
		return store.Session{}, &LoginError{Err: ErrBadCredentials, Wait: h.wait, Address: h.address, Account: h.account}
	}
	now := a.cfg.Now()

	var u store.User
	var found bool
	if err := a.db.View(func(tx *store.Tx) (err error) {
		u, found, err = tx.User(username)
		return err
	}); err != nil {
		return store.Session{}, fmt.Errorf("auth: login: %w", err)
	}
	reason := ""
	switch {
	case !found:
		reason = "unknown user"
	case u.Disabled:
		reason = "user disabled"
	}
	if reason != "" {
		_, _ = a.checkHash(ctx, a.dummy(), password) // same time as a real check
		return refuse(reason)
	}
	good, err := a.checkHash(ctx, u.PasswordHash, password)
	if err != nil {
		if ctx.Err() != nil {
			return store.Session{}, fmt.Errorf("auth: login: %w", err)
		}
		log.Error("login: cannot check password", "err", err)
		return refuse("password hash unreadable")
	}
	if !good {
		return refuse("wrong password")
	}

	var s store.Session
	err = a.db.Update(func(tx *store.Tx) error {
		u, found, err := tx.User(username) // again: another request may have changed it
		if err != nil || !found || u.Disabled {
			return err
		}
		if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
			// A lock stored by an older version: the throttles replace it.
			u.FailedLogins, u.LockedUntil, u.Updated = 0, time.Time{}, now
			if err := tx.PutUser(&u); err != nil {
				return err
			}
		}
		if _, err := tx.DeleteExpiredSessions(now); err != nil {
			return err
		}
		s = store.Session{
			ID: randomToken(), Username: u.Username, Role: u.Role, CSRFToken: randomToken(),
			Created: now, LastSeen: now, Expires: now.Add(min(a.cfg.IdleTimeout, a.cfg.AbsoluteTimeout)),
		}
		return tx.PutSession(&s)
	})
	switch {
	case err != nil:
		return store.Session{}, fmt.Errorf("auth: login: %w", err)
	case s.ID == "":
		return refuse("user deleted or disabled during login")
	}
	// The account's record goes; the address's stays (it ages out), or a
	// guesser with an account of their own could wipe it by logging in.
	a.byAccount.Succeed(username)
	log.Info("login", "role", u.Role)
	return s, nil
}

// sequence returns a func that calls fs in order.
func sequence(fs ...func()) func() {
	return func() {
		for _, f := range fs {
			f()
		}
	}
}

// Logout ends the session with ID id. Ending a missing session is not an error.
func (a *Auth) Logout(id string) error {
	if err := a.db.Update(func(tx *store.Tx) error { return tx.DeleteSession(id) }); err != nil {
		return fmt.Errorf("auth: logout: %w", err)
	}
	return nil
}

// Identify returns who made r: the bearer token's admin, or the user of a
// live session cookie whose account is still enabled. It moves the session's
// idle deadline on (writing at most once a minute per session). A wrong bearer
// token makes the request anonymous whatever cookie it carries.
func (a *Auth) Identify(r *http.Request) (Identity, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if ok && a.cfg.Token != "" &&
			subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(a.cfg.Token)) == 1 {
			return Identity{Username: TokenUser, DisplayName: TokenUser, Role: RoleAdmin}, true
		}
		return Identity{}, false
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || !plausibleToken(c.Value) {
		return Identity{}, false
	}
	now := a.cfg.Now()
	var s store.Session
	var u store.User
	var ok bool
	err = a.db.View(func(tx *store.Tx) error {
		var err error
		if s, ok, err = tx.Session(c.Value); err != nil || !ok {
			return err
		}
		u, ok, err = tx.User(s.Username)
		return err
	})
	if err != nil {
		a.log.Error("read session", "err", err)
		return Identity{}, false
	}
	if !ok || !now.Before(s.Expires) || u.Disabled {
		return Identity{}, false
	}
	if now.Sub(s.LastSeen) >= a.touchEvery {
		a.touch(s.ID, now)
	}
	return Identity{
		Username: u.Username, DisplayName: u.DisplayName, Role: Role(u.Role),
		SessionID: s.ID, CSRFToken: s.CSRFToken,
	}, true
}

// touch records use of session id at now and moves its expiry on.
func (a *Auth) touch(id string, now time.Time) {
	err := a.db.Update(func(tx *store.Tx) error {
		s, ok, err := tx.Session(id)
		if err != nil || !ok {
			return err
		}
		s.LastSeen = now
		s.Expires = minTime(s.Created.Add(a.cfg.AbsoluteTimeout), now.Add(a.cfg.IdleTimeout))
		return tx.PutSession(&s)
	})
	if err != nil {
		a.log.Error("update session", "err", err)
	}
}

// minTime is min for times.
func minTime(ts ...time.Time) time.Time {
	m := ts[0]
	for _, t := range ts[1:] {
		if t.Before(m) {
			m = t
		}
	}
	return m
}

// secure reports whether cookies for r get the Secure attribute.
func (a *Auth) secure(r *http.Request) bool { return r.TLS != nil || a.cfg.SecureCookies }

// SetSessionCookie gives the browser s's cookie. It lasts as long as the
// browser session; the server enforces the timeouts.
func (a *Auth) SetSessionCookie(w http.ResponseWriter, r *http.Request, s store.Session) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: s.ID, Path: "/",
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteStrictMode,
	})
}

// ClearSessionCookie tells the browser to drop the session cookie.
func (a *Auth) ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteStrictMode,
	})
}

// LoginToken returns the CSRF token for the login form, setting the cookie
// that carries it unless r already has a usable one.
func (a *Auth) LoginToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(LoginCookie); err == nil && plausibleToken(c.Value) {
		return c.Value
	}
	tok := randomToken()
	http.SetCookie(w, &http.Cookie{
		Name: LoginCookie, Value: tok, Path: "/login", MaxAge: int(loginTokenTTL / time.Second),
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteStrictMode,
	})
	return tok
}

// CheckLoginToken reports whether the login form's token matches its cookie.
func (a *Auth) CheckLoginToken(r *http.Request, formToken string) bool {
	c, err := r.Cookie(LoginCookie)
	return err == nil && plausibleToken(c.Value) &&
		subtle.ConstantTimeCompare([]byte(c.Value), []byte(formToken)) == 1
}

// ClearLoginToken drops the login form's cookie after a login.
func (a *Auth) ClearLoginToken(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: LoginCookie, Value: "", Path: "/login", MaxAge: -1,
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteStrictMode,
	})
}

// Unsafe reports whether method changes state and so needs a CSRF token.
func Unsafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// CheckCSRF returns ErrCSRF if r is an unsafe request made with id's session
// and carries neither the X-CSRF-Token header nor the csrf_token form field
// with the session's token. Safe methods and bearer token requests pass. It
// reads the body only for form content types; limit its size first.
func (a *Auth) CheckCSRF(r *http.Request, id Identity) error {
	if !Unsafe(r.Method) || id.ViaToken() {
		return nil
	}
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if ct == "application/x-www-form-urlencoded" || ct == "multipart/form-data" {
			got = r.PostFormValue(CSRFField)
		}
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(id.CSRFToken)) != 1 {
		return ErrCSRF
	}
	return nil
}
