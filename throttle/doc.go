// Package throttle slows down guessing: it counts failures per key (an
// address, an account) and answers how long the next attempt must wait.
// The panel's logins and the SIP registrar's digest checks both use it, each
// with its own Throttle, keyed by source address and by account.
//
// A key's first Free failures cost nothing; each failure after them doubles
// the wait, from Base up to Max. A success forgets the key; a key left alone
// for Forget is forgotten too, so an honest user's typo a day ago never
// counts. The wait is a delay, not a lock: nobody can keep a user out for
// good by guessing in their name, they can only make guesses slow (Max
// apart), which is what defeats guessing. The table is bounded (MaxKeys):
// past it the oldest key goes, so a flood of spoofed addresses costs memory
// only up to the bound.
//
// Record is Fail with a note (what the failure was about: the account an
// address guessed) and says whether this failure began the key's first
// wait, so that a caller logs each key's lockout once rather than every
// refused attempt. Snapshot lists keys with their counts, waits and notes
// for an admin's page; Reset lifts keys; Failures tells a clean record
// (zero) from a key that has failed, for a caller that treats the two
// differently (the panel lets an address with a clean record try an
// account that guessing elsewhere has slowed).
package throttle
