package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Panel users and their login sessions live in two buckets:
//
//	users/<username>        → User as JSON
//	sessions/<sha256(id)>   → Session as JSON, without the ID
//
// A session's ID is the secret in the browser's cookie. The store keeps only
// its SHA-256, so a copy of the file does not let anyone take over a session;
// lookups hash the ID they are given. The store does not know what roles mean
// or how passwords are hashed: the web/auth package does.

// User is a person who logs in to the web panel.
type User struct {
	Username     string `json:"username"`
	DisplayName  string `json:"displayName,omitempty"`
	Role         string `json:"role"`         // agent | team_leader | duty_manager | admin
	PasswordHash string `json:"passwordHash"` // encoded hash with its parameters, never the password
	Disabled     bool   `json:"disabled,omitempty"`
	// FailedLogins counts wrong passwords since the last good login or lockout.
	FailedLogins int       `json:"failedLogins,omitempty"`
	LockedUntil  time.Time `json:"lockedUntil,omitzero"` // logins are refused before this time
	Created      time.Time `json:"created"`
	Updated      time.Time `json:"updated"`
}

// Session is a logged-in browser.
type Session struct {
	// ID is the random secret in the cookie. It is not stored: the key is its
	// SHA-256. Session fills it in from its argument; sessions listed by the
	// store (none are, today) would have it empty.
	ID        string    `json:"-"`
	Username  string    `json:"username"`
	Role      string    `json:"role"`
	CSRFToken string    `json:"csrfToken"`
	Created   time.Time `json:"created"`
	// Expires is when the session stops being valid; the auth layer moves it
	// on with use, up to an absolute limit. DeleteExpiredSessions sweeps by it.
	Expires  time.Time `json:"expires"`
	LastSeen time.Time `json:"lastSeen"`
}

// PutUser creates or replaces the user under u.Username. An empty or over-long
// username, an empty role or an empty password hash fail with ErrInvalid.
func (tx *Tx) PutUser(u *User) error {
	if err := checkKey("username", u.Username); err != nil {
		return fmt.Errorf("store: put user: %w", err)
	}
	if u.Role == "" {
		return fmt.Errorf("store: put user %s: %w: empty role", u.Username, ErrInvalid)
	}
	if u.PasswordHash == "" {
		return fmt.Errorf("store: put user %s: %w: empty password hash", u.Username, ErrInvalid)
	}
	v, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("store: put user %s: encode: %w", u.Username, err)
	}
	if err := tx.bucket(bucketUsers).Put([]byte(u.Username), v); err != nil {
		return fmt.Errorf("store: put user %s: %w", u.Username, err)
	}
	return nil
}

// User returns the user under username; ok is false if there is none.
func (tx *Tx) User(username string) (u User, ok bool, err error) {
	v := tx.bucket(bucketUsers).Get([]byte(username))
	if v == nil {
		return User{}, false, nil
	}
	if err := json.Unmarshal(v, &u); err != nil {
		return User{}, false, fmt.Errorf("store: user %s: decode: %w", username, err)
	}
	return u, true, nil
}

// Users returns every user, sorted by username.
func (tx *Tx) Users() ([]User, error) {
	var out []User
	err := tx.bucket(bucketUsers).ForEach(func(k, v []byte) error {
		var u User
		if err := json.Unmarshal(v, &u); err != nil {
			return fmt.Errorf("store: user %s: decode: %w", k, err)
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// HasUsers reports whether any user exists, without reading them.
func (tx *Tx) HasUsers() bool {
	k, _ := tx.bucket(bucketUsers).Cursor().First()
	return k != nil
}

// DeleteUser removes the user and all of their sessions. It fails with
// ErrNotFound if there is no such user.
func (tx *Tx) DeleteUser(username string) error {
	b := tx.bucket(bucketUsers)
	if b.Get([]byte(username)) == nil {
		return fmt.Errorf("store: delete user %s: %w", username, ErrNotFound)
	}
	if err := b.Delete([]byte(username)); err != nil {
		return fmt.Errorf("store: delete user %s: %w", username, err)
	}
	if _, err := tx.DeleteSessionsOf(username); err != nil {
		return err
	}
	return nil
}

// sessionKey is the bucket key for a session ID.
func sessionKey(id string) []byte {
	h := sha256.Sum256([]byte(id))
	return h[:]
}

// PutSession creates or replaces the session under s.ID. An empty ID or
// username fails with ErrInvalid.
func (tx *Tx) PutSession(s *Session) error {
	if s.ID == "" {
		return fmt.Errorf("store: put session: %w: empty id", ErrInvalid)
	}
	if s.Username == "" {
		return fmt.Errorf("store: put session: %w: empty username", ErrInvalid)
	}
	v, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("store: put session: encode: %w", err)
	}
	if err := tx.bucket(bucketSessions).Put(sessionKey(s.ID), v); err != nil {
		return fmt.Errorf("store: put session: %w", err)
	}
	return nil
}

// Session returns the session whose ID is id; ok is false if there is none.
// It does not look at Expires: the caller decides what expired means now.
func (tx *Tx) Session(id string) (s Session, ok bool, err error) {
	if id == "" {
		return Session{}, false, nil
	}
	v := tx.bucket(bucketSessions).Get(sessionKey(id))
	if v == nil {
		return Session{}, false, nil
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return Session{}, false, fmt.Errorf("store: session: decode: %w", err)
	}
	s.ID = id
	return s, true, nil
}

// DeleteSession removes the session whose ID is id. Removing a missing
// session is not an error.
func (tx *Tx) DeleteSession(id string) error {
	if err := tx.bucket(bucketSessions).Delete(sessionKey(id)); err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// DeleteSessionsOf removes every session of username, as when the user is
// disabled or their password changes, and returns how many it removed. It
// reads every session: there are as many as people logged in.
func (tx *Tx) DeleteSessionsOf(username string) (int, error) {
	n, err := tx.deleteSessions(func(s *Session) bool { return s.Username == username })
	if err != nil {
		return n, fmt.Errorf("store: delete sessions of %s: %w", username, err)
	}
	return n, nil
}

// DeleteExpiredSessions removes the sessions whose Expires is not after now
// and returns how many it removed. A session that cannot be decoded is
// removed too.
func (tx *Tx) DeleteExpiredSessions(now time.Time) (int, error) {
	n, err := tx.deleteSessions(func(s *Session) bool { return !s.Expires.After(now) })
	if err != nil {
		return n, fmt.Errorf("store: sweep sessions: %w", err)
	}
	return n, nil
}

// deleteSessions removes the sessions for which match is true, and those
// that cannot be decoded.
func (tx *Tx) deleteSessions(match func(*Session) bool) (int, error) {
	b := tx.bucket(bucketSessions)
	var doomed [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var s Session
		if json.Unmarshal(v, &s) != nil || match(&s) {
			doomed = append(doomed, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(doomed), deleteKeys(b, doomed)
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
