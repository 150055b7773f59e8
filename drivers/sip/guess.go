package sip

import (
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"tracecall/throttle"
)

// Password guessing.
//
// Every digest response we check (REGISTER and INVITE alike) that turns out
// wrong counts a failure against the address it came from and against the
// account it names, each in its own throttle.Throttle: the first few cost
// nothing, then each further one makes that key wait, doubling (1 s, 2 s,
// 4 s ... up to 5 min by default). Credentials that arrive while their
// source or account waits are refused without the password being looked
// at, so a thousand guesses in a fifth of a second get three or four
// answers and a thousand refusals, and the next guess that counts comes a
// second later, then two, then four. The right password after guessing
// works once the wait is over.
//
// The refusal is 403 Forbidden with a Warning that says how long to wait.
// Not 503 with Retry-After: 503 says the server as a whole is unavailable,
// and a phone or proxy that gets it marks this server down and fails over
// (RFC 3261 section 21.5.4, RFC 3263 section 4.3), for every account behind
// it; a guesser could take honest phones off the appliance in their name.
// 403 refuses this request only, and tells the sender not to repeat it as
// it was, which is right for a guess.
//
// The account's wait is there for a guesser who spreads over many
// addresses, and it must not let anyone keep the real phone out (as the
// panel's logins, web/auth): it holds only addresses with failures of their
// own. The address an account is registered from waits neither the
// account's wait nor its own, only for the wrong passwords for that account
// from that address (a third throttle, keyed by both, so guessing from
// behind the phone's NAT is slowed too): the phone refreshing its
// registration is checked however hard someone guesses at its account
// elsewhere, and one phone with a stale password behind an office's NAT
// does not stop the others refreshing theirs. A guesser gets one counted attempt per fresh
// address and then joins the account's queue.
//
// A success forgets the account's failures but not the address's: one good
// account must not let an address guess the others freely. An address keeps
// its count until it has been quiet for an hour (throttle's Forget). Each entry into a wait is logged, at most one line per
// address or account per 10 s.

// guessing holds the throttles.
type guessing struct {
	bySource  *throttle.Throttle // keyed by the source IP address
	byAccount *throttle.Throttle // keyed by the SIP user
	// byBinding is keyed by user and source address together (bindingKey):
	// the one wait an address an account is registered from has for that
	// account, so that guessing from there is slowed too.
	byBinding *throttle.Throttle
}

func newGuessing(cfg throttle.Config) guessing {
	return guessing{bySource: throttle.New(cfg), byAccount: throttle.New(cfg), byBinding: throttle.New(cfg)}
}

// bindingKey is byBinding's key for user at src.
func bindingKey(src netip.Addr, user string) string { return user + " " + src.String() }

// DigestThrottles returns the throttles that slow down digest password
// guessing: by source address (keys are IP addresses) and by account (keys
// are SIP users). Their Snapshot lists who is being slowed and until when,
// for the panel; Reset lifts waits.
func (d *Driver) DigestThrottles() (bySource, byAccount *throttle.Throttle) {
	return d.guess.bySource, d.guess.byAccount
}

// authenticate checks req's digest credentials for user, whose password is
// password: REGISTER answers WWW-Authenticate with Authorization, INVITE
// answers Proxy-Authenticate with Proxy-Authorization (RFC 3261 sections
// 22.2 and 22.3). It reports true for the right password on a fresh nonce;
// otherwise it has answered req: 401 or 407 with a challenge (stale=true for
// a stale nonce, or credentials taken before: nonce_use.go), 403 for wrong
// credentials or a source or account made to wait, 400 for credentials it
// cannot read.
func (d *Driver) authenticate(req *siplib.Request, tx siplib.ServerTransaction, user, password string, now time.Time) bool {
	code, reason, challengeName, credName := 401, "Unauthorized", "WWW-Authenticate", "Authorization"
	if req.Method == siplib.INVITE {
		code, reason, challengeName, credName = 407, "Proxy Authentication Required", "Proxy-Authenticate", "Proxy-Authorization"
	}
	challenge := func(stale bool) {
		res := siplib.NewResponseFromRequest(req, code, reason, nil)
		res.AppendHeader(siplib.NewHeader(challengeName, d.reg.challenge(now, stale)))
		_ = tx.Respond(res)
	}
	header := ""
	if h := req.GetHeader(credName); h != nil {
		header = h.Value()
	}
	if header == "" {
		challenge(false)
		return false
	}
	method := strings.ToLower(req.Method.String())
	src := sourceAddr(req)
	if wait := d.guessWait(src, user, now); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		d.logRefusal(slog.LevelInfo, method+" refused unchecked: waiting after wrong passwords", req.Source(),
			"user", user, "wait_s", secs)
		d.respondWarn(req, tx, 403, "Forbidden", "too many wrong passwords from this address or for this account: try again in "+strconv.Itoa(secs)+" s")
		return false
	}
	verdict, why := d.reg.authorize(header, req.Method.String(), user, password, now)
	if verdict == authOK && req.Method == siplib.INVITE && !sameRequestUser(header, req) {
		// The password is right, for some other INVITE: a replay of a
		// response seen on the wire, or a client that made its credentials
		// for another URI. Refused, but no guess.
		d.logRefusal(slog.LevelWarn, method+" refused: credentials made for another request uri", req.Source(), "user", user)
		d.respondWarn(req, tx, 403, "Forbidden", "credentials must be made for the Request-URI dialled")
		return false
	}
	if verdict == authOK && !d.firstUse(header, now) {
		// The right response, taken before: a replay of what was seen
		// on the wire, or a client that reused a nonce without counting
		// (nonce_use.go). A fresh nonce, stale so an honest client
		// retries without its user; no guess.
		d.logRefusal(slog.LevelWarn, method+" refused: credentials used before (replayed)", req.Source(), "user", user)
		challenge(true)
		return false
	}
	switch verdict {
	case authChallenge:
		challenge(false)
		return false
	case authStale:
		d.guessSucceeded(src, user) // the response was right
		challenge(true)
		return false
	case authForbidden:
		d.guessFailed(src, user, now)
		d.logRefusal(slog.LevelWarn, method+" refused: "+why, req.Source(), "user", user)
		d.respond(req, tx, 403, "Forbidden")
		return false
	case authBad:
		d.logRefusal(slog.LevelInfo, method+" refused: "+why, req.Source(), "user", user)
		d.respond(req, tx, 400, "Bad Request")
		return false
	}
	d.guessSucceeded(src, user)
	return true
}

