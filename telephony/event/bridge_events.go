package event

import "time"

// CallBridged was published when a telephony.Bridge joined two legs of a
// call. The Bridge is gone (rooms join parties, and publish RoomJoined and
// RoomLeft), so nothing publishes it or CallUnbridged any more; they stay
// until the call records (package cdr) stop reading them.
type CallBridged struct {
	Base
	A     string `json:"a"`      // leg id of the first party (the caller)
	B     string `json:"b"`      // leg id of the second party (the agent's phone)
	ALine string `json:"a_line"` // the lines the legs are on
	BLine string `json:"b_line"`
}

// CallUnbridged was published when a bridge came down: By says which side
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
