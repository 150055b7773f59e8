package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"

	"tracecall/store"
)

// FirstAdmin is the username EnsureAdmin creates.
const FirstAdmin = "admin"

// passwordAlphabet leaves out characters that are easy to misread from a
// console: 0 O o 1 l I.
const passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"

// generatedPasswordLen characters from passwordAlphabet make about 93 bits.
const generatedPasswordLen = 16

// EnsureAdmin creates the user "admin" with a random password when the store
// has no users at all, and writes the password once to out (the daemon passes
// its stderr). The log says where the password went, never the password. With
// users present it does nothing and prints nothing. It returns whether it
// created the user.
func EnsureAdmin(db *store.DB, log *slog.Logger, out io.Writer) (created bool, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var has bool
	if err := db.View(func(tx *store.Tx) error { has = tx.HasUsers(); return nil }); err != nil {
		return false, fmt.Errorf("auth: first admin: %w", err)
	}
	if has {
		return false, nil
	}
	a := New(db, Config{}, log)
	pw, err := randomPassword()
	if err != nil {
		return false, fmt.Errorf("auth: first admin: %w", err)
	}
	h, err := a.hash(context.Background(), pw)
	if err != nil {
		return false, fmt.Errorf("auth: first admin: %w", err)
	}
	now := a.cfg.Now()
	// Print inside the transaction: if the console cannot take the password,
	// the user is not created, and the next start tries again.
	err = db.Update(func(tx *store.Tx) error {
		if tx.HasUsers() {
			return nil // someone was quicker
		}
		err := tx.PutUser(&store.User{
			Username: FirstAdmin, Role: string(RoleAdmin),
			PasswordHash: h, Created: now, Updated: now,
		})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "\n"+
			"tracecall: created the first panel user.\n"+
			"    username: %s\n"+
			"    password: %s\n"+
			"This password is shown only this once. Log in and change it (home page, or Users).\n\n",
			FirstAdmin, pw)
		if err != nil {
			return fmt.Errorf("print password: %w", err)
		}
		created = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("auth: first admin: %w", err)
	}
	if created {
		log.Warn("created the first admin user; its password was printed once", "user", FirstAdmin, "printed_to", describe(out))
	}
	return created, nil
}

// describe names where w writes, for the log.
func describe(w io.Writer) string {
	if f, ok := w.(*os.File); ok {
		return f.Name()
	}
	return fmt.Sprintf("%T", w)
}

// randomPassword returns generatedPasswordLen characters from
// passwordAlphabet, each drawn uniformly.
func randomPassword() (string, error) {
	const n = len(passwordAlphabet)
	limit := byte(256 - 256%n) // reject bytes at or above to keep the draw uniform
	out := make([]byte, 0, generatedPasswordLen)
	var buf [32]byte
	for len(out) < generatedPasswordLen {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			if b < limit && len(out) < generatedPasswordLen {
				out = append(out, passwordAlphabet[b%byte(n)])
			}
		}
	}
	return string(out), nil
}
