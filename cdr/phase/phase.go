package phase

import (
	"slices"
	"time"

	"tracecall/telephony/event"
)

// Phase is what a call in progress is doing (see the package doc).
type Phase string

// The phases, in the order a call usually goes through them.
const (
	Setup   Phase = "setup"   // the line rings; nobody has answered it yet
	IVR     Phase = "ivr"     // the IVR has the caller
	Waiting Phase = "waiting" // in a queue, no agent's phone ringing for it
	Ringing Phase = "ringing" // in a queue, an agent's phone ringing for it
	Talking Phase = "talking" // with an agent, on hold or being transferred
)

// NodeAgentState is the IVR node type of feature codes (ivr.NodeAgentState):
// a call that reaches one is an agent's housekeeping call.
const NodeAgentState = "agent_state"

// Call is one call in progress as its events tell it. Apply moves it on;
// Phase says what it is doing.
type Call struct {
	ID        event.CallID
	Started   time.Time // the first ring
	Line      string    // the line the caller is on
	From, To  string
	Direction string // inbound or outbound

	// Answered: the line was picked up (by the IVR, for an inbound call).
	Answered bool
	// FeatureCode: the call reached an agent_state IVR node; an agent's
	// housekeeping call, not a customer's.
	FeatureCode bool
	// The IVR step the call is at, or was at last, and the last trace
	// lookup's result (found, not_found, invalid).
	Flow, Node, NodeType string
	Lookup               string

	// Queue is the queue the call waits in, rings from or was taken from,
	// QueuedAt when it joined it; InQueue is set while it is in a queue,
	// and Offers are the agents whose phones ring for it.
	Queue    string
	QueuedAt time.Time
	InQueue  bool
	Offers   []string
	// Agent is the agent with the caller now; Held while they hold them.
	Agent string
	Held  bool
	// LeftQueue: the caller left a queue before any agent answered
	// (event.CallAbandonedQueue). Overflowed: a queue sent the call on to
	// something other than another queue before any agent answered.
	LeftQueue  bool
	Overflowed bool
	// Callback: the caller asked to be called back. The core keeps the
	// call open from the request to the callback's end; until an agent has
	// it, the request waits in the queue, the caller off the line.
	Callback bool

	// Since is when Phase last changed.
	Since time.Time

	consult      bool   // an agent is consulting: the caller is held meanwhile
	consultAgent string // who answered the consult
	phase        Phase  // as of the last Apply, to stamp Since
}

// New starts a call from its first ring.
func New(e event.CallStarted) *Call {
	return &Call{
		ID: e.CallID, Started: e.At, Line: e.Line, From: e.From, To: e.To, Direction: e.Direction,
		Since: e.At, phase: Setup,
	}
}

// Phase is what the call is doing now. An agent on the call makes it
// Talking whatever else goes on (hold, a consult); without one a ringing
// offer makes it Ringing, a queue Waiting; an answered line without either
// is in the IVR.
func (c *Call) Phase() Phase {
	switch {
	case c.Agent != "":
		return Talking
	case len(c.Offers) > 0:
		return Ringing
	case c.InQueue:
		return Waiting
	case c.Answered:
		return IVR
	}
	return Setup
}

// Customer reports whether the call counts with the customers' calls: not
// an agent's feature code.
func (c *Call) Customer() bool { return !c.FeatureCode }

// WaitingCallback reports whether the call is a callback request no agent
// has yet: it counts as a callback, not as a caller waiting or ringing.
func (c *Call) WaitingCallback() bool { return c.Callback && c.Agent == "" }

// Clone returns a copy of c that shares nothing with it.
func (c *Call) Clone() *Call {
	d := *c
	d.Offers = slices.Clone(c.Offers)
	return &d
}

// Apply moves c on by e, an event of its call, and reports whether the call
// is over (its CallEnded).
func (c *Call) Apply(e event.Event) (over bool) {
	switch e := e.(type) {
	case event.CallAnswered:
		c.Answered = true
	case event.IVRStep:
		c.Answered = true
		c.Flow, c.Node, c.NodeType = e.Flow, e.Node, e.Type
		if e.Type == NodeAgentState {
			c.FeatureCode = true
		}
	case event.TraceLookup:
		c.Lookup = e.Result
	case event.CallQueued:
		c.InQueue = true
		if c.Agent == "" { // else a transfer's, which may come before its CallTransfer
			c.Queue, c.QueuedAt = e.Queue, e.At
		}
	case event.CallOffered:
		if !slices.Contains(c.Offers, e.Agent) {
			c.Offers = append(c.Offers, e.Agent)
		}
	case event.CallOfferMissed:
		c.Offers = slices.DeleteFunc(c.Offers, func(a string) bool { return a == e.Agent })
	case event.CallTaken:
		c.InQueue, c.Offers = false, nil
		if c.consult {
			c.consultAgent = e.Agent
			break
		}
		c.Agent, c.Held = e.Agent, false
		if c.Queue == "" {
			c.Queue = e.Queue
		}
	case event.CallAbandonedQueue:
		c.InQueue, c.Offers = false, nil
		if c.Agent == "" {
			c.LeftQueue = true
		}
	case event.CallOverflowed:
		if e.Action != "queue" { // else a CallQueued for the next queue follows
			c.InQueue, c.Offers = false, nil
			if c.Agent == "" {
				c.Overflowed = true
			}
		}
	case event.CallHeld:
		c.Held = e.Held
	case event.CallTransfer:
		c.transfer(e)
	case event.CallbackRequested:
		c.Callback = true
	case event.CallbackFailed:
		c.InQueue, c.Offers = false, nil
	case event.CallEnded:
		return true
	}
	if p := c.Phase(); p != c.phase {
		c.phase = p
		if at := e.When(); !at.IsZero() {
			c.Since = at
		}
	}
	return false
}

// transfer follows an agent's transfer: a blind one leaves the caller
// without an agent until the target answers; during a consult the caller
// stays with the agent, on hold, and the consulted agent takes over when the
// agent completes it.
func (c *Call) transfer(e event.CallTransfer) {
	switch e.Stage {
	case "started":
		if e.Consult {
			c.consult, c.consultAgent = true, ""
			return
		}
		c.Agent, c.Held = "", false
		if e.To == "queue" {
			c.Queue, c.QueuedAt = e.Target, e.At
		}
	case "answered":
		if c.consult && c.consultAgent == "" && e.To == "number" {
			c.consultAgent = e.Target
		}
	case "completed":
		if !c.consult {
			return
		}
		c.consult = false
		// Completed before anybody answered: a blind transfer from here.
		c.Agent, c.Held, c.consultAgent = c.consultAgent, false, ""
	case "cancelled", "failed":
		if c.consult {
			c.consult, c.consultAgent = false, ""
			c.InQueue, c.Offers = false, nil // the consulted party's, withdrawn
		}
	}
}
