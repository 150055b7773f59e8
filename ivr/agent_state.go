package ivr

import (
	"context"
	"errors"
	"fmt"

	"tracecall/acd"
	"tracecall/telephony"
)

// AgentStates is the ACD as feature codes use it: find the agent of the
// phone that dialled, and change their state. *acd.ACD is one.
type AgentStates interface {
	AgentByExtension(ctx context.Context, ext telephony.Address) (string, error)
	Login(ctx context.Context, agentID string) error
	Logout(ctx context.Context, agentID string) error
	SetReady(ctx context.Context, agentID string) error
	SetNotReady(ctx context.Context, agentID, reason string) error
}

// Agent state actions, for agent_state nodes.
const (
	ActionLogin    = "login"
	ActionLogout   = "logout"
	ActionReady    = "ready"
	ActionNotReady = "not_ready"
)

// agentStatePrompts are said by agent_state nodes when the action did not
// apply: the phone is no agent's, the agent is not logged in, is on a call,
// something else failed, or the driver could not vouch for the calling
// number (agent_unverified).
var agentStatePrompts = []string{"agent_unknown", "agent_not_logged_in", "agent_on_call", "agent_failed", "agent_unverified"}

// errUnverified is an agent_state node's refusal of a leg whose calling
// number its driver does not vouch for.
var errUnverified = errors.New("calling number not verified by its driver")

// defaultNotReadyReason is the reason of a not_ready feature code whose node
// names none.
const defaultNotReadyReason = "phone"

func validateAgentState(n Node, key string, bad func(key, format string, a ...any), needPrompt func(key, name string)) {
	switch n.Action {
	case ActionLogin, ActionLogout, ActionReady, ActionNotReady:
	default:
		bad(key+".action", "%q: want %s, %s, %s or %s", n.Action, ActionLogin, ActionLogout, ActionReady, ActionNotReady)
	}
	if n.Prompt == "" {
		bad(key+".prompt", "missing: the prompt said when the action worked")
	} else {
		needPrompt(key+".prompt", n.Prompt)
	}
}

// agentState applies a feature code: the calling extension (driver:number of
// the leg) names the agent, the node's action is applied through the ACD,
// and the outcome is said. Already in the state asked for counts as done.
// A leg whose driver does not vouch for its calling number
// (LegInfo.FromVerified: anyone may put an agent's extension in a SIP From
// header) changes nothing: it hears agent_unverified, and the refusal is
// logged with the number it claimed.
func (r *run) agentState(ctx context.Context, n Node) (string, error) {
	ext := telephony.Address{Driver: r.info.Driver, User: r.info.From}
	prompt, err := "agent_unverified", errUnverified
	if r.info.FromVerified {
		prompt, err = r.applyAgentState(ctx, n, ext)
	}
	switch {
	case errors.Is(err, errUnverified):
		r.log.Warn("feature code refused: calling number not verified", "action", n.Action, "extension", ext.String())
	case err != nil:
		r.log.Warn("feature code", "action", n.Action, "extension", ext.String(), "err", err)
	default:
		r.log.Info("feature code", "action", n.Action, "extension", ext.String())
	}
	if err := r.prompt(ctx, prompt, nil, false); err != nil {
		return "", err
	}
	return n.Next, nil
}

// applyAgentState returns the prompt that says how the action went.
func (r *run) applyAgentState(ctx context.Context, n Node, ext telephony.Address) (string, error) {
	as := r.v.deps.AgentStates
	if as == nil {
		return "agent_failed", errors.New("no acd")
	}
	if ext.Driver == "" || ext.User == "" {
		return "agent_unknown", errors.New("no calling number")
	}
	id, err := as.AgentByExtension(ctx, ext)
	if err != nil {
		if errors.Is(err, acd.ErrUnknownAgent) {
			return "agent_unknown", err
		}
		return "agent_failed", err
	}
	switch n.Action {
	case ActionLogin:
		err = as.Login(ctx, id)
	case ActionLogout:
		err = as.Logout(ctx, id)
	case ActionReady:
		err = as.SetReady(ctx, id)
	case ActionNotReady:
		reason := n.Reason
		if reason == "" {
			reason = defaultNotReadyReason
		}
		err = as.SetNotReady(ctx, id, reason)
	default:
		err = fmt.Errorf("unknown action %q", n.Action)
	}
	switch {
	case err == nil,
		n.Action == ActionLogin && errors.Is(err, acd.ErrLoggedIn),
		n.Action == ActionLogout && errors.Is(err, acd.ErrLoggedOut):
		return n.Prompt, nil
	case errors.Is(err, acd.ErrLoggedOut):
		return "agent_not_logged_in", err
	case errors.Is(err, acd.ErrOnCall):
		return "agent_on_call", err
	}
	return "agent_failed", err
}
