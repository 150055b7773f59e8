package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"tracecall/store"
)

// maxDisplayName is the longest display name kept, in characters.
const maxDisplayName = 64

// NewUser is what CreateUser needs.
type NewUser struct {
	Username    string
	DisplayName string
	Role        Role
	Password    string
}

// CreateUser adds a user. It fails with ErrBadUsername, ErrBadRole,
// ErrBadPassword or ErrUserExists, wrapped.
func (a *Auth) CreateUser(ctx context.Context, n NewUser) error {
	name := NormalizeUsername(n.Username)
	if err := ValidUsername(name); err != nil {
		return err
	}
	if !n.Role.Valid() {
		return fmt.Errorf("auth: create user %s: %w: %q", name, ErrBadRole, n.Role)
	}
	if err := ValidPassword(n.Password); err != nil {
		return err
	}
	display := cleanDisplayName(n.DisplayName)
	h, err := a.hash(ctx, n.Password)
	if err != nil {
		return fmt.Errorf("auth: create user %s: %w", name, err)
	}
	now := a.cfg.Now()
	err = a.db.Update(func(tx *store.Tx) error {
		if _, ok, err := tx.User(name); err != nil || ok {
			if ok {
				return ErrUserExists
			}
			return err
		}
		return tx.PutUser(&store.User{
			Username: name, DisplayName: display, Role: string(n.Role), PasswordHash: h,
			Created: now, Updated: now,
		})
	})
	if err != nil {
		return fmt.Errorf("auth: create user %s: %w", name, err)
	}
	a.log.Info("user created", "user", name, "role", n.Role)
	return nil
}

// cleanDisplayName drops control characters and cuts the name to
// maxDisplayName characters.
func cleanDisplayName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	if utf8.RuneCountInString(s) > maxDisplayName {
		s = string([]rune(s)[:maxDisplayName])
	}
	return s
}

// update changes the user username with fn in one transaction.
func (a *Auth) update(username string, fn func(tx *store.Tx, u *store.User) error) error {
	return a.db.Update(func(tx *store.Tx) error {
		u, ok, err := tx.User(username)
		if err != nil {
			return err
		}
		if !ok {
			return ErrNoUser
		}
		if err := fn(tx, &u); err != nil {
			return err
		}
		u.Updated = a.cfg.Now()
		return tx.PutUser(&u)
	})
}

// SetPassword gives username a new password, lifts their account's login
// delay and ends their sessions. It fails with ErrBadPassword or ErrNoUser, wrapped.
func (a *Auth) SetPassword(ctx context.Context, username, password string) error {
	username = NormalizeUsername(username)
	if err := ValidPassword(password); err != nil {
		return err
	}
	h, err := a.hash(ctx, password)
	if err != nil {
		return fmt.Errorf("auth: set password of %s: %w", username, err)
	}
	err = a.update(username, func(tx *store.Tx, u *store.User) error {
		u.PasswordHash, u.FailedLogins, u.LockedUntil = h, 0, time.Time{}
		_, err := tx.DeleteSessionsOf(username)
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: set password of %s: %w", username, err)
	}
	a.byAccount.Reset(username)
	a.log.Info("password set; sessions ended; account's login delay lifted", "user", username)
	return nil
}

// ChangePassword is a user changing their own password: current must be
// right (ErrWrongPassword otherwise). Their sessions end, this one too.
func (a *Auth) ChangePassword(ctx context.Context, username, current, password string) error {
	username = NormalizeUsername(username)
	var u store.User
	var ok bool
	if err := a.db.View(func(tx *store.Tx) (err error) {
		u, ok, err = tx.User(username)
		return err
	}); err != nil {
		return fmt.Errorf("auth: change password of %s: %w", username, err)
	}
	if !ok {
		return fmt.Errorf("auth: change password of %s: %w", username, ErrNoUser)
	}
	good, err := a.checkHash(ctx, u.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("auth: change password of %s: %w", username, err)
	}
	if !good {
		a.log.Warn("password change refused: wrong current password", "user", username)
		return fmt.Errorf("auth: change password of %s: %w", username, ErrWrongPassword)
	}
	return a.SetPassword(ctx, username, password)
}

// SetDisabled disables or enables username. Disabling ends their sessions;
// enabling lifts their account's login delay. It fails with ErrNoUser, wrapped.
func (a *Auth) SetDisabled(username string, disabled bool) error {
	username = NormalizeUsername(username)
	err := a.update(username, func(tx *store.Tx, u *store.User) error {
		u.Disabled = disabled
		if !disabled {
			u.FailedLogins, u.LockedUntil = 0, time.Time{}
			return nil
		}
		_, err := tx.DeleteSessionsOf(username)
		return err
	})
	if err != nil {
		return fmt.Errorf("auth: set disabled of %s: %w", username, err)
	}
	if !disabled {
		a.byAccount.Reset(username)
	}
	a.log.Info("user updated", "user", username, "disabled", disabled)
	return nil
}

// Users returns every user, sorted by username. Their hashes are cleared.
func (a *Auth) Users() ([]store.User, error) {
	var us []store.User
	err := a.db.View(func(tx *store.Tx) (err error) {
		us, err = tx.Users()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("auth: users: %w", err)
	}
	for i := range us {
		us[i].PasswordHash = ""
	}
	return us, nil
}