// guessSucceeded forgets user's failures after its right password from src,
// and those from src for user; not src's own (see above).
func (d *Driver) guessSucceeded(src netip.Addr, user string) {
	d.guess.byAccount.Succeed(user)
	d.guess.byBinding.Succeed(bindingKey(src, user))
}

// firstUse takes the use of the nonce of credentials whose response was
// right, and reports whether it is the first (nonce_use.go).
func (d *Driver) firstUse(header string, now time.Time) bool {
	cred, err := digest.ParseCredentials(header)
	if err != nil {
		return false
	}
	age, ours := d.reg.nonceAge(cred.Nonce, now)
	return ours && d.nonces.take(cred, now.Add(-age), now)
}

// guessWait is how long credentials from src for user must still wait. An
// address user is registered from waits only for wrong passwords for user
// from there: that is the phone itself (or its NAT). Any other address
// waits its own wait and, once it has failures of its own, the account's
// too; an address with a clean record is not held by the account's wait,
// so guessing from elsewhere never keeps the real phone (or its user at
// another phone) out.
func (d *Driver) guessWait(src netip.Addr, user string, now time.Time) time.Duration {
	if d.registeredFrom(user, src, now) {
		return d.guess.byBinding.Wait(bindingKey(src, user))
	}
	key := src.String()
	w := d.guess.bySource.Wait(key)
	if d.guess.bySource.Failures(key) > 0 {
		w = max(w, d.guess.byAccount.Wait(user))
	}
	return w
}

// guessFailed counts a wrong password from src for user, and logs each key
// that now has to wait (at most once per 10 s per key).
func (d *Driver) guessFailed(src netip.Addr, user string, now time.Time) {
	d.guess.byBinding.Fail(bindingKey(src, user))
	for _, k := range []struct {
		t         *throttle.Throttle
		kind, key string
	}{{d.guess.bySource, "source", src.String()}, {d.guess.byAccount, "account", user}} {
		wait := k.t.Fail(k.key)
		if wait <= 0 {
			continue
		}
		if ok, unlogged := d.gate.allow("", "digest lockout "+k.kind+" "+k.key, now); ok {
			args := []any{k.kind, k.key, "wait", wait.String(), "until", now.Add(wait).Format(time.RFC3339)}
			if unlogged > 0 {
				args = append(args, "lockouts_unlogged", unlogged)
			}
			d.log.Warn("sip digest: too many wrong passwords, next attempts must wait", args...)
		}
	}
}

// registeredFrom reports whether user has a binding registered from src.
func (d *Driver) registeredFrom(user string, src netip.Addr, now time.Time) bool {
	for _, b := range d.reg.current(user, now) {
		if ap, err := netip.ParseAddrPort(b.source); err == nil && ap.Addr().Unmap() == src {
			return true
		}
	}
	return false
}

// sameRequestUser reports whether the digest-uri of credentials names the
// user part of req's Request-URI: an INVITE's credentials are good for the
// number they were made for only, so that a response seen on the wire
// cannot be replayed to dial something else within the nonce's lifetime.
func sameRequestUser(header string, req *siplib.Request) bool {
	cred, err := digest.ParseCredentials(header)
	if err != nil {
		return false
	}
	var u siplib.Uri
	if err := siplib.ParseUri(cred.URI, &u); err != nil {
		return false
	}
	return u.User == req.Recipient.User
}
