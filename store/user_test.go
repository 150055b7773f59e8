package store_test

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
)

func putUsers(t *testing.T, db *store.DB, us ...store.User) {
	t.Helper()
	err := db.Update(func(tx *store.Tx) error {
		for i := range us {
			if err := tx.PutUser(&us[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestUsers(t *testing.T) {
	db := storetest.Open(t)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, cst)
	if err := db.View(func(tx *store.Tx) error {
		if tx.HasUsers() {
			t.Error("HasUsers on an empty store")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	putUsers(t, db,
		store.User{Username: "zhang", DisplayName: "张伟", Role: "agent", PasswordHash: "$argon2id$x", Created: t0, Updated: t0},
		store.User{Username: "admin", Role: "admin", PasswordHash: "$argon2id$y", LockedUntil: t0.Add(time.Hour), FailedLogins: 2, Created: t0, Updated: t0},
	)
	err := db.View(func(tx *store.Tx) error {
		if !tx.HasUsers() {
			t.Error("HasUsers = false with two users")
		}
		u, ok, err := tx.User("zhang")
		if err != nil || !ok || u.DisplayName != "张伟" || u.Role != "agent" || !u.Created.Equal(t0) {
			t.Errorf("User(zhang) = %+v %v %v", u, ok, err)
		}
		a, _, _ := tx.User("admin")
		if !a.LockedUntil.Equal(t0.Add(time.Hour)) || a.FailedLogins != 2 {
			t.Errorf("User(admin) lost lockout state: %+v", a)
		}
		if _, ok, err := tx.User("nobody"); ok || err != nil {
			t.Errorf("User(nobody) = %v %v, want absent", ok, err)
		}
		all, err := tx.Users()
		var names []string
		for _, u := range all {
			names = append(names, u.Username)
		}
		if err != nil || !slices.Equal(names, []string{"admin", "zhang"}) {
			t.Errorf("Users = %v %v, want admin, zhang", names, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPutUserInvalid(t *testing.T) {
	db := storetest.Open(t)
	tests := []struct {
		name string
		u    store.User
	}{
		{"empty username", store.User{Role: "agent", PasswordHash: "h"}},
		{"NUL in username", store.User{Username: "a\x00b", Role: "agent", PasswordHash: "h"}},
		{"long username", store.User{Username: string(bytes.Repeat([]byte("a"), 300)), Role: "agent", PasswordHash: "h"}},
		{"no role", store.User{Username: "a", PasswordHash: "h"}},
		{"no hash", store.User{Username: "a", Role: "agent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Update(func(tx *store.Tx) error { return tx.PutUser(&tt.u) })
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("PutUser = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestDeleteUser(t *testing.T) {
	db := storetest.Open(t)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, cst)
	putUsers(t, db, store.User{Username: "li", Role: "team_leader", PasswordHash: "h"})
	putSessions(t, db,
		store.Session{ID: "s1", Username: "li", Expires: t0.Add(time.Hour)},
		store.Session{ID: "s2", Username: "wang", Expires: t0.Add(time.Hour)},
	)
	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteUser("li") }); err != nil {
		t.Fatal(err)
	}
	err := db.Update(func(tx *store.Tx) error { return tx.DeleteUser("li") })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteUser = %v, want ErrNotFound", err)
	}
	if got := sessionIDs(t, db, "s1", "s2"); !slices.Equal(got, []string{"s2"}) {
		t.Errorf("sessions after deleting li = %v, want s2", got)
	}
}

func putSessions(t *testing.T, db *store.DB, ss ...store.Session) {
	t.Helper()
	err := db.Update(func(tx *store.Tx) error {
		for i := range ss {
			if err := tx.PutSession(&ss[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// sessionIDs returns which of ids are stored.
func sessionIDs(t *testing.T, db *store.DB, ids ...string) []string {
	t.Helper()
	var out []string
	err := db.View(func(tx *store.Tx) error {
		for _, id := range ids {
			_, ok, err := tx.Session(id)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSessions(t *testing.T) {
	db := storetest.Open(t)
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, cst)
	secret := "k3Jx9-very-secret-session-id-0123456789"
	putSessions(t, db,
		store.Session{ID: secret, Username: "zhang", Role: "agent", CSRFToken: "c1", Created: t0, LastSeen: t0, Expires: t0.Add(time.Hour)},
		store.Session{ID: "old", Username: "zhang", Role: "agent", Created: t0, Expires: t0.Add(time.Minute)},
		store.Session{ID: "other", Username: "li", Role: "team_leader", Created: t0, Expires: t0.Add(2 * time.Hour)},
	)
	err := db.View(func(tx *store.Tx) error {
		s, ok, err := tx.Session(secret)
		if err != nil || !ok || s.ID != secret || s.Username != "zhang" || s.CSRFToken != "c1" || !s.Expires.Equal(t0.Add(time.Hour)) {
			t.Errorf("Session = %+v %v %v", s, ok, err)
		}
		if _, ok, _ := tx.Session("nope"); ok {
			t.Error("Session(nope) found")
		}
		if _, ok, _ := tx.Session(""); ok {
			t.Error(`Session("") found`)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The secret never reaches the file.
	raw, err := os.ReadFile(db.Path())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secret)) {
		t.Error("the session ID is stored in the clear")
	}

	var swept int
	if err := db.Update(func(tx *store.Tx) (err error) {
		swept, err = tx.DeleteExpiredSessions(t0.Add(30 * time.Minute))
		return err
	}); err != nil || swept != 1 {
		t.Errorf("DeleteExpiredSessions = %d %v, want 1", swept, err)
	}
	if got := sessionIDs(t, db, secret, "old", "other"); !slices.Equal(got, []string{secret, "other"}) {
		t.Errorf("after sweep: %v", got)
	}

	var n int
	if err := db.Update(func(tx *store.Tx) (err error) {
		n, err = tx.DeleteSessionsOf("zhang")
		return err
	}); err != nil || n != 1 {
		t.Errorf("DeleteSessionsOf = %d %v, want 1", n, err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteSession("other") }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteSession("other") }); err != nil {
		t.Errorf("deleting a missing session: %v", err)
	}
	if got := sessionIDs(t, db, secret, "old", "other"); len(got) != 0 {
		t.Errorf("sessions left: %v", got)
	}

	for _, bad := range []store.Session{{Username: "x"}, {ID: "x"}} {
		if err := db.Update(func(tx *store.Tx) error { return tx.PutSession(&bad) }); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("PutSession(%+v) = %v, want ErrInvalid", bad, err)
		}
	}
}

// Users survive closing and reopening the file.
func TestUsersOnReopen(t *testing.T) {
	db := storetest.Open(t)
	path := db.Path()
	putUsers(t, db, store.User{Username: "admin", Role: "admin", PasswordHash: "h"})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if err := db2.View(func(tx *store.Tx) error {
		if _, ok, err := tx.User("admin"); !ok || err != nil {
			t.Errorf("user lost on reopen: %v %v", ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
