package event

// The callback events: a caller waiting in a queue pressed * to be called
// back instead of holding. The request keeps the caller's place in the queue
// and carries the call's id from the request to the last attempt, so the
// call record, the wallboard and the agent's screen follow it as one call.

// CallbackRequested is published when a waiting caller confirms a callback:
// the ACD keeps the entry (Position is its place then) and the caller may hang
// up without abandoning.
type CallbackRequested struct {
	Base
	Queue    string `json:"queue"`
	Number   string `json:"number"`
	Position int    `json:"position"`
}

// CallbackAttempted is published for every time the appliance dialled the
// caller back for the agent who took the request: Result is "answered",
// "no_answer", "busy" or "failed"; Attempt counts from 1.
type CallbackAttempted struct {
	Base
	Queue   string `json:"queue"`
	Agent   string `json:"agent"`
	Number  string `json:"number"`
	Attempt int    `json:"attempt"`
	Result  string `json:"result"`
}

// CallbackFailed is published when the ACD gives up on a request: the caller
// did not answer any of Attempts tries.
type CallbackFailed struct {
	Base
	Queue    string `json:"queue"`
	Number   string `json:"number"`
	Attempts int    `json:"attempts"`
}

// Kind names of the callback events.
func (CallbackRequested) Kind() string { return "callback_requested" }
func (CallbackAttempted) Kind() string { return "callback_attempted" }
func (CallbackFailed) Kind() string    { return "callback_failed" }
