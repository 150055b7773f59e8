package auth

import "errors"

// Errors callers branch on, with errors.Is.
var (
	// ErrBadCredentials is returned by Login for every refused login: unknown
	// user, wrong password, disabled or locked account. It deliberately does
	// not say which; the log does.
	ErrBadCredentials = errors.New("wrong username or password, or the account is locked")

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
