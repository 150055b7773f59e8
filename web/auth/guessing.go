package auth

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"tracecall/store"
	"tracecall/throttle"
)

// The login throttles' curves, for a zero Config.ByAddress or ByAccount
// (each zero field takes its value from here). An address that keeps
// guessing soon waits 15 minutes per guess (about a hundred a day); an
// account's wait stops at a minute, because the real user may have to sit
// it out (see the package doc, Guessing). Both remember a record for a day
// of quiet, so that pausing buys a guesser nothing.
var (
	DefaultByAddress = throttle.Config{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
	DefaultByAccount = throttle.Config{Free: 5, Base: time.Second, Max: time.Minute, Forget: 24 * time.Hour}
)

// Names of the login throttles, as LoginThrottles gives them.
const (
	ThrottleByAddress = "panel_address"
	ThrottleByAccount = "panel_account"
)

// ConsoleUnlock is the command that lifts an account's delays on the
// appliance's console, with NAME for the username.
const ConsoleUnlock = "tracectl user unlock NAME"

// ConsoleLift is the command that lifts an address's delay, with ADDRESS
// for the address.
const ConsoleLift = "tracectl throttle lift ADDRESS"

// throttleConfig fills c's zero fields from def, and its clock from now.
func throttleConfig(c, def throttle.Config, now func() time.Time) throttle.Config {
	if c.Free <= 0 {
		c.Free = def.Free
	}
	if c.Base <= 0 {
		c.Base = def.Base
	}
	if c.Max <= 0 {
		c.Max = def.Max
	}
	if c.Forget <= 0 {
		c.Forget = def.Forget
	}
	if c.MaxKeys <= 0 {
		c.MaxKeys = def.MaxKeys
	}
	c.Now = now
	return c
}

// AddressKey is the key a login from remote (an http.Request's RemoteAddr)
// counts against: its IP without the port, and for IPv6 its /64, which one
// host can fill with addresses of its own.
func AddressKey(remote string) string {
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		if len(host) > 64 {
			host = host[:64]
		}
		return host
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, _ := ip.Prefix(64) // a /64 of an IPv6 address always exists
		return p.String()
	}
	return ip.String()
}

// hold is why a login attempt must wait: the longer of its address's wait
// and, for an address with failures on record, its account's.
type hold struct {
	wait    time.Duration
	address string // the address key, when the address waits
	account string // the username, when the account waits
}

// holdFor says how long a login from addr for username must still wait.
// An address with a clean record is not held by the account's wait: that
// is how the real user gets in while someone else guesses their password.
func (a *Auth) holdFor(addr, username string) hold {
	var h hold
	if w := a.byAddress.Wait(addr); w > 0 {
		h.wait, h.address = w, addr
	}
	if a.byAddress.Failures(addr) == 0 {
		return h
	}
	if w := a.byAccount.Wait(username); w > 0 {
		h.account = username
		h.wait = max(h.wait, w)
	}
	return h
}

// fail counts a refused login against its address and its account, logs the
// start of either's wait (once per lockout) and returns the wait the next
// attempt from addr for username has.
func (a *Auth) fail(log *slog.Logger, addr, username string) hold {
	byAddr := a.byAddress.Record(addr, username)
	byAcct := a.byAccount.Record(username, addr)
	now := a.cfg.Now()
	if byAddr.Began {
		log.Warn("login lockout: too many failed logins from this address; its logins wait",
			"failures", byAddr.Failures, "wait", byAddr.Wait, "until", now.Add(byAddr.Wait),
			"lift", "ask an administrator, or on the appliance's console run: "+
				strings.Replace(ConsoleUnlock, "NAME", username, 1)+" (or "+strings.Replace(ConsoleLift, "ADDRESS", addr, 1)+")")
	}
	if byAcct.Began {
		log.Warn("login lockout: too many failed logins for this account; its logins from addresses with failures wait",
			"failures", byAcct.Failures, "wait", byAcct.Wait, "until", now.Add(byAcct.Wait),
			"lift", "ask an administrator, or on the appliance's console run: "+
				strings.Replace(ConsoleUnlock, "NAME", username, 1))
	}
	return a.holdFor(addr, username)
}

// LoginThrottles returns the throttles of panel logins, by address and by
// account, named ThrottleByAddress and ThrottleByAccount, for an admin's
// view and for lifting keys.
func (a *Auth) LoginThrottles() map[string]*throttle.Throttle {
	return map[string]*throttle.Throttle{ThrottleByAddress: a.byAddress, ThrottleByAccount: a.byAccount}
}

// LoginWait returns until when username's account holds logins from
// addresses with failures on record, and its failures; zero when it does
// not.
func (a *Auth) LoginWait(username string) (until time.Time, failures int) {
	username = NormalizeUsername(username)
	for _, e := range a.byAccount.Snapshot() {
		if e.Key == username && a.cfg.Now().Before(e.Until) {
			return e.Until, e.Failures
		}
	}
	return time.Time{}, 0
}

// Unlock lifts the delays on username's logins: its account's, and those
// of every address that guessed it, and clears a lock that an older version
// stored with the user. It returns the keys lifted, "account NAME" and
// "address A". It fails with ErrNoUser, wrapped, for a user that does not
// exist.
func (a *Auth) Unlock(username string) ([]string, error) {
	username = NormalizeUsername(username)
	err := a.update(username, func(_ *store.Tx, u *store.User) error {
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("auth: unlock %s: %w", username, err)
	}
	var lifted []string
	if a.byAccount.Failures(username) > 0 {
		lifted = append(lifted, "account "+username)
	}
	a.byAccount.Reset(username)
	var addrs []string
	for _, e := range a.byAddress.Snapshot() {
		if slices.Contains(e.Notes, username) {
			addrs = append(addrs, e.Key)
			lifted = append(lifted, "address "+e.Key)
		}
	}
	if len(addrs) > 0 {
		a.byAddress.Reset(addrs...)
	}
	a.log.Info("login delays lifted", "user", username, "lifted", lifted)
	return lifted, nil
}
