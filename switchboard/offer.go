package switchboard

import (
	"context"
	"errors"

	"tracecall/acd"
	"tracecall/telephony"
)

// answer is an agent who picked up an offer: who they are, and their phone's
// leg. It is what a caller waiting for an agent receives, so that nobody has
// to work out again whose leg it is.
type answer struct {
	agent string // the agent's id
	leg   telephony.Leg
}

// waiter is someone holding a caller (a queued caller, a transfer, a callback
// request) until an agent answers the call's offer or the ACD sends it on.
type waiter struct {
	answers  chan answer       // buffered 1: the agent who answered
	diverted chan acd.Overflow // buffered 1: where the queue sent the call
}

// await registers a waiter for call id; whoever registers last for an id
// gets its answers (a callback request takes over from the queue node that
// took it). Call unwait when done.
func (b *Board) await(id telephony.CallID) *waiter {
	w := &waiter{answers: make(chan answer, 1), diverted: make(chan acd.Overflow, 1)}
	b.mu.Lock()
	b.waiting[id] = w
	b.mu.Unlock()
	return w
}

// unwait unregisters w; an agent's leg delivered to it but never taken is
// hung up.
func (b *Board) unwait(id telephony.CallID, w *waiter) {
	b.mu.Lock()
	if b.waiting[id] == w {
		delete(b.waiting, id)
	}
	b.mu.Unlock()
	select {
	case a := <-w.answers:
		_ = a.leg.Hangup(bg(), telephony.CauseNormal)
	default:
	}
}

// ring rings the agent of offer o through the Dialer, with the caller's call
// id (a transfer's offer too: acd.CallOf) so that the agent's leg joins the
// caller's call, until the offer is over or Run stops, reports the outcome to
// the ACD and hands an answer to the waiter of the offer's id.
func (b *Board) ring(ctx context.Context, o acd.Offer) {
	agent, call := o.Agent, o.Call
	log := b.log.With("call_id", call.ID, "agent", agent.ID, "extension", agent.Extension.String())
	dctx, cancel := context.WithCancel(o.Context())
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	leg, err := b.d.Dialer.Dial(dctx, agent.Extension, telephony.DialOptions{From: call.Caller, CallID: acd.CallOf(call.ID)})
	if err != nil {
		if dctx.Err() != nil {
			return // the offer is over: rung out, withdrawn or the ACD stopping
		}
		log.Info("agent phone did not take the call", "err", err)
		if err := b.d.ACD.OfferResult(bg(), call.ID, agent.ID, false); err != nil && !errors.Is(err, acd.ErrNoOffer) {
			log.Warn("reporting an offer", "err", err)
		}
		return
	}
	if err := b.d.ACD.OfferResult(bg(), call.ID, agent.ID, true); err != nil {
		if !errors.Is(err, acd.ErrNoOffer) {
			log.Warn("reporting an answer", "err", err)
		}
		_ = leg.Hangup(bg(), telephony.CauseNormal)
		return
	}
	switch b.deliver(call.ID, answer{agent: agent.ID, leg: leg}) {
	case delivered:
	case taken:
		log.Warn("a second agent answered the same call; dropping the phone")
		_ = leg.Hangup(bg(), telephony.CauseNormal)
	case gone:
		log.Info("caller gone before the agent was connected")
		_ = leg.Hangup(bg(), telephony.CauseNormal)
		if err := b.d.ACD.CallEnded(bg(), call.ID); err != nil {
			log.Warn("telling the acd the call ended", "err", err)
		}
	}
}

// Outcomes of deliver.
const (
	delivered = iota
	taken     // the caller already has an agent (the ACD should have said ErrNoOffer)
	gone      // nobody waits for the call any more
)

// deliver hands an answer to the call's waiter.
func (b *Board) deliver(id telephony.CallID, a answer) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	w, ok := b.waiting[id]
	if !ok {
		return gone
	}
	select {
	case w.answers <- a:
		return delivered
	default:
		return taken
	}
}

// divert passes the queue's overflow to the call's waiter, who plays the
// goodbye (or takes the message).
func (b *Board) divert(d acd.Diversion) {
	b.mu.Lock()
	w, ok := b.waiting[d.Call.ID]
	b.mu.Unlock()
	if !ok {
		b.log.Info("diverted call has no waiter", "call_id", d.Call.ID, "overflow", d.To.String())
		return
	}
	select {
	case w.diverted <- d.To:
	default:
	}
}
