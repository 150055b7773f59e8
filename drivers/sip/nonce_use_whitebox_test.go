package sip

import (
	"fmt"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// TestNonceUses: counts must rise per nonce with qop, a nonce without qop is
// good once, and a full table forgets its oldest nonces by making them (and
// any older) stale, never by letting a replay in.
func TestNonceUses(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	u := newNonceUses(8)
	cred := func(nonce, qop string, nc int) *digest.Credentials {
		return &digest.Credentials{Nonce: nonce, QOP: qop, Nc: nc}
	}
	steps := []struct {
		nonce, qop string
		nc         int
		want       bool
	}{
		{"a", "auth", 1, true}, {"a", "auth", 1, false}, {"a", "auth", 3, true}, {"a", "auth", 2, false},
		{"a", "auth", 4, true}, {"b", "auth", 0, false}, {"b", "", 0, true}, {"b", "", 0, false},
		{"b", "auth", 1, true},
	}
	for i, s := range steps {
		if got := u.take(cred(s.nonce, s.qop, s.nc), t0, t0); got != s.want {
			t.Errorf("step %d %+v: %v, want %v", i, s, got, s.want)
		}
	}

	// Full: 8 nonces made a second apart, then more.
	u = newNonceUses(8)
	for i := range 20 {
		made := t0.Add(time.Duration(i) * time.Second)
		if !u.take(cred(fmt.Sprint(i), "auth", 1), made, made) {
			t.Fatalf("nonce %d refused", i)
		}
		if u.len() > 8 {
			t.Fatalf("%d nonces remembered, want at most 8", u.len())
		}
	}
	now := t0.Add(20 * time.Second)
	for i := range 20 {
		made := t0.Add(time.Duration(i) * time.Second)
		if u.take(cred(fmt.Sprint(i), "auth", 1), made, now) {
			t.Errorf("nonce %d replayed after the table trimmed", i)
		}
	}
	// Stale nonces go first: an hour later the table takes 8 new ones
	// without forgetting any of them.
	later := t0.Add(time.Hour)
	for i := range 8 {
		made := later.Add(time.Duration(i) * time.Millisecond)
		if !u.take(cred(fmt.Sprint("new", i), "auth", 1), made, made) {
			t.Errorf("new nonce %d refused", i)
		}
	}
	if n := u.len(); n != 8 {
		t.Errorf("%d nonces remembered, want the 8 new ones", n)
	}
	if u.take(cred("new0", "auth", 1), later, later) {
		t.Error("a new nonce replayed")
	}
}
