package sip

import (
	"slices"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// Replayed credentials.
//
// Our nonces carry the time they were made and a MAC (registrar_auth.go),
// so checking one needs no state, and a nonce is good for nonceLifetime.
// Digest credentials are a response to one nonce, for one method and
// Request-URI; without more, anyone who saw a phone's authenticated INVITE
// or REGISTER on the wire could send it again, with other headers (another
// Contact, another SDP), until the nonce goes stale, and act as that phone.
//
// So a right response is taken once. With qop=auth, which our challenges
// offer and phones use, a phone that reuses a nonce counts its uses (nc,
// RFC 7616 section 3.4): each use must count higher than the last one
// taken for that nonce. Without qop (RFC 2069 clients), a nonce is good for
// one request. Credentials used before get a fresh challenge with
// stale=true: an honest phone that reused a nonce it should not have
// retries at once without asking its user for the password, and whoever
// replayed what they saw cannot answer it.
//
// The uses are kept per nonce until the nonce goes stale anyway, so the
// table holds only nonces answered with a right password in the last five
// minutes. It is bounded all the same (maxNonceUses): when it is full, the
// oldest nonces are forgotten, and every nonce made up to the newest one
// forgotten counts as stale from then on, so that forgetting never lets a
// replay in.

// maxNonceUses bounds the nonces whose uses are remembered: some 1.5 MB, 55
// authentications a second for the nonces' five minutes.
const maxNonceUses = 16384

// nonceUses remembers the uses of our nonces. It is safe for concurrent use.
type nonceUses struct {
	max int

	// mu guards the fields below it.
	mu    sync.Mutex
	uses  map[string]nonceUse // by nonce
	floor time.Time           // nonces made at or before it count as stale
}

// nonceUse is the last use taken of a nonce.
type nonceUse struct {
	made time.Time
	nc   uint64 // the highest count taken; 0: used once without qop
}

func newNonceUses(max int) *nonceUses {
	return &nonceUses{max: max, uses: map[string]nonceUse{}}
}

// take records a use of the nonce of cred, made at made, whose response
// was right, and reports whether it is a first use: a count higher than any
// taken for that nonce (qop=auth), or the nonce's only use (no qop).
func (u *nonceUses) take(cred *digest.Credentials, made, now time.Time) bool {
	var nc uint64
	if cred.QOP != "" {
		if cred.Nc <= 0 {
			return false
		}
		nc = uint64(cred.Nc)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if !made.After(u.floor) {
		return false
	}
	if last, ok := u.uses[cred.Nonce]; ok && (nc == 0 || nc <= last.nc) {
		return false
	}
	u.uses[cred.Nonce] = nonceUse{made: made, nc: nc}
	if len(u.uses) > u.max {
		u.trimLocked(now)
	}
	return true
}

// trimLocked drops the nonces gone stale and, if the table is still over
// its bound, the oldest quarter, raising the floor past them. The caller
// holds mu.
func (u *nonceUses) trimLocked(now time.Time) {
	for k, v := range u.uses {
		if now.Sub(v.made) > nonceLifetime {
			delete(u.uses, k)
		}
	}
	if len(u.uses) <= u.max {
		return
	}
	made := make([]time.Time, 0, len(u.uses))
	for _, v := range u.uses {
		made = append(made, v.made)
	}
	slices.SortFunc(made, func(a, b time.Time) int { return a.Compare(b) })
	u.floor = made[len(made)/4]
	for k, v := range u.uses {
		if !v.made.After(u.floor) {
			delete(u.uses, k)
		}
	}
}

// len is how many nonces are remembered.
func (u *nonceUses) len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return len(u.uses)
}
