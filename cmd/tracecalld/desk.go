package main

import (
	"context"
	"errors"
	"fmt"

	"tracecall/acd"
	"tracecall/drivers/sim"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/web"
)

// desk is the agent desktop's web.Desk: agent state goes to the ACD, the
// call the agent is on to the switchboard.
type desk struct {
	acd   *acd.ACD
	board *switchboard.Board
}

// Login signs the agent in. An agent signed in already (by -demo, or by *21
// from the phone) is where 签入 asks to be: that is no error, as the feature
// code's flow says 已签入 for it too.
func (d desk) Login(ctx context.Context, agentID string) error {
	if err := d.acd.Login(ctx, agentID); !errors.Is(err, acd.ErrLoggedIn) {
		return agentError(err)
	}
	return nil
}

// Logout signs the agent out; one signed out already is no error (as Login).
func (d desk) Logout(ctx context.Context, agentID string) error {
	if err := d.acd.Logout(ctx, agentID); !errors.Is(err, acd.ErrLoggedOut) {
		return agentError(err)
	}
	return nil
}

func (d desk) SetReady(ctx context.Context, agentID string) error {
	return agentError(d.acd.SetReady(ctx, agentID))
}

func (d desk) SetNotReady(ctx context.Context, agentID, reason string) error {
	return agentError(d.acd.SetNotReady(ctx, agentID, reason))
}

// agentError puts the ACD's refusals of a state change in the desktop's terms:
// a user who is no agent, or a change the agent's state does not allow.
func agentError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, acd.ErrUnknownAgent):
		return fmt.Errorf("%w: %w", web.ErrDeskNotAgent, err)
	case errors.Is(err, acd.ErrLoggedOut), errors.Is(err, acd.ErrLoggedIn), errors.Is(err, acd.ErrOnCall):
		return fmt.Errorf("%w: %w", web.ErrDeskState, err)
	}
	return err
}

func (d desk) Answer(ctx context.Context, agentID string) error {
	return deskError(d.board.Answer(ctx, agentID))
}

func (d desk) Hangup(ctx context.Context, agentID string) error {
	return deskError(d.board.Hangup(ctx, agentID))
}

func (d desk) Hold(ctx context.Context, agentID string, on bool) error {
	return deskError(d.board.Hold(ctx, agentID, on))
}

func (d desk) Transfer(ctx context.Context, agentID string, to web.TransferTarget, consult bool) error {
	var kind string
	switch to.Kind {
	case web.TargetAgent:
		kind = switchboard.TargetAgent
	case web.TargetQueue:
		kind = switchboard.TargetQueue
	case web.TargetNumber:
		kind = switchboard.TargetNumber
	case web.TargetDutyManager:
		kind = switchboard.TargetDutyManager
	default:
		return fmt.Errorf("%w: kind %q", web.ErrDeskBadTarget, to.Kind)
	}
	return deskError(d.board.Transfer(ctx, agentID, switchboard.Target{Kind: kind, Value: to.Value}, consult))
}

func (d desk) CompleteTransfer(ctx context.Context, agentID string) error {
	return deskError(d.board.CompleteTransfer(ctx, agentID))
}

func (d desk) CancelTransfer(ctx context.Context, agentID string) error {
	return deskError(d.board.CancelTransfer(ctx, agentID))
}

func (d desk) Conference(ctx context.Context, agentID string) error {
	return deskError(d.board.Conference(ctx, agentID))
}

// deskError puts the switchboard's errors in the terms the desktop shows,
// keeping the detail.
func deskError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, switchboard.ErrUnsupported):
		return fmt.Errorf("%w: %w", web.ErrDeskUnsupported, err)
	case errors.Is(err, switchboard.ErrNoCall), errors.Is(err, switchboard.ErrNoTransfer),
		errors.Is(err, switchboard.ErrNotRinging):
		return fmt.Errorf("%w: %w", web.ErrDeskNoCall, err)
	case errors.Is(err, switchboard.ErrBadTarget), errors.Is(err, switchboard.ErrTargetBusy):
		return fmt.Errorf("%w: %w", web.ErrDeskBadTarget, err)
	}
	return err
}

// deskPickups are the phones the desktop can answer: the simulated ones.
func deskPickups(drivers []telephony.Driver) map[string]switchboard.Pickup {
	out := make(map[string]switchboard.Pickup)
	for _, d := range drivers {
		if s, ok := d.(*sim.Driver); ok {
			out[s.Name()] = simPickup{s}
		}
	}
	return out
}

// simPickup answers a simulated agent phone from the desktop.
type simPickup struct{ d *sim.Driver }

func (p simPickup) Pickup(_ context.Context, ext telephony.Address) error {
	ph, ok := p.d.Phone(ext.User)
	if !ok {
		return fmt.Errorf("no simulated phone %s: %w", ext.User, switchboard.ErrNotRinging)
	}
	return ph.Answer()
}

var _ web.Desk = desk{}
