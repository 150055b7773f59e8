package desk

import "errors"

// Errors a Desk returns that the desktop shows as such; each wraps the
// detail of the package that refused.
var (
	// ErrUnsupported is returned by an action the agent's phone cannot do
	// from the desktop.
	ErrUnsupported = errors.New("this phone cannot do that from the desktop")

	// ErrCannotAnswer is returned by Answer for a phone that cannot be
	// picked up from the desktop: it announced neither remote answer nor
	// auto-answer (or its line has no way to be answered remotely). The
	// agent answers on the phone.
	ErrCannotAnswer = errors.New("this phone cannot be answered from the desktop: it supports neither remote answer (SIP NOTIFY Event: talk) nor auto-answer (Answer-Mode, Call-Info answer-after); pick up on the phone")

	// ErrNoCall is returned by a call action when the agent is on no call
	// (or, for Answer, their phone does not ring; for the consult actions,
	// no consult is under way).
	ErrNoCall = errors.New("no call to act on")

	// ErrBadTarget is returned by Transfer for a target that does not exist
	// or is not free.
	ErrBadTarget = errors.New("no such transfer target")

	// ErrNotAgent is returned for a user the ACD does not know as an agent.
	ErrNotAgent = errors.New("this user is not set up as an agent")

	// ErrState is returned for a state change the agent's present state
	// does not allow (logging in twice, not ready on a call...).
	ErrState = errors.New("not possible in the agent's present state")
)
