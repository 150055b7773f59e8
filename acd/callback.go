package acd

import (
	"context"
	"fmt"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
)

// Callbacks: a waiting caller may ask to be called back instead of holding
// (the IVR's queue node, on *). The request stays the same entry in the ACD,
// with the same call id, so it keeps the caller's place; when it reaches the
// head it is offered to an agent like a call, with Data[DataCallback] set, and
// once the agent answers the telephony side dials the caller and reports how
// that went with CallbackResult.

// CallbackConfig is [acd.callback].
type CallbackConfig struct {
	// Tries is how many times the caller is dialled back before the request is
	// recorded as failed. Default 3.
	Tries int `toml:"tries"`
	// RetryAfter is how long a request whose caller did not answer waits
	// before it is offered to an agent again (keeping its place). Default 2m.
	RetryAfter time.Duration `toml:"retry_after"`
	// RingTimeout is how long the caller's phone rings on each try. Default 30s.
	RingTimeout time.Duration `toml:"ring_timeout"`
}

// Defaults of CallbackConfig.
const (
	defaultCallbackTries      = 3
	defaultCallbackRetryAfter = 2 * time.Minute
	defaultCallbackRing       = 30 * time.Second
)

func (c CallbackConfig) withDefaults() CallbackConfig {
	if c.Tries == 0 {
		c.Tries = defaultCallbackTries
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = defaultCallbackRetryAfter
	}
	if c.RingTimeout == 0 {
		c.RingTimeout = defaultCallbackRing
	}
	return c
}

func (c CallbackConfig) validate() []error {
	var errs []error
	if c.Tries < 0 || c.Tries > 20 {
		errs = append(errs, fmt.Errorf("acd.callback.tries: %d: want 1..20", c.Tries))
	}
	if c.RetryAfter < 0 {
		errs = append(errs, fmt.Errorf("acd.callback.retry_after: must not be negative"))
	}
	if c.RingTimeout < 0 {
		errs = append(errs, fmt.Errorf("acd.callback.ring_timeout: must not be negative"))
	}
	return errs
}

// Keys of Call.Data on a callback request, for the agent's screen and the
// dialler.
const (
	DataCallback        = "callback"         // "1" on a callback request
	DataCallbackNumber  = "callback_number"  // the number to call back
	DataCallbackAttempt = "callback_attempt" // the try the offer is for: "1", "2"...
)

// Results of a callback try, for CallbackResult and event.CallbackAttempted.
const (
	CallbackAnswered = "answered"
	CallbackNoAnswer = "no_answer"
	CallbackBusy     = "busy"
	CallbackFailed   = "failed"
)

// callback is a request's state, on its call.
type callback struct {
	number   string
	attempts int    // tries made
	parked   bool   // out of the heaps until the retry after an unanswered try
	round    uint64 // bumps on each retry timer; the timer compares
	left     bool   // the waiting caller's own call was reported ended
}

// callerLeft handles CallEnded for a callback request and reports whether it
// is the waiting caller hanging up, which leaves the request in its place.
// The app that held the caller reports that once, when its leg ends, which
// may be after the goodbye it says once the request is taken: by then an
// agent who became free may be talking to the called-back caller, and that
// report must not end their call. So the first CallEnded after the request
// is always the caller's, and so is any while nobody talks on the request;
// only a later one, while an agent talks, ends the callback call.
func (c *core) callerLeft(k *call) bool {
	switch {
	case k.cb == nil:
		return false
	case !k.cb.left:
		k.cb.left = true
		return true
	}
	return k.state != callTalking
}

// Callback turns a caller waiting in a queue into a callback request to
// number: the entry keeps its place, the caller may hang up (CallEnded no
// longer abandons it) and max wait no longer sends it on. The first CallEnded
// after the request is taken as that hangup however late it comes, even while
// an agent already talks to the called-back caller; a later one ends the
// callback call. A call ringing an
// agent is refused with ErrOnCall: the agent is about to take it. Asking
// twice is harmless.
func (a *ACD) Callback(ctx context.Context, id telephony.CallID, number string) error {
	if err := a.do(ctx, func(c *core) error { return c.requestCallback(id, number) }); err != nil {
		return fmt.Errorf("acd: callback %s: %w", id, err)
	}
	return nil
}

