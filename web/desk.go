package web

import (
	"context"
	"errors"

	"tracecall/crm"
	"tracecall/web/auth"
)

// Desk is what the agent desktop's buttons do, for the agent agentID (the
// agent's id in the ACD, which is their panel username). The daemon wires it
// from the ACD (agent state) and call control (the call the agent is on);
// the desktop learns what happened from /api/events, not from the answers,
// so every method returns as soon as the action is under way.
type Desk interface {
	// Login and Logout sign the agent in to and out of the ACD's queues.
	Login(ctx context.Context, agentID string) error
	Logout(ctx context.Context, agentID string) error
	// SetReady and SetNotReady (with a reason code) say whether the agent
	// takes calls now; SetReady also ends wrap-up early.
	SetReady(ctx context.Context, agentID string) error
	SetNotReady(ctx context.Context, agentID, reason string) error

	// Answer picks up the agent's ringing phone, where the phone can be
	// answered from the desktop (simulated phones; a desk phone over CTI
	// later); ErrDeskUnsupported otherwise.
	Answer(ctx context.Context, agentID string) error
	// Hangup ends the agent's part of the call: the caller goes on (to a
	// consulted party, a conference) or is hung up when nobody is left.
	Hangup(ctx context.Context, agentID string) error
	// Hold puts the caller on hold (they hear music) or takes them off it.
	Hold(ctx context.Context, agentID string, on bool) error
	// Transfer sends the caller to another party with the call's data
	// (trace code, IVR path, who sent it). Blind: the agent leaves at once.
	// Consult: the caller is held while the agent talks to the party; then
	// CompleteTransfer joins caller and party and drops the agent,
	// CancelTransfer drops the party and takes the caller back, and
	// Conference joins all three.
	Transfer(ctx context.Context, agentID string, to TransferTarget, consult bool) error
	CompleteTransfer(ctx context.Context, agentID string) error
	CancelTransfer(ctx context.Context, agentID string) error
	Conference(ctx context.Context, agentID string) error
}

// TransferTarget is where a transfer goes.
type TransferTarget struct {
	Kind  string `json:"kind"`  // one of the Target* kinds
	Value string `json:"value"` // the agent id, queue name or number; empty for the duty manager
}

// Transfer target kinds.
const (
	TargetAgent       = "agent"        // a named agent, offered the call through the ACD
	TargetQueue       = "queue"        // a queue: the caller waits there like any caller
	TargetNumber      = "number"       // an outside number or extension, dialled out
	TargetDutyManager = "duty_manager" // whichever duty manager is free
)

// Errors a Desk returns that the desktop shows as such (others are internal).
var (
	ErrDeskUnsupported = errors.New("this phone cannot do that from the desktop")
	ErrDeskNoCall      = errors.New("no call to act on")
	ErrDeskBadTarget   = errors.New("no such transfer target")
	ErrDeskNotAgent    = errors.New("this user is not set up as an agent")
	ErrDeskState       = errors.New("not possible in the agent's present state")
)

// deskRoutes adds the agent desktop page and its API, and the screen pops
// (pop.go) they show. Every route acts for the logged-in user (desk_api.go).
func (s *Server) deskRoutes(add addRoute) {
	const (
		agent  = auth.RoleAgent
		socket = false // these act for a logged-in person
	)
	if s.deps.Customers == nil {
		s.deps.Customers = crm.New(s.deps.Store, crm.Config{}, s.deps.Log)
	}
	s.pops = newPopper(s.deps, s.deps.Customers)

	add("GET /agent", agent, socket, s.handleAgentPage)
	add("GET /api/desk/state", agent, socket, s.handleDeskState)
	for _, a := range deskActions {
		add("POST /api/desk/"+a.path, agent, socket, s.deskAction(a))
	}
	add("GET /api/customers", agent, socket, s.handleCustomerLookup)
	add("GET /api/customers/{id}", agent, socket, s.handleCustomerGet)
	add("POST /api/customers", agent, socket, s.handleCustomerCreate)
	add("PUT /api/customers/{id}", agent, socket, s.handleCustomerUpdate)
	add("POST /api/calls/{id}/notes", agent, socket, s.handleCallNote)
}
