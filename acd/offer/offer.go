package offer

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"tracecall/acd"
	"tracecall/telephony"
)

// Results is the part of the ACD an Offerer reports to; *acd.ACD is one.
type Results interface {
	OfferResult(ctx context.Context, id telephony.CallID, agentID string, answered bool) error
	CallEnded(ctx context.Context, id telephony.CallID) error
}

// Offerer rings agents through the core, on the drivers their extensions name.
type Offerer struct {
	dialer telephony.Dialer
	log    *slog.Logger

	// mu guards results and waiting.
	mu      sync.Mutex
	results Results
	waiting map[telephony.CallID]*waiter
}

type waiter struct {
	legs     chan telephony.Leg // buffered 1: the agent who answered
	diverted chan acd.Overflow  // buffered 1: where the queue sent the call
}

// New returns an Offerer that dials through the core's dialer. Attach the
// ACD before it runs.
func New(dialer telephony.Dialer, log *slog.Logger) *Offerer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Offerer{dialer: dialer, log: log, waiting: make(map[telephony.CallID]*waiter)}
}

// Attach says where offer outcomes go. The ACD takes the Offerer when it is
// made, so the two are tied after both exist.
func (o *Offerer) Attach(r Results) {
	o.mu.Lock()
	o.results = r
	o.mu.Unlock()
}

// Await registers the call id of a caller about to be queued: answered delivers
// the agent's leg once an agent picks up, diverted the overflow when the queue
// sends the call on to a goodbye or voicemail. done unregisters; an agent leg
// delivered but never received is then hung up. Call done exactly once.
func (o *Offerer) Await(id telephony.CallID) (answered <-chan telephony.Leg, diverted <-chan acd.Overflow, done func()) {
	w := &waiter{legs: make(chan telephony.Leg, 1), diverted: make(chan acd.Overflow, 1)}
	o.mu.Lock()
	o.waiting[id] = w
	o.mu.Unlock()
	return w.legs, w.diverted, func() {
		o.mu.Lock()
		if o.waiting[id] == w {
			delete(o.waiting, id)
		}
		o.mu.Unlock()
		select {
		case l := <-w.legs:
			_ = l.Hangup(context.Background(), telephony.CauseNormal)
		default:
		}
	}
}

// Offer rings agent's extension for call and reports the outcome; see
// acd.Offerer.
func (o *Offerer) Offer(ctx context.Context, agent acd.Agent, call acd.Call) {
	log := o.log.With("call_id", call.ID, "agent", agent.ID, "extension", agent.Extension.String())
	o.mu.Lock()
	res := o.results
	o.mu.Unlock()
	if res == nil {
		log.Error("offer before the acd was attached")
		return
	}
	bg := context.WithoutCancel(ctx)
	if !o.dialer.CanDial(agent.Extension.Driver) {
		log.Warn("no driver for the agent's extension")
		o.report(bg, res, log, call.ID, agent.ID, false)
		return
	}
	// The agent's leg joins the caller's call, a transfer's offer too.
	leg, err := o.dialer.Dial(ctx, agent.Extension, telephony.DialOptions{From: call.Caller, CallID: acd.CallOf(call.ID)})
	if err != nil {
		if ctx.Err() != nil {
			return // the offer is over: rung out, withdrawn or the ACD stopping
		}
		log.Info("agent phone did not take the call", "err", err)
		o.report(bg, res, log, call.ID, agent.ID, false)
		return
	}
	if err := res.OfferResult(bg, call.ID, agent.ID, true); err != nil {
		if !errors.Is(err, acd.ErrNoOffer) {
			log.Warn("reporting an answer", "err", err)
		}
		_ = leg.Hangup(bg, telephony.CauseNormal)
		return
	}
	switch o.deliver(call.ID, leg) {
	case delivered:
	case taken:
		log.Warn("a second agent answered the same call; dropping the phone")
		_ = leg.Hangup(bg, telephony.CauseNormal)
	case gone:
		log.Info("caller gone before the agent was connected")
		_ = leg.Hangup(bg, telephony.CauseNormal)
		if err := res.CallEnded(bg, call.ID); err != nil {
			log.Warn("telling the acd the call ended", "err", err)
		}
	}
}

func (o *Offerer) report(ctx context.Context, res Results, log *slog.Logger, id telephony.CallID, agentID string, answered bool) {
	if err := res.OfferResult(ctx, id, agentID, answered); err != nil && !errors.Is(err, acd.ErrNoOffer) {
		log.Warn("reporting an offer", "err", err)
	}
}

// Outcomes of deliver.
const (
	delivered = iota
	taken     // the caller already has an agent (the ACD should have said ErrNoOffer)
	gone      // nobody waits for the call any more
)

// deliver hands an answered agent leg to the caller's waiter.
func (o *Offerer) deliver(id telephony.CallID, l telephony.Leg) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	w, ok := o.waiting[id]
	if !ok {
		return gone
	}
	select {
	case w.legs <- l:
		return delivered
	default:
		return taken
	}
}

// Divert passes the queue's overflow to the caller's waiter; the app holding
// the caller plays the goodbye (or takes the message).
func (o *Offerer) Divert(ctx context.Context, call acd.Call, to acd.Overflow) {
	o.mu.Lock()
	w, ok := o.waiting[call.ID]
	o.mu.Unlock()
	if !ok {
		o.log.Info("diverted call has no waiter", "call_id", call.ID, "overflow", to.String())
		return
	}
	select {
	case w.diverted <- to:
	default:
	}
}

var (
	_ acd.Offerer  = (*Offerer)(nil)
	_ acd.Diverter = (*Offerer)(nil)
)
