package auth_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/throttle"
	"tracecall/web/auth"
)

// TestAttackConcurrentGuessesAllChecked: Login asks the throttles whether an
// address may try (holdFor) before the slow password check and counts the
// failure after it, so guesses sent at once from one address all pass the
// gate before any is counted. Against the daemon: 100 logins posted at once
// from one fresh address were all checked (100 × 401, no 429) in 3.4 s,
// where the address has 5 free failures; repeating it from each new address
// (or account) gives a guesser 20 times the budget the throttle promises.
func TestAttackConcurrentGuessesAllChecked(t *testing.T) {
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
	checked := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := a.Login(context.Background(), "admin", fmt.Sprintf("guess-%d", i), "192.0.2.7:4000")
			if errors.Is(err, auth.ErrBadCredentials) {
				mu.Lock()
				checked++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if checked > 4 {
		t.Errorf("%d of %d simultaneous guesses from one address had their password checked, want at most 4 (3 free, then the wait)", checked, n)
	}
}
