package auth

import (
	"errors"
	"fmt"
	"time"
)

// Errors callers branch on, with errors.Is.
var (
	// ErrBadCredentials is returned by Login, in a *LoginError, for every
	// login whose password was checked and refused: unknown user, wrong
	// password, disabled account. It deliberately does not say which; the
	// log does.
	ErrBadCredentials = errors.New("wrong username or password")

	// ErrThrottled is returned by Login, in a *LoginError, for an attempt
	// made while its address (or, for an address with failures on record,
	// its account) must still wait after failed logins. The password was
	// not checked.
	ErrThrottled = errors.New("too many failed logins; wait before trying again")

	// ErrLoginBusy is returned by Login, in a *LoginError, for an attempt
	// made while another login from its address (or, for an address with
	// failures on record, for its account) is being checked: each address
	// has one password check in progress at most, so that guesses sent at
	// once are counted one after another and cannot crowd out other
	// people's logins. The password was not checked. It is an ErrThrottled.
	ErrLoginBusy = fmt.Errorf("%w: another login from this address is being checked; try again in a moment", ErrThrottled)

	// ErrCSRF is returned by CheckCSRF when an unsafe request made with a
	// session cookie lacks the session's CSRF token or carries another.
	ErrCSRF = errors.New("missing or wrong CSRF token")

	// ErrBadUsername is returned when a new username is not 1–32 characters
	// of a–z, 0–9, '.', '_' or '-', starting with a letter or digit.
	ErrBadUsername = errors.New("username must be 1-32 characters a-z, 0-9, . _ - starting with a letter or digit")

	// ErrBadPassword is returned when a new password is shorter than
	// MinPasswordLen characters or longer than MaxPasswordLen bytes.
	ErrBadPassword = errors.New("password too short or too long")

	// ErrBadRole is returned for a role that is not one of Roles().
	ErrBadRole = errors.New("unknown role")

	// ErrUserExists is returned by CreateUser when the username is taken.
	ErrUserExists = errors.New("user already exists")

	// ErrNoUser is returned when changing a user that does not exist.
	ErrNoUser = errors.New("no such user")

	// ErrWrongPassword is returned by ChangePassword when the current
	// password given is wrong.
	ErrWrongPassword = errors.New("current password is wrong")

	// ErrBadHash is returned by CheckPassword for a stored hash it cannot
	// read, or whose parameters are out of bounds.
	ErrBadHash = errors.New("malformed password hash")
)

// LoginError is a refused login, as Login returns it: Err is
// ErrBadCredentials (the password was checked) or ErrThrottled (it was
// not), and Wait how long the next attempt from the same address for the
// same account must wait before it is looked at; zero: it may come now.
type LoginError struct {
	Err  error
	Wait time.Duration
	// Address is the address key that waits (AddressKey), and Account the
	// account, when each does; the lockout message names the console
	// command that lifts them.
	Address string
	Account string
}

func (e *LoginError) Error() string {
	if e.Wait <= 0 {
		return "auth: login: " + e.Err.Error()
	}
	return fmt.Sprintf("auth: login: %v; next attempt in %v", e.Err, e.Wait.Round(time.Second))
}

func (e *LoginError) Unwrap() error { return e.Err }
