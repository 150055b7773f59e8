package event

import "time"

// CallID names a call from first ring to last hangup (telephony.CallID is this type).
type CallID string

// Event is anything published on the bus. Every event belongs to a call, or to
// none (CallID "") for events about lines, agents or the daemon.
type Event interface {
	// Call returns the call the event belongs to.
	Call() CallID
	// Kind returns a short stable name used in JSON streams ("said", "lookup"...).
	Kind() string
	// When returns when it happened.
	When() time.Time
}

// Base carries the fields every call event has.
type Base struct {
	CallID CallID    `json:"call_id"`
	At     time.Time `json:"at"`
}

// Call returns the event's call id.
func (b Base) Call() CallID { return b.CallID }

// When returns the event's time.
func (b Base) When() time.Time { return b.At }

// CallStarted is published at a call's first ring.
type CallStarted struct {
	Base
	Line      string `json:"line"`
	From      string `json:"from"`
	To        string `json:"to"`
	Direction string `json:"direction"`
}

// CallAnswered is published when the appliance (or a far end) answers.
type CallAnswered struct{ Base }

// CallEnded is published once per call when its last leg has hung up.
type CallEnded struct {
	Base
	By    string `json:"by"`    // "caller", "ivr", "system"
	Cause string `json:"cause"` // telephony.Cause
}

// DigitReceived is one DTMF key, however it arrived.
type DigitReceived struct {
	Base
	Key    string `json:"key"`
	Source string `json:"source"` // inband, rfc4733, info, dahdi
}

// IVRStep is published when an IVR flow enters a node. Type is the node's
// type (menu, trace_query, queue, agent_state...: ivr.Node.Type), which the
// live views put in words and the records use to tell an agent's feature
// code call from a customer's.
type IVRStep struct {
	Base
	Flow string `json:"flow"`
	Node string `json:"node"`
	Type string `json:"type,omitempty"`
	Lang string `json:"lang"`
}

// Said is published when the IVR starts saying a prompt or a TTS phrase.
type Said struct {
	Base
	Lang   string `json:"lang"`
	Prompt string `json:"prompt,omitempty"` // name of a fixed prompt, "" for composed text
	Text   string `json:"text"`
}

// DigitsCollected is an entry the IVR took from the caller: a menu key or a code.
type DigitsCollected struct {
	Base
	Node  string `json:"node"`
	Value string `json:"value"`
}

// TraceLookup is a trace code the caller keyed and what the lookup found.
type TraceLookup struct {
	Base
	Code   string `json:"code"`
	Result string `json:"result"` // found, not_found, invalid
	Reason string `json:"reason,omitempty"`
}

// LineChanged is published when a line changes state.
type LineChanged struct {
	Base
	Line   string `json:"line"`
	State  string `json:"state"`
	Caller string `json:"caller,omitempty"`
	Called string `json:"called,omitempty"`
}

// Kind names.
func (CallStarted) Kind() string     { return "call_started" }
func (CallAnswered) Kind() string    { return "answered" }
func (CallEnded) Kind() string       { return "hangup" }
func (DigitReceived) Kind() string   { return "digit" }
func (IVRStep) Kind() string         { return "ivr_step" }
func (Said) Kind() string            { return "said" }
func (DigitsCollected) Kind() string { return "digits" }
func (TraceLookup) Kind() string     { return "lookup" }
func (LineChanged) Kind() string     { return "line" }
