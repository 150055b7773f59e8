// Package auth is who may use the web panel and its API: users with roles,
// argon2id password hashes, login sessions kept in the store, CSRF tokens,
// and lockout after repeated wrong passwords. It decides; package web turns
// its answers into pages, redirects and JSON.
//
// # Roles
//
// A Role has a rank: agent (普通席) < team_leader (班长席) < duty_manager
// (值班经理席) < admin. A route needs a minimum role, and Role.AtLeast says
// whether a user has it. The API's bearer token (DATA/api-token) acts as admin.
//
// # Passwords
//
// HashPassword stores a password as an argon2id hash in the PHC string
// format, "$argon2id$v=19$m=19456,t=2,p=1$salt$hash", so the parameters
// travel with the hash and can be raised later without breaking old ones.
// CheckPassword compares in constant time. EnsureAdmin creates the first
// user, "admin", with a random password that it prints once.
//
// # Sessions
//
// Login checks a password and creates a session: a random 32-byte ID in an
// HttpOnly, SameSite=Strict cookie (Secure over TLS or when Config says so),
// of which the store keeps only the SHA-256. A session ends at logout, after
// Config.IdleTimeout without a request, or Config.AbsoluteTimeout after
// login, whichever comes first; disabling a user or changing their password
// ends all of theirs. Each session has a CSRF token that every unsafe request
// made with the cookie must carry, in a form field (CSRFField) or the
// X-CSRF-Token header. The login form, which comes before any session, is
// protected by a token in a short-lived cookie of its own (double submit).
//
// # Lockout
//
// After Config.MaxFailures wrong passwords in a row a user cannot log in for
// Config.Lockout, even with the right password. Every failure gives the same
// error, ErrBadCredentials, whether the user exists, is disabled, is locked
// or typed the wrong password, and takes about as long, so the login form
// does not tell which users exist. The log says which it was, with the
// source address.
//
// # Concurrency
//
// An Auth is safe for concurrent use. It holds no sessions in memory: the
// store has them, so they survive a restart. At most two password hashes are
// computed at once, which bounds the memory argon2id takes under a flood of
// logins.
//
// # Testing
//
// Config.Params set to small values (TestParams) make hashing take
// microseconds, and Config.Now lets tests move time past a timeout or a
// lockout without sleeping.
package auth
