package sip

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"github.com/icholy/digest"
)

// nonceLifetime is how long a nonce we issued is good for; an older one gets
// a fresh challenge with stale=true, so the phone retries without asking its
// user for the password again.
const nonceLifetime = 5 * time.Minute

func newSecret() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return b
}

// nonce issues a nonce: the time it was made and a MAC over it, so that
// checking one needs no state.
func (r *registrar) nonce(now time.Time) string {
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], uint64(now.UnixNano()))
	return hex.EncodeToString(ts[:]) + hex.EncodeToString(r.mac(ts[:]))
}

func (r *registrar) mac(ts []byte) []byte {
	m := hmac.New(sha256.New, r.secret)
	m.Write(ts)
	return m.Sum(nil)[:16]
}

// checkNonce reports whether we issued nonce, and whether it is too old.
func (r *registrar) checkNonce(nonce string, now time.Time) (ours, stale bool) {
	age, ours := r.nonceAge(nonce, now)
	return ours, ours && (age < -time.Minute || age > nonceLifetime)
}

// nonceAge is how long ago we issued nonce; ours is false for a nonce we
// did not issue (its MAC is wrong).
func (r *registrar) nonceAge(nonce string, now time.Time) (age time.Duration, ours bool) {
	b, err := hex.DecodeString(nonce)
	if err != nil || len(b) != 8+16 || !hmac.Equal(b[8:], r.mac(b[:8])) {
		return 0, false
	}
	made := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	return now.Sub(made), true
}

// challenge is the WWW-Authenticate value of a 401.
func (r *registrar) challenge(now time.Time, stale bool) string {
	c := digest.Challenge{Realm: r.realm, Nonce: r.nonce(now), Algorithm: "MD5", QOP: []string{"auth"}, Stale: stale}
	return c.String()
}

// authResult is what checking a REGISTER's credentials says to do.
type authResult int

const (
	authChallenge authResult = iota // 401 with a fresh nonce
	authStale                       // 401 with a fresh nonce and stale=true
	authOK
	authForbidden // 403: wrong password or a user other than the To user
	authBad       // 400: credentials we cannot read
)

// authorize checks an Authorization header value for a REGISTER by user
// (the To user) with method and password. Credentials that name another
// user, realm or algorithm, or whose response is wrong, are forbidden; a
// right response on a stale nonce asks for a retry.
func (r *registrar) authorize(header, method, user, password string, now time.Time) (authResult, string) {
	if header == "" {
		return authChallenge, ""
	}
	// Credentials in a scheme other than Digest are no credentials to us:
	// the answer is our challenge (RFC 4475 section 3.3.7), not 400.
	if scheme, _, _ := strings.Cut(strings.TrimSpace(header), " "); !strings.EqualFold(scheme, "Digest") {
		return authChallenge, ""
	}
	cred, err := digest.ParseCredentials(header)
	if err != nil {
		return authBad, "unreadable credentials"
	}
	if cred.Username != user {
		return authForbidden, "credentials for another user"
	}
	if cred.Realm != r.realm {
		return authChallenge, ""
	}
	ours, stale := r.checkNonce(cred.Nonce, now)
	if !ours {
		return authChallenge, ""
	}
	switch strings.ToUpper(cred.Algorithm) {
	case "", "MD5":
	default:
		return authChallenge, ""
	}
	chal := &digest.Challenge{Realm: r.realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	switch cred.QOP {
	case "":
	case "auth":
		chal.QOP = []string{"auth"}
	default:
		return authChallenge, ""
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: method, URI: cred.URI, Username: user, Password: password,
		Cnonce: cred.Cnonce, Count: cred.Nc,
	})
	if err != nil {
		return authBad, "unreadable credentials"
	}
	if !hmac.Equal([]byte(strings.ToLower(want.Response)), []byte(strings.ToLower(cred.Response))) {
		return authForbidden, "wrong password"
	}
	if stale {
		return authStale, ""
	}
	return authOK, ""
}
