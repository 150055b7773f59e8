package web

import (
	"context"

	"tracecall/crm"
	"tracecall/desk"
	"tracecall/screenpop"
	"tracecall/web/auth"
)

// Desk is what the agent desktop's buttons do, for the agent agentID (the
// agent's id in the ACD, which is their panel username); *desk.Desk is one,
// over the ACD and call control. The desktop learns what happened from
// /api/events, not from the answers, so every method returns as soon as the
// action is under way. The desk package's errors are the ones the desktop
// shows as such (desk_api.go).
type Desk interface {
	Login(ctx context.Context, agentID string) error
	Logout(ctx context.Context, agentID string) error
	SetReady(ctx context.Context, agentID string) error
	SetNotReady(ctx context.Context, agentID, reason string) error

	Answer(ctx context.Context, agentID string) error
	Hangup(ctx context.Context, agentID string) error
	Hold(ctx context.Context, agentID string, on bool) error
	Transfer(ctx context.Context, agentID string, to desk.Target, consult bool) error
	CompleteTransfer(ctx context.Context, agentID string) error
	CancelTransfer(ctx context.Context, agentID string) error
	Conference(ctx context.Context, agentID string) error
}

var _ Desk = (*desk.Desk)(nil)

// deskRoutes adds the agent desktop page and its API, and the screen pops
// (package screenpop) they show. Every route acts for the logged-in user (desk_api.go).
func (s *Server) deskRoutes(add addRoute) {
	const (
		agent  = auth.RoleAgent
		socket = false // these act for a logged-in person
	)
	if s.deps.Customers == nil {
		s.deps.Customers = crm.New(s.deps.Store, crm.Config{}, s.deps.Log)
	}
	s.pops = screenpop.New(screenpop.Deps{
		Store: s.deps.Store, Customers: s.deps.Customers, Bus: s.deps.Bus,
		TraceOptions: s.deps.TraceOptions, Location: s.deps.Location, Log: s.deps.Log,
	})

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
