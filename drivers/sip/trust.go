package sip

import (
	"log/slog"
	"net/netip"
	"strings"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// Who may call what.
//
// Anyone who can send a UDP packet to the SIP port can write any From
// header, so From alone proves nothing. An INVITE that starts a call is
// vouched for (telephony.LegInfo.FromVerified), and may then dial any
// number, when
//
//   - it comes from a trusted peer (Config.TrustedPeers: a PBX whose From is
//     the extension behind it that dialled), or
//   - its From names a phone account (Config.Phones, the phone book), it
//     answers our 407 challenge with that account's password (digest, the
//     registrar's nonces, guessing throttled as for REGISTER), and the
//     account has a registered binding.
//
// Any other INVITE may reach only the numbers the dial plan offers the
// public (Config.DialPlan: the hotline); to anything else it gets 403 (a
// number kept for the appliance's own phones: feature codes) or 404 (a
// number nothing serves), before a leg exists, so it leaves no call and no
// call record. An INVITE whose From claims a phone account is challenged,
// whatever it dials, rather than trusted; one that authenticates but is not
// registered goes on as an unverified caller.
//
// Whose number is believable.
//
// A weaker fact than the above matters for calling back and for VIP
// priority: is From the caller's number at all (LegInfo.FromAsserted)? It
// is when the INVITE came from a peer (Config.Peers, the trunk included, or
// Config.TrustedPeers): on a hotline's trunk the carrier sets the calling
// number itself (its ANI), and a PBX its extension's; and it is when a
// phone authenticated as the account From names, registered or not. It is
// not when a stranger sent the INVITE straight to the appliance: calling
// such a number back would let anyone make the appliance ring a third party
// (toll fraud, harassment) in its own name. A From without a number
// (anonymous, a withheld number) is asserted by no one. An asserted number
// does not act for an agent: a trunk caller whose number equals an
// extension is not that agent's phone, so peers other than TrustedPeers
// leave FromVerified false.

// DialPlan says which dialled numbers exist and which of them callers the
// driver cannot vouch for may dial. *ivr.DialPlan is one. It must be safe
// for concurrent use and quick: every INVITE asks it.
type DialPlan interface {
	// Routes reports whether number reaches anything.
	Routes(number string) bool
	// Public reports whether anyone may dial number.
	Public(number string) bool
}

// caller is what the driver believes of an INVITE's From (LegInfo).
type caller struct {
	verified bool // FromVerified: the agent's own phone, or a trusted peer's
	asserted bool // FromAsserted: the caller's number as the network says
	// authenticated: the INVITE's digest credentials were right, for the
	// account From names (its call attempt was paid by the challenged
	// INVITE: attemptAnswer).
	authenticated bool
}

// vouch decides whether an INVITE that starts a call may go on, and what
// the driver believes of its From. When it may not, vouch has answered it
// (407 challenge, 403, 404, 400, 503), admit is false and c is zero.
func (d *Driver) vouch(req *siplib.Request, tx siplib.ServerTransaction) (c caller, admit bool) {
	src := sourceAddr(req)
	from := req.From().Address.User
	number := !withheld(from)
	if d.trusted.contains(src) {
		return caller{verified: true, asserted: number}, true
	}
	// A peer's From is its caller's number (the carrier's ANI), though not
	// an agent's phone; a stranger's is whatever it wrote, unless its phone
	// authenticates below.
	c.asserted = number && d.callLimits.isPeer(src)
	to := req.Recipient.User
	now := time.Now()
	password, known, err := d.reg.password(from)
	if err != nil {
		d.bookFailed(req, tx, from, err)
		return caller{}, false
	}
	if known {
		if !d.authenticate(req, tx, from, password, now) {
			return caller{}, false
		}
		if _, registered := d.reg.lookup(from, now); registered {
			return caller{verified: true, asserted: true, authenticated: true}, true
		}
		c.asserted, c.authenticated = true, true
		d.logRefusal(slog.LevelInfo, "invite authenticated by a phone that is not registered: caller not verified",
			req.Source(), "from", from, "to", to)
	}
	plan := d.cfg.DialPlan
	if plan == nil || plan.Public(to) {
		return c, true
	}
	if plan.Routes(to) {
		d.logRefusal(slog.LevelWarn, "invite refused: unverified caller to a number for the appliance's phones",
			req.Source(), "from", from, "to", to)
		d.respondWarn(req, tx, 403, "Forbidden", "only a registered phone that authenticates, or a trusted peer, may dial "+to)
		return caller{}, false
	}
	d.logRefusal(slog.LevelInfo, "invite refused: unverified caller to a number nothing serves", req.Source(), "from", from, "to", to)
	d.respond(req, tx, 404, "Not Found")
	return caller{}, false
}

// answersChallenge reports whether req carries digest credentials that
// answer a challenge we sent within answerWindow: a nonce of ours that
// young (limit_calls.go, attemptAnswer). It checks the nonce's MAC only,
// not the response: whether that is right is vouch's to find out.
func (d *Driver) answersChallenge(req *siplib.Request, now time.Time) bool {
	h := req.GetHeader("Proxy-Authorization")
	if h == nil {
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		return false
	}
	age, ours := d.reg.nonceAge(cred.Nonce, now)
	return ours && age >= 0 && age <= answerWindow
}

// withheld reports whether a From user is no number: empty, or a word that
// networks and phones write for a withheld or unknown number (RFC 3323's
// "anonymous", and the others seen on trunks).
func withheld(user string) bool {
	switch strings.ToLower(user) {
	case "", "anonymous", "unknown", "unavailable", "restricted", "private", "withheld":
		return true
	}
	return false
}

// bookFailed answers a request whose user the phone book could not look up:
// 503 with Retry-After, the store's trouble being the server's, for a while.
func (d *Driver) bookFailed(req *siplib.Request, tx siplib.ServerTransaction, user string, err error) {
	d.log.Warn(strings.ToLower(req.Method.String())+": phone book failed", "user", user, "source", req.Source(), "err", err)
	res := siplib.NewResponseFromRequest(req, 503, "Service Unavailable", nil)
	res.AppendHeader(siplib.NewHeader("Retry-After", "30"))
	_ = tx.Respond(res)
}

// prefixes is a list of networks from the config.
type prefixes []netip.Prefix

// contains reports whether a is in one of p's networks.
func (p prefixes) contains(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	a = a.Unmap()
	for _, n := range p {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// parsePrefixes reads a config list of addresses and networks; Validate has
// checked them, so a bad entry is skipped.
func parsePrefixes(list []string) prefixes {
	var out prefixes
	for _, s := range list {
		if p, err := parsePeerAddress(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}
