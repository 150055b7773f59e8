package auth_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/throttle"
	"tracecall/web/auth"
)

func TestAddressKey(t *testing.T) {
	tests := []struct{ remote, want string }{
		{"192.0.2.7:51234", "192.0.2.7"},
		{"192.0.2.7", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:80", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2::1]:443", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"@", "@"}, // a unix socket's peer
		{"", ""},
		{strings.Repeat("x", 100), strings.Repeat("x", 64)},
	}
	for _, tt := range tests {
		if got := auth.AddressKey(tt.remote); got != tt.want {
			t.Errorf("AddressKey(%q) = %q, want %q", tt.remote, got, tt.want)
		}
	}
}

// fakeClock is the time the throttles see.
type fakeClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// guessRig is an Auth with small curves: an address gets 3 free failures and
// waits up to 8 s, an account 3 and up to 2 s.
type guessRig struct {
	a     *auth.Auth
	db    *store.DB
	clock *fakeClock
	log   *bytes.Buffer
}

func newGuessRig(t *testing.T) *guessRig {
	t.Helper()
	r := &guessRig{db: storetest.Open(t), clock: &fakeClock{now: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}, log: &bytes.Buffer{}}
	r.a = auth.New(r.db, auth.Config{
		Params:    auth.TestParams(),
		Now:       r.clock.Now,
		ByAddress: throttle.Config{Free: 3, Base: time.Second, Max: 8 * time.Second},
		ByAccount: throttle.Config{Free: 3, Base: time.Second, Max: 2 * time.Second},
	}, slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	for _, u := range []string{"admin", "zhang"} {
		if err := r.a.CreateUser(context.Background(), auth.NewUser{Username: u, Role: auth.RoleAdmin, Password: u + "-password"}); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// attempt is one login of a scenario: after moving the clock by advance,
// from addr as user with the right password or not; what it should get.
type attempt struct {
	advance  time.Duration
	addr     string
	user     string
	right    bool
	wantErr  error // nil, auth.ErrBadCredentials or auth.ErrThrottled
	wantWait time.Duration
}

func TestLoginThrottle(t *testing.T) {
	const a, b, c = "10.0.0.1:1000", "10.0.0.2:1000", "10.0.0.3:1000"
	bad, throttled := auth.ErrBadCredentials, auth.ErrThrottled
	// wrong is n wrong passwords for user from addr, each as soon as allowed.
	wrong := func(addr, user string, waits ...time.Duration) []attempt {
		var out []attempt
		prev := time.Duration(0)
		for _, w := range waits {
			out = append(out, attempt{advance: prev, addr: addr, user: user, wantErr: bad, wantWait: w})
			prev = w
		}
		return out
	}
	tests := []struct {
		name  string
		steps []attempt
	}{
		{"free failures then doubling waits", wrong(a, "admin", 0, 0, 0, time.Second, 2*time.Second, 4*time.Second, 8*time.Second, 8*time.Second)},
		{"an early attempt is refused unchecked, even with the right password", append(wrong(a, "admin", 0, 0, 0, time.Second, 2*time.Second),
			attempt{addr: a, user: "admin", right: true, wantErr: throttled, wantWait: 2 * time.Second},
			attempt{advance: time.Second, addr: a, user: "admin", right: true, wantErr: throttled, wantWait: time.Second},
			attempt{advance: time.Second, addr: a, user: "admin", right: true},
		)},
		{"a clean address is checked while the account waits", append(wrong(a, "admin", 0, 0, 0, time.Second, 2*time.Second),
			attempt{addr: b, user: "admin", right: true},
		)},
		{"a clean address's wrong guess joins the account's wait", append(wrong(a, "admin", 0, 0, 0, time.Second),
			attempt{addr: b, user: "admin", wantErr: bad, wantWait: 2 * time.Second},
			attempt{addr: b, user: "admin", right: true, wantErr: throttled, wantWait: 2 * time.Second},
			attempt{advance: 2 * time.Second, addr: b, user: "admin", right: true},
		)},
		{"the account's wait is capped", append(wrong(a, "admin", 0, 0, 0, time.Second, 2*time.Second, 4*time.Second, 8*time.Second),
			attempt{addr: b, user: "admin", wantErr: bad, wantWait: 2 * time.Second},
			attempt{addr: b, user: "admin", wantErr: throttled, wantWait: 2 * time.Second},
			attempt{advance: 2 * time.Second, addr: c, user: "admin", wantErr: bad, wantWait: 2 * time.Second},
		)},
		{"an address's wait covers every account", append(wrong(a, "nobody", 0, 0, 0, time.Second),
			attempt{addr: a, user: "zhang", right: true, wantErr: throttled, wantWait: time.Second},
			attempt{addr: b, user: "zhang", right: true},
		)},
		{"unknown users count like wrong passwords", wrong(a, "nobody", 0, 0, 0, time.Second, 2*time.Second)},
		{"a success clears the account, not the address", append(wrong(a, "admin", 0, 0, 0),
			attempt{addr: a, user: "admin", right: true},
			attempt{addr: a, user: "admin", wantErr: bad, wantWait: time.Second},
			attempt{advance: time.Second, addr: b, user: "admin", wantErr: bad},
			attempt{addr: b, user: "admin", wantErr: bad},
		)},
		{"a day of quiet forgets both", append(wrong(a, "admin", 0, 0, 0, time.Second),
			attempt{advance: 25 * time.Hour, addr: a, user: "admin", wantErr: bad},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newGuessRig(t)
			for i, s := range tt.steps {
				r.clock.Add(s.advance)
				pw := "wrong-password"
				if s.right {
					pw = s.user + "-password"
				}
				_, err := r.a.Login(context.Background(), s.user, pw, s.addr)
				var le *auth.LoginError
				switch {
				case s.wantErr == nil && err != nil:
					t.Fatalf("step %d (%s from %s): %v, want a session", i+1, s.user, s.addr, err)
				case s.wantErr == nil:
					continue
				case !errors.Is(err, s.wantErr) || !errors.As(err, &le):
					t.Fatalf("step %d (%s from %s): %v, want %v", i+1, s.user, s.addr, err, s.wantErr)
				case le.Wait != s.wantWait:
					t.Fatalf("step %d (%s from %s): wait %v, want %v", i+1, s.user, s.addr, le.Wait, s.wantWait)
				}
			}
		})
	}
}

func TestLockoutLoggedOnce(t *testing.T) {
	r := newGuessRig(t)
	for range 20 {
		_, err := r.a.Login(context.Background(), "admin", "wrong-password", "10.0.0.1:1")
		var le *auth.LoginError
		if errors.As(err, &le) {
			r.clock.Add(le.Wait)
		}
	}
	log := r.log.String()
	for _, want := range []string{
		"too many failed logins from this address",
		"tracectl throttle lift 10.0.0.1",
		"too many failed logins for this account",
		"tracectl user unlock admin",
		"remote=10.0.0.1:1",
		"user=admin",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if n := strings.Count(log, "login lockout"); n != 2 {
		t.Errorf("%d lockout lines, want 2 (the address's and the account's, once each):\n%s", n, log)
	}
}

func TestUnlock(t *testing.T) {
	r := newGuessRig(t)
	for _, addr := range []string{"10.0.0.1:1", "10.0.0.2:1"} {
		for range 5 {
			r.a.Login(context.Background(), "admin", "wrong-password", addr)
		}
	}
	for range 5 {
		r.a.Login(context.Background(), "zhang", "wrong-password", "10.0.0.3:1")
	}
	// 4 from the first address (the fifth came during its wait), 1 from the
	// second (clean, then waiting with the account).
	if until, n := r.a.LoginWait("admin"); n != 5 || !until.After(r.clock.Now()) {
		t.Errorf("LoginWait(admin) = %v, %d; want a wait after 5 failures", until, n)
	}
	lifted, err := r.a.Unlock("Admin")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lifted)
	if want := []string{"account admin", "address 10.0.0.1", "address 10.0.0.2"}; !slices.Equal(lifted, want) {
		t.Errorf("Unlock lifted %q, want %q", lifted, want)
	}
	if _, err := r.a.Login(context.Background(), "admin", "admin-password", "10.0.0.1:1"); err != nil {
		t.Errorf("login after unlock: %v", err)
	}
	if _, err := r.a.Login(context.Background(), "zhang", "zhang-password", "10.0.0.3:1"); !errors.Is(err, auth.ErrThrottled) {
		t.Errorf("another account's guesser was lifted too: %v", err)
	}
	if _, err := r.a.Unlock("nobody"); !errors.Is(err, auth.ErrNoUser) {
		t.Errorf("Unlock(nobody) = %v, want ErrNoUser", err)
	}
	snap := r.a.LoginThrottles()[auth.ThrottleByAddress].Snapshot()
	if len(snap) != 1 || snap[0].Key != "10.0.0.3" || !slices.Equal(snap[0].Notes, []string{"zhang"}) {
		t.Errorf("address throttle after unlock: %+v", snap)
	}
}

func TestStoredLockIgnored(t *testing.T) {
	r := newGuessRig(t)
	// An older version stored a lock for a year.
	err := r.db.Update(func(tx *store.Tx) error {
		u, _, err := tx.User("admin")
		if err != nil {
			return err
		}
		u.FailedLogins, u.LockedUntil = 5, r.clock.Now().Add(365*24*time.Hour)
		return tx.PutUser(&u)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.a.Login(context.Background(), "admin", "admin-password", "10.0.0.1:1"); err != nil {
		t.Fatalf("login with an old stored lock: %v", err)
	}
	var u store.User
	_ = r.db.View(func(tx *store.Tx) (err error) { u, _, err = tx.User("admin"); return err })
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		t.Errorf("old lock not cleared: %d, %v", u.FailedLogins, u.LockedUntil)
	}
}

func TestResetAndEnableLiftTheAccount(t *testing.T) {
	tests := []struct {
		name string
		lift func(a *auth.Auth) error
		pw   string
	}{
		{"password reset", func(a *auth.Auth) error { return a.SetPassword(context.Background(), "admin", "new-admin-password") }, "new-admin-password"},
		{"enable", func(a *auth.Auth) error { return a.SetDisabled("admin", false) }, "admin-password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newGuessRig(t)
			for range 5 {
				r.a.Login(context.Background(), "admin", "wrong-password", "10.0.0.1:1")
			}
			r.a.Login(context.Background(), "admin", "wrong-password", "10.0.0.2:1") // b is no longer clean
			if err := tt.lift(r.a); err != nil {
				t.Fatal(err)
			}
			if _, err := r.a.Login(context.Background(), "admin", tt.pw, "10.0.0.2:1"); err != nil {
				t.Errorf("login after %s: %v", tt.name, err)
			}
		})
	}
}

// TestConcurrentGuessesTakeTurns: the throttles count a failure only after
// its slow password check, so guesses sent at once would all pass them
// before the first was counted (against the daemon: 100 logins posted at
// once from one fresh address were all checked, where the address has 5
// free failures). One check at a time per address: the others are refused
// at once, unchecked, and concurrency buys nothing.
func TestConcurrentGuessesTakeTurns(t *testing.T) {
	// The shipped hash cost: the check takes long enough for the guesses
	// to pile up behind it, as they do in the daemon.
	db := storetest.Open(t)
	a := auth.New(db, auth.Config{
		Params:    auth.DefaultParams(),
		ByAddress: throttle.Config{Free: 3, Base: time.Second, Max: 8 * time.Second},
		ByAccount: throttle.Config{Free: 3, Base: time.Second, Max: 2 * time.Second},
	}, slog.New(slog.DiscardHandler))
	if err := a.CreateUser(context.Background(), auth.NewUser{Username: "admin", Role: auth.RoleAdmin, Password: "admin-password"}); err != nil {
		t.Fatal(err)
	}
	const n = 50
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	checked, busy := 0, 0
	for i := range n {
		wg.Go(func() {
			<-start
			_, err := a.Login(context.Background(), "admin", fmt.Sprintf("guess-%d", i), "192.0.2.7:4000")
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, auth.ErrBadCredentials):
				checked++
			case errors.Is(err, auth.ErrLoginBusy):
				busy++
			case !errors.Is(err, auth.ErrThrottled):
				t.Errorf("guess %d: %v, want a refusal", i, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if checked > 4 {
		t.Errorf("%d of %d simultaneous guesses from one address had their password checked, want at most 4 (3 free, then the wait)", checked, n)
	}
	if busy == 0 {
		t.Errorf("no guess was refused as busy (%d checked)", checked)
	}
}
