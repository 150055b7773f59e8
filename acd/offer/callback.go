package offer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tracecall/acd"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media"
	"tracecall/telephony/media/clock"
)

// CallbackACD is the part of the ACD the Callbacks dialler works with;
// *acd.ACD is one.
type CallbackACD interface {
	Callback(ctx context.Context, id telephony.CallID, number string) error
	CallbackResult(ctx context.Context, id telephony.CallID, result string) (retry bool, err error)
	CallEnded(ctx context.Context, id telephony.CallID) error
}

// CallbackRequest is a waiting caller asking to be called back.
type CallbackRequest struct {
	ID telephony.CallID
	// To is the caller on the driver that carried their call: "sim:13800138000"
	// dials a simulated phone, "sip:13800138000" the SIP trunk.
	To telephony.Address
	// From is the number presented to the caller: the hotline they dialled.
	From string
	// Call is the call as it was queued (queue, priority, the IVR's data such
	// as the trace code), handed to the Connector with the callback's legs so
	// that transfers carry it on. Its ID is ID; empty fields default to the
	// caller's number and the hotline.
	Call acd.Call
}

// call is what the Connector gets for r.
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

// Connector runs an answered callback as call control runs a queued caller's
// call: it takes the caller's and the agent's legs, keeps them through hold,
// transfers and conference until the caller's part is over, hangs up whoever
// is left and tells the ACD each agent's part ended. *switchboard.Board is
// one; the interface keeps this package from importing it.
type Connector interface {
	Connect(ctx context.Context, caller, agent telephony.Leg, call acd.Call) error
}

// Callbacks dials callers back for the ACD's callback requests. It waits for
// the agent who takes a request (the ACD offers it like a call, and the
// Offerer delivers the agent's leg here as it would to a queue node), dials
// the caller through the driver that carried their call, and connects the two
// (through the Connector, or a room of two talkers);
// an unanswered try is reported to the ACD, which offers the request again
// later or gives up after its tries.
type Callbacks struct {
	o     *Offerer
	acd   CallbackACD
	pub   *event.Client
	ring  time.Duration
	log   *slog.Logger
	reqs  chan pending
	ended chan struct{} // closed when Run returns
	conn  Connector     // nil: a plain room of two talkers
	clock *clock.Clock  // the media clock the plain room is on
}

type pending struct {
	req      CallbackRequest
	answered <-chan telephony.Leg
	diverted <-chan acd.Overflow
	done     func()
}

// NewCallbacks returns a dialler that takes agents' legs from o and reports
// to a. Each try rings the caller for ringTimeout (zero: the driver's
// default). pub publishes the room's events and the end of each callback
// call. c is the media clock for the room joining caller and agent when no
// Connector takes them.
func NewCallbacks(o *Offerer, a CallbackACD, c *clock.Clock, pub *event.Client, ringTimeout time.Duration, log *slog.Logger) *Callbacks {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Callbacks{o: o, acd: a, clock: c, pub: pub, ring: ringTimeout, log: log,
		reqs: make(chan pending), ended: make(chan struct{})}
}

// ConnectThrough hands each answered callback's legs to cn (call control),
// so that the agent can hold, transfer and conference it like any call,
// instead of joining them in a room of their own. Call it before Run.
func (c *Callbacks) ConnectThrough(cn Connector) { c.conn = cn }

// ErrCallbacksStopped is returned by Request when Run is not running.
var ErrCallbacksStopped = errors.New("offer: callback dialler stopped")

// Request makes r a callback request in the ACD and follows it until the
// caller has been called back, the ACD gives up, or Run stops. The caller may
// hang up as soon as it returns nil.
func (c *Callbacks) Request(ctx context.Context, r CallbackRequest) error {
	if r.To.Driver == "" || r.To.User == "" {
		return fmt.Errorf("offer: callback %s: %w", r.ID, acd.ErrNoNumber)
	}
	if _, ok := c.o.drivers[r.To.Driver]; !ok {
		return fmt.Errorf("offer: callback %s: no driver %q to call back on", r.ID, r.To.Driver)
	}
	// The ACD first (it refuses a call already ringing an agent, who is about
	// to take it anyway), then the call's agent leg: from here on an agent who
	// answers the request comes to this dialler, not to the queue node.
	if err := c.acd.Callback(ctx, r.ID, r.To.User); err != nil {
		return err
	}
	answered, diverted, done := c.o.Await(r.ID)
	p := pending{req: r, answered: answered, diverted: diverted, done: done}
	select {
	case c.reqs <- p:
		return nil
	case <-c.ended:
		done()
		return ErrCallbacksStopped
	case <-ctx.Done():
		// The caller hung up meanwhile: the request stands, so follow it.
		select {
		case c.reqs <- p:
			return nil
		case <-c.ended:
			done()
			return ErrCallbacksStopped
		}
	}
}

