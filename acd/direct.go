package acd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"tracecall/telephony"
)

// Direct offers: a call offered to one named agent (a transfer to that agent,
// or to whichever duty manager is free) rather than queued for any. The agent
// rings and talks as for a queued call — their state moves ringing → talking →
// wrap-up, CallOffered pops their screen with the call's Data — but the call
// never waits: if the agent lets it ring out, refuses it, or goes away while it
// rings, the ACD forgets it and hands out a Diversion with OverflowUnanswered, so
// whoever holds the caller can take them back.
//
// A direct call takes the settings of the queue named in Call.Queue (the queue
// the caller came from: ring timeout, missed-offer limit, wrap-up), or the
// defaults if there is none, and counts in no queue's figures.
//
// # Transfer calls: their own identity
//
// An agent talking to a caller who transfers them (blind or after
// consulting) starts a second call in the ACD while the first is still
// theirs, and both cannot share the ACD's key. So each party a transfer tries
// to reach through the ACD — a named agent, the duty manager, a queue — is a
// call of its own whose id is the caller's CallID with "/transfer/N" after it
// (TransferID; N counts the transfers made on the call). The ACD keys its
// state, the offer and the switchboard's dial by that id, and the phone leg dialled
// carries it; the first agent's part is ended with CallEnded(caller's CallID)
// whenever they leave, before or after the new party answers. Everything the
// ACD publishes about a transfer call is under the caller's CallID (CallOf),
// so the call record and the agent desktop see one call from first ring to
// last hangup, with every agent it reached. A transferred-to agent talks under
// the transfer id until their part ends (CallEnded of that id), and the
// snapshot shows that id as their call.

// OverflowUnanswered is the Overflow action a direct call is diverted with
// when the agent did not take it (rung out, refused, went away).
const OverflowUnanswered = "unanswered"

// ErrAgentBusy is returned by OfferTo for an agent who is not free (not ready,
// ringing, talking, in wrap-up, logged out or with an unreachable phone), and
// by OfferToRole when no agent with the role is free.
var ErrAgentBusy = errors.New("agent not free")

// transferSep separates a caller's CallID from the transfer number in a
// transfer call's id.
const transferSep = "/transfer/"

// TransferID returns the ACD id of the n-th transfer call made on call id.
func TransferID(id telephony.CallID, n int) telephony.CallID {
	return CallOf(id) + telephony.CallID(transferSep+strconv.Itoa(n))
}

// CallOf returns the caller's CallID of an ACD id: id itself, or the call a
// transfer id was made on.
func CallOf(id telephony.CallID) telephony.CallID {
	if i := strings.Index(string(id), transferSep); i >= 0 {
		return id[:i]
	}
	return id
}

// OfferTo rings agentID, and no one else, with k. k.ID must be new to the
// ACD: a TransferID while the caller's first agent still holds the call. The agent must be
// free (ErrAgentBusy). The outcome comes as for a queued call: the agent's
// answer (OfferResult), or a Diversion with OverflowUnanswered.
func (a *ACD) OfferTo(ctx context.Context, k Call, agentID string) error {
	err := a.do(ctx, func(c *core) error {
		ag, err := c.agentByID(agentID)
		if err != nil {
			return err
		}
		return c.offerDirect(k, ag)
	})
	if err != nil {
		return fmt.Errorf("acd: offer %s to %s: %w", k.ID, agentID, err)
	}
	return nil
}

// OfferToRole offers k directly (as OfferTo) to the free agent with role who
// has been idle longest, and returns who it is: how a call reaches "the duty
// manager". ErrAgentBusy when nobody with the role is free.
func (a *ACD) OfferToRole(ctx context.Context, k Call, role Role) (string, error) {
	var id string
	err := a.do(ctx, func(c *core) error {
		var best *agent
		for _, ag := range c.agents {
			if ag.cfg.Role == role && ag.free() && (best == nil || ag.idleSince.Before(best.idleSince)) {
				best = ag
			}
		}
		if best == nil {
			return ErrAgentBusy
		}
		id = best.cfg.ID
		return c.offerDirect(k, best)
	})
	if err != nil {
		return "", fmt.Errorf("acd: offer %s to a %s: %w", k.ID, role, err)
	}
	return id, nil
}

// Withdraw stops offering a call the caller's side no longer wants (a
// transfer cancelled while it rings). A direct call ringing is withdrawn from its agent
// (ready again, nothing counted); a queued call leaves its queue as with Leave.
// ErrUnknownCall if the call is not waiting or ringing.
func (a *ACD) Withdraw(ctx context.Context, id telephony.CallID) error {
	err := a.do(ctx, func(c *core) error {
		k, err := c.queuedCall(id)
		if err != nil {
			return err
		}
		if !k.direct {
			c.abandon(k)
			return nil
		}
		k.q.nRinging--
		c.forget(k)
		for _, ag := range append([]*agent(nil), k.ringing...) {
			c.dropOffer(k, ag, "withdrawn")
			c.move(ag, StateReady, "")
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("acd: withdraw %s: %w", id, err)
	}
	return nil
}

// offerDirect rings a with a new direct call.
func (c *core) offerDirect(pub Call, a *agent) error {
	switch {
	case pub.ID == "" || c.calls[pub.ID] != nil:
		return ErrDuplicateCall
	case !a.free():
		return ErrAgentBusy
	}
	pub.Data = maps.Clone(pub.Data)
	c.callSeq++
	q := c.directQueue(pub.Queue)
	k := &call{pub: pub, q: q, prio: pub.Priority, arrived: c.now, queued: c.now, seq: c.callSeq, idx: -1, direct: true}
	c.calls[pub.ID] = k
	c.offer(k, []*member{{a: a, q: q}})
	return nil
}

// directQueue is the stand-in queue a direct call rings from: the settings of
// the queue named origin, or the defaults, with no members and figures of its
// own that nobody reads.
func (c *core) directQueue(origin string) *queue {
	cfg := QueueConfig{Name: origin, RingTimeout: defaultRingTimeout, MaxNoAnswer: defaultMaxNoAnswer,
		ServiceLevel: defaultServiceLevel}
	if q := c.queueBy[origin]; q != nil {
		cfg.RingTimeout, cfg.MaxNoAnswer, cfg.WrapUp = q.cfg.RingTimeout, q.cfg.MaxNoAnswer, q.cfg.WrapUp
	}
	return &queue{cfg: cfg, cursor: -1, byPrio: make(map[int]int), waits: newSamples(0), handles: newSamples(0)}
}

// directMissed ends a direct call nobody took; requeue calls it instead of
// putting the call in a queue.
func (c *core) directMissed(k *call) {
	c.forget(k)
	if c.divert != nil {
		c.divert(k.pub, Overflow{Action: OverflowUnanswered})
	}
}
