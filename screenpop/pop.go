package screenpop

import (
	"time"

	"tracecall/store"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// Pop is the screen pop: everything the agent desktop's card shows about a
// call offered to an agent, composed once from the offer, the call's record,
// the customer book and the trace store. It is published on the bus as an
// event of kind "pop", so /api/events delivers it to that agent (and to team
// leaders and above) like any other event, while the phone rings.
type Pop struct {
	event.Base        // the call, and when it was offered
	Agent      string `json:"agent"`
	Queue      string `json:"queue"`
	Caller     string `json:"caller"`
	Called     string `json:"called,omitempty"`
	// Customer is the caller as the customer book knows them; nil for a
	// new caller (the card offers a form to add one).
	Customer *store.Customer `json:"customer"`
	IVRFlow  string          `json:"ivr_flow,omitempty"`
	IVRPath  []string        `json:"ivr_path"`
	// TraceCode is the code the IVR carried with the call (its last found
	// chain); Codes are every code keyed in the call, with their result and,
	// for those found, the chain as GET /api/trace/{code} gives it.
	TraceCode string `json:"trace_code,omitempty"`
	Codes     []Code `json:"codes"`
	// Recent are the caller's last calls before this one, newest first,
	// with their notes.
	Recent        []Call            `json:"recent"`
	TransferredBy string            `json:"transferred_by,omitempty"`
	Data          map[string]string `json:"data,omitempty"` // the offer's data as the ACD had it
	OfferedAt     time.Time         `json:"offered_at"`
	ComposedAt    time.Time         `json:"composed_at"`
}

// Kind names the pop on the event stream.
func (Pop) Kind() string { return "pop" }

// Code is one trace code keyed in the call.
type Code struct {
	Code   string       `json:"code"`
	Result string       `json:"result"` // found | not_found | invalid
	Reason string       `json:"reason,omitempty"`
	At     time.Time    `json:"at,omitzero"`
	Chain  *trace.Chain `json:"chain,omitempty"`
}

// Call is one of the caller's earlier calls.
type Call struct {
	ID          string             `json:"call_id"`
	Start       string             `json:"start"` // 2006-01-02 15:04 in the server's zone
	Disposition string             `json:"disposition"`
	Duration    float64            `json:"duration"`
	Queue       string             `json:"queue,omitempty"`
	Agent       string             `json:"agent,omitempty"`
	Codes       []store.CodeLookup `json:"codes,omitempty"`
	Notes       []store.CallNote   `json:"notes,omitempty"`
}

// CallState is where an agent's current call is, for the desktop's state
// answer: ringing (offered), talking (taken), ended.
type CallState string

// Call states.
const (
	Ringing CallState = "ringing"
	Talking CallState = "talking"
	Ended   CallState = "ended"
)

// AgentState is an agent's state as the last AgentStateChanged said.
type AgentState struct {
	State     string    `json:"state"`
	Reason    string    `json:"reason,omitempty"`
	Since     time.Time `json:"since"`
	Reachable bool      `json:"reachable"`
}

// AgentCall is the call an agent was last offered and its pop.
type AgentCall struct {
	ID    event.CallID
	State CallState
	Pop   *Pop // nil until composed
}
