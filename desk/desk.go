package desk

import (
	"context"
	"errors"
	"fmt"

	"tracecall/acd"
	"tracecall/switchboard"
)

// Agents is the part of the ACD the desk uses; *acd.ACD is one.
type Agents interface {
	Login(ctx context.Context, agentID string) error
	Logout(ctx context.Context, agentID string) error
	SetReady(ctx context.Context, agentID string) error
	SetNotReady(ctx context.Context, agentID, reason string) error
}

// Calls is the call control the desk uses; *switchboard.Board is one.
type Calls interface {
	Answer(ctx context.Context, agentID string) error
	Hangup(ctx context.Context, agentID string) error
	Hold(ctx context.Context, agentID string, on bool) error
	Transfer(ctx context.Context, agentID string, to switchboard.Target, consult bool) error
	CompleteTransfer(ctx context.Context, agentID string) error
	CancelTransfer(ctx context.Context, agentID string) error
	Conference(ctx context.Context, agentID string) error
}

// Target is where a transfer goes.
type Target struct {
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

// Desk is what the agent desktop's buttons do, for the agent agentID (the
// agent's id in the ACD, which is their panel username): agent state goes to
// the ACD, the call the agent is on to call control. Every method returns as
// soon as the action is under way.
type Desk struct {
	agents Agents
	calls  Calls
}

// New returns the desk over the ACD and call control.
func New(agents Agents, calls Calls) *Desk {
	return &Desk{agents: agents, calls: calls}
}

// Login signs the agent in to the ACD's queues.
func (d *Desk) Login(ctx context.Context, agentID string) error {
	return agentError(d.agents.Login(ctx, agentID))
}

// Logout signs the agent out of the ACD's queues.
func (d *Desk) Logout(ctx context.Context, agentID string) error {
	return agentError(d.agents.Logout(ctx, agentID))
}

// SetReady says the agent takes calls now; it also ends wrap-up early.
func (d *Desk) SetReady(ctx context.Context, agentID string) error {
	return agentError(d.agents.SetReady(ctx, agentID))
}

// SetNotReady says the agent takes no calls, for reason.
func (d *Desk) SetNotReady(ctx context.Context, agentID, reason string) error {
	return agentError(d.agents.SetNotReady(ctx, agentID, reason))
}

// agentError puts the ACD's refusals of a state change in the desktop's terms:
// a user who is no agent, or a change the agent's state does not allow.
func agentError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, acd.ErrUnknownAgent):
		return fmt.Errorf("%w: %w", ErrNotAgent, err)
	case errors.Is(err, acd.ErrLoggedOut), errors.Is(err, acd.ErrLoggedIn), errors.Is(err, acd.ErrOnCall):
		return fmt.Errorf("%w: %w", ErrState, err)
	}
	return err
}

// Answer picks up the agent's ringing phone: ErrNoCall when it does not
// ring, ErrCannotAnswer when it cannot be answered from the desktop (the
// package doc says which can).
func (d *Desk) Answer(ctx context.Context, agentID string) error {
	err := d.calls.Answer(ctx, agentID)
	if errors.Is(err, switchboard.ErrUnsupported) {
		return fmt.Errorf("%w: %w", ErrCannotAnswer, err)
	}
	return callError(err)
}

// Hangup ends the agent's part of the call: the caller goes on (to a
// consulted party, a conference) or is hung up when nobody is left.
func (d *Desk) Hangup(ctx context.Context, agentID string) error {
	return callError(d.calls.Hangup(ctx, agentID))
}

// Hold puts the caller on hold (they hear music) or takes them off it.
func (d *Desk) Hold(ctx context.Context, agentID string, on bool) error {
	return callError(d.calls.Hold(ctx, agentID, on))
}

// Transfer sends the caller to another party with the call's data (trace
// code, IVR path, who sent it). Blind: the agent leaves at once. Consult:
// the caller is held while the agent talks to the party; then
// CompleteTransfer joins caller and party and drops the agent,
// CancelTransfer drops the party and takes the caller back, and Conference
// joins all three.
func (d *Desk) Transfer(ctx context.Context, agentID string, to Target, consult bool) error {
	var kind string
	switch to.Kind {
	case TargetAgent:
		kind = switchboard.TargetAgent
	case TargetQueue:
		kind = switchboard.TargetQueue
	case TargetNumber:
		kind = switchboard.TargetNumber
	case TargetDutyManager:
		kind = switchboard.TargetDutyManager
	default:
		return fmt.Errorf("%w: kind %q", ErrBadTarget, to.Kind)
	}
	return callError(d.calls.Transfer(ctx, agentID, switchboard.Target{Kind: kind, Value: to.Value}, consult))
}

// CompleteTransfer joins the caller to the consulted party and drops the
// agent.
func (d *Desk) CompleteTransfer(ctx context.Context, agentID string) error {
	return callError(d.calls.CompleteTransfer(ctx, agentID))
}

// CancelTransfer drops the consulted party and gives the caller back to the
// agent.
func (d *Desk) CancelTransfer(ctx context.Context, agentID string) error {
	return callError(d.calls.CancelTransfer(ctx, agentID))
}

// Conference joins the caller, the agent and the consulted party.
func (d *Desk) Conference(ctx context.Context, agentID string) error {
	return callError(d.calls.Conference(ctx, agentID))
}

// callError puts the switchboard's errors in the terms the desktop shows,
// keeping the detail.
func callError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, switchboard.ErrUnsupported):
		return fmt.Errorf("%w: %w", ErrUnsupported, err)
	case errors.Is(err, switchboard.ErrNoCall), errors.Is(err, switchboard.ErrNoTransfer),
		errors.Is(err, switchboard.ErrNotRinging):
		return fmt.Errorf("%w: %w", ErrNoCall, err)
	case errors.Is(err, switchboard.ErrBadTarget), errors.Is(err, switchboard.ErrTargetBusy):
		return fmt.Errorf("%w: %w", ErrBadTarget, err)
	}
	return err
}

var (
	_ Agents = (*acd.ACD)(nil)
	_ Calls  = (*switchboard.Board)(nil)
)
