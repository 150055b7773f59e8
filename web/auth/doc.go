// Package auth is who may use the web panel and its API: users with roles,
// argon2id password hashes, login sessions kept in the store, CSRF tokens,
// and growing delays for repeated wrong passwords. It decides; package web turns
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
// # Guessing
//
// Logins are slowed, never locked: two throttles (package throttle) count
// failed logins, one by source address (AddressKey: the IP, or an IPv6
// address's /64) and one by account (the username typed, whether or not
// it exists, so the delays tell nothing about which users do). After a few
// free failures each further one doubles the wait, up to a ceiling: an
// address that keeps guessing soon waits 15 minutes per guess
// (DefaultByAddress), so a thousand guesses take days, not seconds. An
// attempt made during its wait is refused with ErrThrottled without its
// password being checked, so a guess made early tells nothing, and is not
// counted, so knocking does not make the wait longer. The refusal says how
// long to wait.
//
// An address has one password check in progress at a time (and an account
// one from addresses with failures on record): a login that comes while
// another is being checked is refused at once with ErrLoginBusy, unchecked.
// The throttles count a failure only after its slow check, so without this
// a hundred guesses sent at once would all be checked before the first was
// counted; and since the checks run two at a time for the whole appliance,
// it keeps one address (or a few dozen) from queueing so many that the
// real user's login waits behind them.
//
// The account's throttle is there for a guesser who spreads over many
// addresses, and it must not let anyone keep the real user out. So it
// holds only attempts from addresses with failures on record, and its
// ceiling is low (a minute, DefaultByAccount). From their own desk, with a
// clean record, the real user's right password is checked and works
// however hard someone else guesses at their account; from an address with
// failures of its own (their typos, a shared NAT) they wait at most the
// account's minute, plus what that address earned itself. A guesser gets
// one attempt per fresh address and then joins that queue. A successful
// login clears the account's record but not the address's, which ages out
// after a day of quiet: otherwise a guesser with an account of their own
// could wipe their address's record by logging in.
//
// The throttles live in memory: a restart forgets them, and nothing a
// guesser does outlasts it. (Older versions stored a lock with the user,
// FailedLogins and LockedUntil; they are no longer read, and cleared at
// the user's next login, unlock, password reset or enabling.) Each key's
// lockout, the failure that starts its first wait, is logged once at Warn
// with the address and the account and the console command that lifts it;
// refused attempts during a wait are logged at Debug only. Admins see and
// lift the delays on the panel's security page and from the console:
// Unlock lifts an account's and those of the addresses that guessed it
// ("tracectl user unlock NAME", which the lockout message names), and the
// page or "tracectl throttle lift" lifts any key. Every checked failure
// gives the same error, ErrBadCredentials, whether the user exists, is
// disabled or typed the wrong password, and takes about as long.
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
// login delay without sleeping.
package auth
