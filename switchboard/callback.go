package switchboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tracecall/acd"
	"tracecall/telephony"
	"tracecall/telephony/media"
)

// CallbackRequest is a waiting caller asking to be called back.
type CallbackRequest struct {
	ID telephony.CallID
	// To is the caller on the driver that carried their call: "sim:13800138000"
	// dials a simulated phone, "sip:13800138000" the SIP trunk.
	To telephony.Address
	// From is the number presented to the caller: the hotline they dialled.
	From string
	// Call is the call as it was queued (queue, priority, the IVR's data such
	// as the trace code), so that transfers of the callback carry it on. Its
	// ID is ID; empty fields default to the caller's number and the hotline.
	Call acd.Call
}

// call is the connection's call for r.
func (r CallbackRequest) call() acd.Call {
	k := r.Call
	k.ID = r.ID
	if k.Caller == "" {
		k.Caller = r.To.User
	}
	if k.Called == "" {
		k.Called = r.From
	}
	return k
}

// pending is a callback request Run follows.
type pending struct {
	req     CallbackRequest
	w       *waiter
	release func() // lets the call end (Keeper)
}

// done ends p: its waiter goes, and its call may end once it has no legs.
func (b *Board) done(p pending) {
	b.unwait(p.req.ID, p.w)
	p.release()
}

// Callback makes r a callback request in the ACD and follows it until the
// caller has been called back, the ACD gives up, or Run stops. The caller may
// hang up as soon as it returns nil. ErrStopped: Run is not running.
func (b *Board) Callback(ctx context.Context, r CallbackRequest) error {
	if r.To.Driver == "" || r.To.User == "" {
		return fmt.Errorf("switchboard: callback %s: %w", r.ID, acd.ErrNoNumber)
	}
	if !b.canDial(r.To.Driver) {
		return fmt.Errorf("switchboard: callback %s: no driver %q to call back on", r.ID, r.To.Driver)
	}
	// The ACD first (it refuses a call already ringing an agent, who is about
	// to take it anyway), then the call's waiter: from here on an agent who
	// answers the request comes to this request, not to the queue node. The
	// call stays open, without legs once the caller hangs up, until the
	// request is over: the callback is the rest of the same call.
	if err := b.d.ACD.Callback(ctx, r.ID, r.To.User); err != nil {
		return err
	}
	p := pending{req: r, w: b.await(r.ID), release: b.keepOpen(r.ID)}
	// Not on ctx: a caller who hangs up meanwhile leaves the request
	// standing, so it is followed all the same.
	select {
	case b.reqs <- p:
		return nil
	case <-b.ended:
		b.done(p)
		return ErrStopped
	}
}

// follow serves one request: each agent who answers it is a try.
func (b *Board) follow(ctx context.Context, p pending) {
	defer b.done(p)
	log := b.log.With("call_id", p.req.ID, "number", p.req.To.String())
	for {
		var a answer
		select {
		case a = <-p.w.answers:
		case <-p.w.diverted:
			return
		case <-ctx.Done():
			return
		}
		if !b.try(ctx, log, p.req, a) {
			return
		}
	}
}

// try dials the caller for agent a, who hears ringback meanwhile, and when
// the caller answers connects them until the caller's part is over. It
// reports whether the request goes on (the ACD will offer it again).
func (b *Board) try(ctx context.Context, log *slog.Logger, r CallbackRequest, a answer) bool {
	// The agent may give up while the caller's phone rings: stop dialling.
	dialCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(a.leg.Context(), cancel)
	rung := make(chan struct{})
	go func() { defer close(rung); ringbackTo(dialCtx, a.leg) }()
	caller, err := b.d.Dialer.Dial(dialCtx, r.To, telephony.DialOptions{From: r.From, CallID: r.ID, Timeout: b.cfg.CallbackRingTimeout, AsCaller: true})
	stop()
	cancel()
	<-rung // the connection takes over the agent's media
	if err == nil && a.leg.Context().Err() != nil {
		_ = caller.Hangup(bg(), telephony.CauseNormal)
		err = errors.New("the agent hung up first")
	}
	if err != nil {
		_ = a.leg.Hangup(bg(), telephony.CauseNormal)
		if ctx.Err() != nil {
			return false
		}
		result := acd.CallbackNoAnswer
		if errors.Is(err, telephony.ErrUnavailable) {
			result = acd.CallbackBusy
		}
		log.Info("callback not answered", "result", result, "err", err)
		retry, rerr := b.d.ACD.CallbackResult(bg(), r.ID, result)
		if rerr != nil {
			log.Warn("reporting a callback try", "err", rerr)
		}
		return retry
	}
	if _, err := b.d.ACD.CallbackResult(bg(), r.ID, acd.CallbackAnswered); err != nil {
		log.Warn("reporting a callback answered", "err", err)
	}
	log.Info("caller called back", "agent", a.agent)
	// The connection runs until the caller's part is over (Run's ctx ending
	// ends it too), hangs up whoever is left and tells the ACD.
	if err := b.newConn(caller, r.call()).run(ctx, a); err != nil {
		log.Warn("callback connection ended", "err", err)
	}
	return false
}

// ringbackTo lets the agent on l hear the caller's phone ring (China's
// ringback tone) until ctx ends: one frame every 20 ms, so that it paces
// itself whatever the leg's writer does with frames written early.
func ringbackTo(ctx context.Context, l telephony.Leg) {
	_, w, err := l.Media()
	if err != nil {
		return // a leg without media (a desk phone over CTI) rings by itself
	}
	tone := media.NewCallProgress(media.ToneRingback)
	t := time.NewTicker(media.FrameDuration * time.Millisecond)
	defer t.Stop()
	var f media.Frame
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !tone.Next(&f) {
			f.Silence()
		}
		if w.WriteFrame(&f) != nil {
			return
		}
	}
}
