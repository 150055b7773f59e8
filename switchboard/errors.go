package switchboard

import "errors"

var (
	// ErrNoCall is returned by the call operations for an agent who is on no
	// call the board holds (not connected yet, or their part is over).
	ErrNoCall = errors.New("agent is on no call")

	// ErrBadTarget is returned by Transfer for a target that does not exist:
	// an unknown kind, agent, queue or driver, a malformed number, or the
	// agent themselves.
	ErrBadTarget = errors.New("no such transfer target")

	// ErrTargetBusy is returned by Transfer when the agent (or every duty
	// manager) is not free to take the call.
	ErrTargetBusy = errors.New("transfer target not free")

	// ErrTransferring is returned by Transfer and Hold while a transfer is
	// already under way on the call.
	ErrTransferring = errors.New("a transfer is under way")

	// ErrNoTransfer is returned by CompleteTransfer, CancelTransfer and
	// Conference when the agent has no consult transfer under way.
	ErrNoTransfer = errors.New("no consult transfer under way")

	// ErrNotAnswered is returned by Conference while the consulted party
	// still rings.
	ErrNotAnswered = errors.New("the consulted party has not answered")

	// ErrNotRinging is returned by Answer when the agent's phone is not
	// ringing.
	ErrNotRinging = errors.New("agent's phone is not ringing")

	// ErrStopped is returned by Callback when Run is not running.
	ErrStopped = errors.New("switchboard stopped")

	// ErrUnsupported is returned by Answer for a phone that cannot be picked
	// up from the desktop.
	ErrUnsupported = errors.New("phone cannot be answered remotely")
)