// CallbackResult reports how dialling the caller back went for the agent who
// took the request: answered (result CallbackAnswered; the call goes on like
// any answered call and ends with CallEnded) or not. When not, the agent is
// free again at once (no wrap-up), and the request waits RetryAfter and is
// offered again in its old place, unless that was the last try: then it is
// dropped and event.CallbackFailed published. retry says whether it will be
// offered again.
func (a *ACD) CallbackResult(ctx context.Context, id telephony.CallID, result string) (retry bool, err error) {
	err = a.do(ctx, func(c *core) error {
		var err error
		retry, err = c.callbackResult(id, result)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("acd: callback result %s: %w", id, err)
	}
	return retry, nil
}

func (c *core) requestCallback(id telephony.CallID, number string) error {
	k, err := c.queuedCall(id)
	switch {
	case err != nil:
		return err
	case number == "":
		return ErrNoNumber
	case k.cb != nil:
		return nil
	case k.state == callRinging:
		return ErrOnCall // an agent is about to take the call itself
	}
	k.cb = &callback{number: number}
	if k.pub.Data == nil {
		k.pub.Data = make(map[string]string)
	}
	k.pub.Data[DataCallback] = "1"
	k.pub.Data[DataCallbackNumber] = number
	k.pub.Data[DataCallbackAttempt] = "1"
	c.publish(event.CallbackRequested{Base: c.base(k), Queue: k.q.cfg.Name, Number: number, Position: c.position(k)})
	return nil
}

func (c *core) callbackResult(id telephony.CallID, result string) (bool, error) {
	k := c.calls[id]
	if k == nil || k.cb == nil || k.state != callTalking {
		return false, ErrUnknownCall
	}
	cb, q, a := k.cb, k.q, k.agent
	cb.attempts++
	c.publish(event.CallbackAttempted{Base: c.base(k), Queue: q.cfg.Name, Agent: a.cfg.ID,
		Number: cb.number, Attempt: cb.attempts, Result: result})
	if result == CallbackAnswered {
		return false, nil
	}
	// The agent spoke to nobody: free them now, with no handle time counted.
	k.agent, a.call, a.workQ = nil, nil, nil
	c.finishWork(a)
	cfg := c.cfg.Callback.withDefaults()
	if cb.attempts >= cfg.Tries {
		c.forget(k)
		c.publish(event.CallbackFailed{Base: c.base(k), Queue: q.cfg.Name, Number: cb.number, Attempts: cb.attempts})
		return false, nil
	}
	// Parked: waiting but out of the heaps until the retry, so no agent is
	// offered it meanwhile; its arrival time keeps its place when it returns.
	k.state, k.idx, cb.parked = callWaiting, -1, true
	k.pub.Data[DataCallbackAttempt] = fmt.Sprint(cb.attempts + 1)
	cb.round++
	round := cb.round
	c.at(c.now.Add(cfg.RetryAfter), func() {
		if k.gone || cb.round != round || !cb.parked {
			return
		}
		cb.parked = false
		c.wait(k)
		c.newCalls = append(c.newCalls, k)
	})
	return true, nil
}

// keepCallback stops overflow from sending a callback request on: there is
// no caller on the line to say goodbye to, and the request was promised its
// place. A request taken out of the heap for it goes back in. It reports
// whether k is such a request.
func (c *core) keepCallback(k *call) bool {
	if k.cb == nil {
		return false
	}
	if k.state == callWaiting && k.idx < 0 && !k.cb.parked {
		c.wait(k)
		c.newCalls = append(c.newCalls, k)
	}
	return true
}
