package ivr

import (
	"context"
	"errors"

	"tracecall/acd"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/event"
)

// Callbacks takes a waiting caller's request to be called back;
// *switchboard.Board is one. Once Callback returns nil the ACD holds the
// request in the caller's place, and the caller may hang up.
type Callbacks interface {
	Callback(ctx context.Context, r switchboard.CallbackRequest) error
}

// callbackOn reports whether * on hold offers a callback in queue node n: the
// node has the prompts, the daemon a dialler, and the caller a number. A
// number no network asserts (LegInfo.FromAsserted false) is still offered the
// key, to hear callback_unavailable: the appliance calls back only numbers
// the trunk, a peer or an authenticated phone vouches for.
func (r *run) callbackOn(n Node) bool {
	return n.Callback != "" && r.v.deps.Callbacks != nil && r.info.From != ""
}

// holdKey handles the keys pressed on hold: * offers a callback, keys before
// it are dropped, and keys after it (typed ahead, as callers do: * then 1)
// answer the confirmation. It reports whether the caller asked for a callback
// and the request was taken; the queue node then says goodbye and hangs up.
func (r *run) holdKey(ctx context.Context, n Node) bool {
	star := false
	for !star && r.s.PendingDigits() > 0 {
		star = (<-r.s.Digits()).Key == '*'
	}
	if !star || !r.callbackOn(n) {
		return false
	}
	if !r.info.FromAsserted {
		// Anyone may write any number in a SIP From: calling it back
		// would ring whoever the caller named, in the hotline's name.
		r.log.Info("callback refused: no network vouches for the calling number", "from", r.info.From)
		_ = r.prompt(ctx, n.CallbackUnavailable, nil, false)
		return false // back to holding, in the same place
	}
	vars := map[string]string{"tail": spellDigits(r.lang, tail(r.info.From, 4))}
	if err := r.prompt(ctx, n.Callback, vars, true); err != nil {
		return false
	}
	d, ok, err := r.key(ctx, r.v.cfg.MenuTimeout)
	if err != nil || !ok {
		return false
	}
	r.v.deps.Events.Publish(event.DigitsCollected{Base: r.base(), Node: "callback", Value: string(d.Key)})
	if d.Key != '1' {
		return false // back to holding, in the same place
	}
	req := switchboard.CallbackRequest{
		ID:   r.info.CallID,
		To:   telephony.Address{Driver: r.info.Driver, User: r.info.From},
		From: r.info.To,
		// The call as the queue node queued it, so that a transfer of the
		// callback carries the trace code on.
		Call: r.queuedCall(ctx, n),
	}
	if err := r.v.deps.Callbacks.Callback(ctx, req); err != nil {
		if !errors.Is(err, context.Canceled) {
			r.log.Warn("callback request refused; the caller holds on", "err", err)
		}
		return false
	}
	r.log.Info("caller asked to be called back", "queue", n.Queue)
	_ = r.prompt(ctx, n.CallbackDone, vars, false)
	return true
}

// DataCallerUnverified is the key of acd.Call.Data that is "1" when the
// caller's number is only what the caller wrote (LegInfo.FromAsserted
// false), so that the agent's screen pop marks it as not verified.
const DataCallerUnverified = "caller_unverified"

// queuedCall is the call a queue node queues (or asks to call back): the
// caller's number, their VIP priority, and the IVR's data (the flow, the
// trace code). The customer book's priority is granted only to a number the
// network asserts: a stranger could otherwise jump the queue by writing a
// VIP's number in the From of an INVITE sent straight to the appliance.
func (r *run) queuedCall(ctx context.Context, n Node) acd.Call {
	call := acd.Call{ID: r.info.CallID, Caller: r.info.From, Called: r.info.To, Queue: n.Queue,
		Data: map[string]string{"ivr_flow": r.flowName}}
	if r.chain != nil {
		call.Data["trace_code"] = r.chain.TraceCode
	}
	if !r.info.FromAsserted {
		call.Data[DataCallerUnverified] = "1"
	} else if c := r.v.deps.Customers; c != nil {
		call.Priority = c.Priority(ctx, r.info.From)
	}
	return call
}

// tail is the last n characters of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
