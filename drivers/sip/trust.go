package sip

import (
	"log/slog"
	"net/netip"
	"strings"
	"time"

	siplib "github.com/emiago/sipgo/sip"
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

// DialPlan says which dialled numbers exist and which of them callers the
// driver cannot vouch for may dial. *ivr.DialPlan is one. It must be safe
// for concurrent use and quick: every INVITE asks it.
type DialPlan interface {
	// Routes reports whether number reaches anything.
	Routes(number string) bool
	// Public reports whether anyone may dial number.
	Public(number string) bool
}

// vouch decides whether an INVITE that starts a call may go on, and whether
// the driver vouches for its From. When it may not, vouch has answered it
// (407 challenge, 403, 404, 400, 503) and admit is false.
func (d *Driver) vouch(req *siplib.Request, tx siplib.ServerTransaction) (verified, admit bool) {
	src := sourceAddr(req)
	if d.trusted.contains(src) {
		return true, true
	}
	from := req.From().Address.User
	to := req.Recipient.User
	now := time.Now()
	password, known, err := d.reg.password(from)
	if err != nil {
		d.bookFailed(req, tx, from, err)
		return false, false
	}
	if known {
		if !d.authenticate(req, tx, from, password, now) {
			return false, false
		}
		if _, registered := d.reg.lookup(from, now); registered {
			return true, true
		}
		d.logRefusal(slog.LevelInfo, "invite authenticated by a phone that is not registered: caller not verified",
			req.Source(), "from", from, "to", to)
	}
	plan := d.cfg.DialPlan
	if plan == nil || plan.Public(to) {
		return false, true
	}
	if plan.Routes(to) {
		d.logRefusal(slog.LevelWarn, "invite refused: unverified caller to a number for the appliance's phones",
			req.Source(), "from", from, "to", to)
		d.respondWarn(req, tx, 403, "Forbidden", "only a registered phone that authenticates, or a trusted peer, may dial "+to)
		return false, false
	}
	d.logRefusal(slog.LevelInfo, "invite refused: unverified caller to a number nothing serves", req.Source(), "from", from, "to", to)
	d.respond(req, tx, 404, "Not Found")
	return false, false
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
