package event

import "time"

// CallBridged is published when two legs of a call are joined with audio both
// ways (a caller and the agent who answered, say).
type CallBridged struct {
	Base
	A     string `json:"a"`      // leg id of the first party (the caller)
	B     string `json:"b"`      // leg id of the second party (the agent's phone)
	ALine string `json:"a_line"` // the lines the legs are on
	BLine string `json:"b_line"`
}

// CallUnbridged is published when a bridge comes down: By says which side
// ended it ("a" or "b" hung up, "app" took the bridge down) and Duration how
// long the parties were joined.
type CallUnbridged struct {
	Base
	A        string        `json:"a"`
	B        string        `json:"b"`
	By       string        `json:"by"`
	Duration time.Duration `json:"duration_ns"`
}

// Kind names of the bridge events.
func (CallBridged) Kind() string   { return "bridged" }
func (CallUnbridged) Kind() string { return "unbridged" }