// Run follows the requests until ctx ends, then stops waiting for agents and
// dialling, and waits for the callbacks in progress: their rooms end as the
// drivers, stopped with the same context, hang their legs up.
func (c *Callbacks) Run(ctx context.Context) error {
	defer close(c.ended)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case p := <-c.reqs:
			wg.Go(func() { c.follow(ctx, p) })
		case <-ctx.Done():
			return nil
		}
	}
}

// follow serves one request: each agent leg delivered is a try.
func (c *Callbacks) follow(ctx context.Context, p pending) {
	defer p.done()
	log := c.log.With("call_id", p.req.ID, "number", p.req.To.String())
	for {
		var agent telephony.Leg
		select {
		case agent = <-p.answered:
		case <-p.diverted:
			return
		case <-ctx.Done():
			return
		}
		if !c.try(ctx, log, p.req, agent) {
			return
		}
	}
}

// try dials the caller for the agent on agentLeg and, when the caller
// answers, connects them until the call is over. It reports whether the request
// goes on (the ACD will offer it again).
func (c *Callbacks) try(ctx context.Context, log *slog.Logger, r CallbackRequest, agentLeg telephony.Leg) bool {
	bg := context.WithoutCancel(ctx)
	// The agent may give up while the caller's phone rings: stop dialling.
	dialCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(agentLeg.Context(), cancel)
	rung := make(chan struct{})
	go func() { defer close(rung); ringback(dialCtx, agentLeg) }()
	caller, err := c.dial(dialCtx, r)
	stop()
	cancel()
	<-rung // the room takes over the agent's media
	if err == nil && agentLeg.Context().Err() != nil {
		_ = caller.Hangup(bg, telephony.CauseNormal)
		err = errors.New("the agent hung up first")
	}
	if err != nil {
		_ = agentLeg.Hangup(bg, telephony.CauseNormal)
		if ctx.Err() != nil {
			return false
		}
		result := acd.CallbackNoAnswer
		if errors.Is(err, telephony.ErrUnavailable) {
			result = acd.CallbackBusy
		}
		log.Info("callback not answered", "result", result, "err", err)
		retry, rerr := c.acd.CallbackResult(bg, r.ID, result)
		if rerr != nil {
			log.Warn("reporting a callback try", "err", rerr)
		}
		return retry
	}
	if _, err := c.acd.CallbackResult(bg, r.ID, acd.CallbackAnswered); err != nil {
		log.Warn("reporting a callback answered", "err", err)
	}
	log.Info("caller called back", "agent_leg", agentLeg.ID())
	if c.conn != nil {
		// Call control runs the call until the caller's part is over (Run's
		// ctx ending ends it too) and tells the ACD; the CallEnded below is
		// then a no-op.
		if err := c.conn.Connect(ctx, caller, agentLeg, r.call()); err != nil {
			log.Warn("callback call control ended", "err", err)
		}
	} else {
		// Like a queue node's room, this one lives as long as the legs; the
		// drivers hang every leg up at shutdown.
		c.talk(r.ID, caller, agentLeg, log)
	}
	_ = caller.Hangup(bg, telephony.CauseNormal)
	_ = agentLeg.Hangup(bg, telephony.CauseNormal)
	if err := c.acd.CallEnded(bg, r.ID); err != nil {
		log.Warn("telling the acd the callback ended", "err", err)
	}
	if c.pub != nil {
		by, cause := "caller", telephony.CauseNormal
		if e, ok := caller.(telephony.Ender); ok {
			if h, ended := e.Ended(); ended && h.By != "caller" {
				by = "agent"
			}
		}
		c.pub.Publish(event.CallEnded{Base: event.Base{CallID: r.ID, At: time.Now()}, By: by, Cause: string(cause)})
	}
	return false
}

// talk joins caller and agent in a room of two talkers until either hangs
// up (the room hangs up a leg whose media fails).
func (c *Callbacks) talk(id telephony.CallID, caller, agent telephony.Leg, log *slog.Logger) {
	opts := []telephony.RoomOption{telephony.WithRoomLog(log)}
	if c.pub != nil {
		opts = append(opts, telephony.WithRoomEvents(c.pub))
	}
	room := telephony.NewRoom(id, c.clock, opts...)
	defer room.Close()
	err := room.Join(caller, telephony.RoomTalk)
	if err == nil {
		err = room.Join(agent, telephony.RoomTalk)
	}
	if err != nil {
		log.Warn("connecting the callback", "err", err)
		return
	}
	select {
	case <-caller.Context().Done():
	case <-agent.Context().Done():
	}
}

func (c *Callbacks) dial(ctx context.Context, r CallbackRequest) (telephony.Leg, error) {
	d, ok := c.o.drivers[r.To.Driver]
	if !ok {
		return nil, fmt.Errorf("no driver %q", r.To.Driver)
	}
	return d.Dial(ctx, r.To, telephony.DialOptions{From: r.From, CallID: r.ID, Timeout: c.ring})
}

// ringback lets the agent hear the caller's phone ring (China's ringback
// tone) until ctx ends: one frame every 20 ms, so that it paces itself
// whatever the leg's writer does with frames written early.
func ringback(ctx context.Context, l telephony.Leg) {
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
