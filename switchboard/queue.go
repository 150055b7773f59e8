package switchboard

import (
	"context"
	"fmt"

	"tracecall/acd"
	"tracecall/telephony"
)

// Holder keeps a queued caller company: the IVR's queue node, which plays
// hold music and announcements on the caller's leg.
type Holder interface {
	// Hold keeps the caller waiting and returns when ctx ends (an agent
	// answered, or the queue sent the call on) or when the caller is done
	// waiting (they hung up, or asked to be called back and were told
	// goodbye).
	Hold(ctx context.Context)
	// Release gives the caller's media up to the board, after Hold has
	// returned because an agent answered: the caller is about to join them.
	Release(ctx context.Context) error
}

// Outcome is how a caller's time in Queue ended. With neither field set the
// caller left without an agent: they hung up, or asked to be called back.
type Outcome struct {
	// Agent is the agent who answered the caller. The caller's part of the
	// call is over: the board connected them and ran the connection to its
	// end.
	Agent string
	// Overflow is where the queue sent the call instead (goodbye,
	// voicemail); the caller is still on the line, with the holder. Nil
	// unless the queue diverted the call.
	Overflow *acd.Overflow
}

// Queue puts call in its ACD queue and holds the caller there, through h,
// until an agent answers, the queue sends the call on, or the caller is done
// waiting. When an agent answers, Queue connects the caller to them and runs
// the connection — hold, transfers, conference — until the caller's part is
// over (see Connections in the package doc), and returns the agent. Whatever
// happens, the ACD hears that the caller's part is over when Queue returns:
// a caller who hung up while waiting has abandoned, an agent who talked goes
// to wrap-up. Queue ends with the caller's leg whatever ctx is, and earlier
// if ctx ends.
//
// Queue returns an error only when the ACD refused the call (no such queue,
// a duplicate id); the caller is then still with the holder.
func (b *Board) Queue(ctx context.Context, caller telephony.Leg, call acd.Call, h Holder) (Outcome, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(caller.Context(), cancel)()
	w := b.await(call.ID)
	defer b.unwait(call.ID, w)
	if err := b.d.ACD.Enqueue(ctx, call); err != nil {
		return Outcome{}, fmt.Errorf("switchboard: queue %s: %w", call.ID, err)
	}
	log := b.log.With("call_id", call.ID)
	defer func() {
		if err := b.d.ACD.CallEnded(bg(), call.ID); err != nil {
			log.Warn("telling the acd the call ended", "err", err)
		}
	}()

	holdCtx, stopHold := context.WithCancel(ctx)
	defer stopHold()
	var got *answer
	var div *acd.Overflow
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case a := <-w.answers:
			got = &a
		case o := <-w.diverted:
			div = &o
		case <-holdCtx.Done():
		}
		stopHold()
	}()
	h.Hold(holdCtx)
	stopHold()
	<-watched

	switch {
	case ctx.Err() != nil:
		if got != nil {
			_ = got.leg.Hangup(bg(), telephony.CauseNormal)
		}
		return Outcome{}, nil
	case got != nil:
		if err := h.Release(ctx); err != nil {
			_ = got.leg.Hangup(bg(), telephony.CauseNormal)
			return Outcome{}, nil
		}
		if err := b.newConn(caller, call).run(ctx, *got); err != nil {
			log.Warn("connection ended", "err", err)
		}
		return Outcome{Agent: got.agent}, nil
	case div != nil:
		log.Info("queue sent the call on", "queue", call.Queue, "overflow", div.String())
		return Outcome{Overflow: div}, nil
	}
	return Outcome{}, nil // done waiting
}
