package acd

import (
	"maps"

	"tracecall/telephony"
)

// The operations behind the ACD's methods, on the core.

func (c *core) queuedCall(id telephony.CallID) (*call, error) {
	if k := c.calls[id]; k != nil && k.state != callTalking {
		return k, nil
	}
	return nil, ErrUnknownCall
}

func (c *core) enqueue(pub Call) error {
	q := c.queueBy[pub.Queue]
	switch {
	case q == nil:
		return ErrUnknownQueue
	case pub.ID == "" || c.calls[pub.ID] != nil:
		return ErrDuplicateCall
	}
	pub.Data = maps.Clone(pub.Data)
	c.callSeq++
	k := &call{pub: pub, arrived: c.now, seq: c.callSeq, idx: -1}
	c.calls[pub.ID] = k
	c.join(k, q)
	return nil
}

func (c *core) leave(id telephony.CallID) error {
	k, err := c.queuedCall(id)
	if err != nil {
		return err
	}
	c.abandon(k)
	return nil
}

func (c *core) callEnded(id telephony.CallID) {
	switch k := c.calls[id]; {
	case k == nil:
	case c.callerLeft(k):
		// The caller hung up to be called back (callback.go): the request keeps its place.
	case k.state == callTalking:
		c.endTalk(k)
	default:
		c.abandon(k)
	}
}

func (c *core) offerResult(id telephony.CallID, a *agent, answered bool) error {
	k := c.calls[id]
	if k == nil || k.state != callRinging || a.call != k || a.state != StateRinging {
		return ErrNoOffer
	}
	if answered {
		c.answer(k, a)
		return nil
	}
	c.dropOffer(k, a, "rejected")
	c.requeue(k)
	c.afterMiss(a, k.q)
	return nil
}

func (c *core) login(a *agent) error {
	if a.state != StateLoggedOut {
		return ErrLoggedIn
	}
	a.missed = 0
	a.idleSince = c.now
	c.move(a, StateReady, "")
	return nil
}

func (c *core) logout(a *agent) error {
	switch a.state {
	case StateLoggedOut:
		return ErrLoggedOut
	case StateTalking:
		return ErrOnCall
	case StateRinging:
		k := a.call
		c.dropOffer(k, a, "agent")
		c.requeue(k)
	case StateWrapUp:
		c.closeWork(a)
	}
	a.pending = nil
	c.move(a, StateLoggedOut, "")
	return nil
}

func (c *core) setReady(a *agent) error {
	switch a.state {
	case StateLoggedOut:
		return ErrLoggedOut
	case StateRinging, StateTalking:
		return ErrOnCall
	case StateReady:
		return nil
	case StateWrapUp:
		c.closeWork(a)
	}
	a.missed = 0
	a.pending = nil
	c.move(a, StateReady, "")
	return nil
}

func (c *core) setNotReady(a *agent, reason string) error {
	switch a.state {
	case StateLoggedOut:
		return ErrLoggedOut
	case StateTalking:
		a.pending = &reason
		return nil
	case StateRinging:
		k := a.call
		c.dropOffer(k, a, "agent")
		c.requeue(k)
	case StateWrapUp:
		c.closeWork(a)
	}
	c.move(a, StateNotReady, reason)
	return nil
}

func (c *core) setReachable(a *agent, ok bool) {
	if a.down == !ok {
		return
	}
	if !ok && a.state == StateRinging {
		k := a.call
		c.dropOffer(k, a, "unavailable")
		c.requeue(k)
		c.move(a, StateReady, "")
	}
	wasFree, wasPresent := a.free(), a.present()
	a.down = !ok
	c.refresh(a, wasFree, wasPresent)
	c.publishAgent(a, a.state)
}
