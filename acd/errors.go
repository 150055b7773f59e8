package acd

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownQueue is returned by Enqueue for a queue the config does not name.
	ErrUnknownQueue = errors.New("unknown queue")

	// ErrUnknownAgent is returned by the agent methods for an id the config does
	// not name.
	ErrUnknownAgent = errors.New("unknown agent")

	// ErrUnknownCall is returned by Leave, Position and EstimatedWait for a call
	// that is not waiting or ringing in a queue (never queued, answered, or gone).
	ErrUnknownCall = errors.New("call not in a queue")

	// ErrDuplicateCall is returned by Enqueue for a call id the ACD already holds,
	// and for an empty id.
	ErrDuplicateCall = errors.New("call already queued")

	// ErrLoggedOut is returned by Logout, SetReady and SetNotReady for an agent who
	// is not logged in.
	ErrLoggedOut = errors.New("agent not logged in")

	// ErrLoggedIn is returned by Login for an agent who is already logged in.
	ErrLoggedIn = errors.New("agent already logged in")

	// ErrOnCall is returned by SetReady while the agent rings or talks, by
	// Logout while the agent talks, and by Callback while the call rings an
	// agent.
	ErrOnCall = errors.New("agent on a call")

	// ErrNoOffer is returned by OfferResult when the call is not (or no longer)
	// ringing that agent: the offer timed out, was withdrawn, or never was. The
	// telephony side must then drop the agent's leg rather than connect it.
	ErrNoOffer = errors.New("no such offer")

	// ErrNoEstimate is returned by EstimatedWait when there is nothing honest to
	// say yet: no answered call in the queue's recent history and no earlier
	// estimate for this caller, or no agent staffed.
	ErrNoEstimate = errors.New("no basis for an estimate")

	// ErrNoNumber is returned by Callback for a request without a number to
	// call back.
	ErrNoNumber = errors.New("no number to call back")

	// ErrClosed is returned by every method once Run has returned, and by Run if
	// it is called a second time.
	ErrClosed = errors.New("acd closed")

	// ErrQueueExists is returned by AddQueue for a name already in use.
	ErrQueueExists = errors.New("queue already exists")

	// ErrAgentExists is returned by AddAgent for an id already in use.
	ErrAgentExists = errors.New("agent already exists")
)

// TransitionError is an agent state change the state machine does not allow.
// The public methods check their preconditions and return the sentinels above,
// so seeing one of these means a bug in the ACD itself; it is logged, never
// applied.
type TransitionError struct {
	Agent    string
	From, To State
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("acd: agent %s: no transition from %s to %s", e.Agent, e.From, e.To)
}
