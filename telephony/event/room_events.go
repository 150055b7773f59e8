package event

// The conference room's events (telephony.Room) and call control's
// (package switchboard). Room events are about legs: who is in the room of a
// call and whether they are held. Call-control events are about agents: what
// the agent desktop shows (on hold, transferring, in conference). All carry
// the caller's CallID, however many agents and consult calls come and go.

// RoomJoined is published when a leg joins a call's room. Mode is "talk"
// (speaks and hears the others), "listen" (hears, is not heard) or "held"
// (hears music, is not heard, hears nobody).
type RoomJoined struct {
	Base
	Leg  string `json:"leg"`
	Line string `json:"line"`
	Mode string `json:"mode"`
}

// RoomLeft is published when a leg leaves a call's room: Reason is "left"
// (taken out by the app, leg still up), "hangup" (the leg ended) or
// "media_error" (its audio failed; the room hung it up), or "closed" (the room
// came down).
type RoomLeft struct {
	Base
	Leg    string `json:"leg"`
	Line   string `json:"line"`
	Reason string `json:"reason"`
}

// RoomHeld is published when a leg in a room is put on hold (Held true: it
// hears music and is not heard) or taken off it (Mode says what it is now).
type RoomHeld struct {
	Base
	Leg  string `json:"leg"`
	Line string `json:"line"`
	Held bool   `json:"held"`
	Mode string `json:"mode"`
}

// CallHeld is published when an agent puts the caller on hold or takes them
// off it.
type CallHeld struct {
	Base
	Agent string `json:"agent"`
	Held  bool   `json:"held"`
}

// CallTransfer is published at each step of a transfer an agent started:
// Stage "started" (Target is being reached; the caller hears music), "answered"
// (a consulted party picked up: the agent talks to them, the caller is held),
// "completed" (the caller is with the target; the agent has left), "cancelled"
// (the agent took the caller back), "failed" (the target could not be reached:
// Reason says why; after a consult the caller is back with the agent, after a
// blind transfer the caller waits in the call's queue again). To is
// "agent", "queue", "number" or "duty_manager"; Target the agent id, queue
// name or number (for the duty manager, the agent chosen once known).
type CallTransfer struct {
	Base
	Agent   string `json:"agent"` // who transferred
	To      string `json:"to"`    // agent, queue, number or duty_manager
	Target  string `json:"target"`
	Consult bool   `json:"consult"`
	Stage   string `json:"stage"`
	Reason  string `json:"reason,omitempty"`
}

// CallConference is published when an agent joins the caller and the
// consulted party in a three-way conference; Parties are the agents (or
// numbers) now talking with the caller.
type CallConference struct {
	Base
	Agent   string   `json:"agent"`
	Parties []string `json:"parties"`
}

// Kind names of the room and call-control events.
func (RoomJoined) Kind() string     { return "room_joined" }
func (RoomLeft) Kind() string       { return "room_left" }
func (RoomHeld) Kind() string       { return "room_held" }
func (CallHeld) Kind() string       { return "held" }
func (CallTransfer) Kind() string   { return "transfer" }
func (CallConference) Kind() string { return "conference" }
