package event

import "time"

// The ACD's events: a call waiting in a queue, offered to agents, taken,
// abandoned or sent on; agents changing state. Durations are in nanoseconds on
// the wire (the _ns keys).

// CallQueued is published when a call joins a queue (first, or after an
// overflow from another queue).
type CallQueued struct {
	Base
	Queue    string `json:"queue"`
	Caller   string `json:"caller"`
	Priority int    `json:"priority"`
	Position int    `json:"position"` // 1 is next to be served
}

// CallOffered is published for each agent a queued call is offered to; with
// ring-all there is one per agent, all at once. It goes out before the
// agent's phone is dialled, so the agent's screen can pop while it rings:
// Caller, Called and Data (trace code, IVR flow, who transferred the call)
// are what the ACD was given with the call.
type CallOffered struct {
	Base
	Queue     string            `json:"queue"`
	Agent     string            `json:"agent"`
	Extension string            `json:"extension"`
	Caller    string            `json:"caller"`
	Called    string            `json:"called,omitempty"`
	Data      map[string]string `json:"data,omitempty"`
}

// CallOfferMissed is published when an offer ends without the agent taking the
// call: the ring timed out or the agent refused ("timeout", "rejected"), or the
// ACD withdrew it ("withdrawn": another agent answered or the caller left;
// "unavailable": the agent's phone went away; "agent": the agent went not ready
// or logged out while it rang).
type CallOfferMissed struct {
	Base
	Queue  string `json:"queue"`
	Agent  string `json:"agent"`
	Reason string `json:"reason"`
}

// CallTaken is published when an agent answers an offered call.
// ServiceLevel is the queue's service level time then: an answer within it
// counts as in service level (cdr's figures, the wallboard).
type CallTaken struct {
	Base
	Queue        string        `json:"queue"`
	Agent        string        `json:"agent"`
	Wait         time.Duration `json:"wait_ns"` // from joining the queue to the answer
	ServiceLevel time.Duration `json:"service_level_ns,omitempty"`
}

// CallAbandonedQueue is published when a caller leaves a queue (hangs up or
// asks to leave) before an agent answered. It may come after the call's
// CallEnded: the ACD hears of the hangup from the IVR. ServiceLevel is the
// queue's service level time then: an abandon within it is a short abandon,
// left out of the service level (cdr's figures, the wallboard).
type CallAbandonedQueue struct {
	Base
	Queue        string        `json:"queue"`
	Caller       string        `json:"caller"`
	Wait         time.Duration `json:"wait_ns"`
	Position     int           `json:"position"` // 0 if it was ringing an agent
	ServiceLevel time.Duration `json:"service_level_ns,omitempty"`
}

// CallOverflowed is published when a call is sent on from a queue: Reason is
// "max_wait", "max_length" or "empty" (no agent logged in); Action is "queue"
// (Target names it), "goodbye" or "voicemail".
type CallOverflowed struct {
	Base
	Queue  string `json:"queue"`
	Reason string `json:"reason"`
	Action string `json:"action"`
	Target string `json:"target,omitempty"`
}

// AgentStateChanged is published on every agent state change, and when the
// agent's phone becomes unreachable or reachable again (State is then Prev).
// CallID is the call the agent is ringing or talking on, if any.
type AgentStateChanged struct {
	Base
	Agent     string `json:"agent"`
	State     string `json:"state"` // logged_out, ready, not_ready, ringing, talking, wrap_up
	Reason    string `json:"reason,omitempty"`
	Prev      string `json:"prev"`
	Reachable bool   `json:"reachable"` // the phone can be offered calls
}

// Kind names of the ACD events.
func (CallQueued) Kind() string         { return "queued" }
func (CallOffered) Kind() string        { return "offered" }
func (CallOfferMissed) Kind() string    { return "offer_missed" }
func (CallTaken) Kind() string          { return "taken" }
func (CallAbandonedQueue) Kind() string { return "abandoned" }
func (CallOverflowed) Kind() string     { return "overflowed" }
func (AgentStateChanged) Kind() string  { return "agent_state" }
