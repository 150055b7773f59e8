package acd

// State is where an agent stands. The ACD owns every agent's state; the only way
// in is its methods, and every change goes through one function (core.move) that
// checks it against the table below and publishes event.AgentStateChanged.
type State string

// Agent states.
const (
	StateLoggedOut State = "logged_out"
	StateReady     State = "ready"     // free for calls (if the phone is reachable)
	StateNotReady  State = "not_ready" // logged in, on a break; Reason says why
	StateRinging   State = "ringing"   // offered a call
	StateTalking   State = "talking"   // on a call from a queue
	StateWrapUp    State = "wrap_up"   // after-call work, for the queue's wrap-up time
)

// Reasons the ACD itself gives for not ready.
const (
	ReasonNoAnswer = "no answer" // missed MaxNoAnswer offers in a row
)

// transitions is the agent state machine: from → the states it may move to.
//
//	logged_out → ready                           Login
//	ready      → ringing, not_ready, logged_out  offer; SetNotReady; Logout
//	not_ready  → ready, not_ready, logged_out    SetReady; new reason; Logout
//	ringing    → talking                         answered
//	ringing    → ready                           missed or withdrawn
//	ringing    → not_ready, logged_out           missed N times; SetNotReady; Logout
//	talking    → wrap_up, ready, not_ready       call ended (with/without wrap-up; pending not ready)
//	wrap_up    → ready, not_ready, logged_out    timer or SetReady; SetNotReady; Logout
var transitions = map[State][]State{
	StateLoggedOut: {StateReady},
	StateReady:     {StateRinging, StateNotReady, StateLoggedOut},
	StateNotReady:  {StateReady, StateNotReady, StateLoggedOut},
	StateRinging:   {StateTalking, StateReady, StateNotReady, StateLoggedOut},
	StateTalking:   {StateWrapUp, StateReady, StateNotReady},
	StateWrapUp:    {StateReady, StateNotReady, StateLoggedOut},
}

func canMove(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}
