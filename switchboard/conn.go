package switchboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"tracecall/acd"
	"tracecall/telephony"
	"tracecall/telephony/event"
)

// conn is one caller's connection: a room with the caller, the agents (or
// numbers) talking with them, and at most one transfer under way. Its run
// goroutine owns everything below ops; others reach it through do and post.
type conn struct {
	b      *Board
	id     telephony.CallID
	call   acd.Call
	caller telephony.Leg
	log    *slog.Logger
	room   *telephony.Room
	ops    chan func() // operations from the board's methods
	ev     chan func() // outcomes from helper goroutines
	done   chan struct{}

	parties    []*party
	held       bool // an agent put the caller on hold
	callerMode telephony.RoomMode
	xfer       *transfer
	n          int // transfers started, for acd.TransferID
}

// party is an agent (or a dialled number) talking with the caller.
type party struct {
	agent string           // agent id; "" for a number
	name  string           // agent id or number, for events
	key   telephony.CallID // the ACD id the agent talks under; "" for a number
	leg   telephony.Leg
}

// transfer is a transfer under way.
type transfer struct {
	by       string // the agent who started it; "" once they left (blind)
	to       Target
	name     string // the target for events: the chosen duty manager, the queue, the number
	consult  bool
	key      telephony.CallID // the transfer's id in the ACD and on the dialled leg
	viaACD   bool
	call     acd.Call // what the ACD was given
	answered *party   // the consulted party, once they answered
	stop     context.CancelFunc
	fallback bool // the caller was put back in the call's queue after a blind transfer failed
}

func (b *Board) newConn(caller telephony.Leg, call acd.Call) *conn {
	id := caller.Info().CallID
	if call.ID != "" {
		id = call.ID
	}
	return &conn{
		b: b, id: id, call: call, caller: caller,
		log:  b.log.With("call_id", id),
		ops:  make(chan func()),
		ev:   make(chan func()),
		done: make(chan struct{}),
	}
}

// do runs f on the connection's goroutine.
func (c *conn) do(ctx context.Context, f func() error) error {
	res := make(chan error, 1)
	select {
	case c.ops <- func() { res <- f() }:
		return <-res
	case <-c.done:
		return ErrNoCall
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post hands f to the connection's goroutine; false once it has ended.
func (c *conn) post(f func()) bool {
	select {
	case c.ev <- f:
		return true
	case <-c.done:
		return false
	}
}

func (c *conn) publish(e event.Event) {
	if c.b.d.Events != nil {
		c.b.d.Events.Publish(e)
	}
}

func (c *conn) base() event.Base { return event.Base{CallID: c.id, At: time.Now()} }

// bg is the context for the ACD calls and hangups the connection makes on
// its own account.
func bg() context.Context { return context.Background() }

// run joins the caller and the agent who answered and serves the
// connection until the caller's part is over or ctx ends.
func (c *conn) run(ctx context.Context, a answer) error {
	c.room = telephony.NewRoom(c.id, c.b.d.Clock, telephony.WithRoomEvents(c.b.d.Events), telephony.WithRoomLog(c.log),
		telephony.WithRoomMusic(c.b.d.Music))
	agent := a.leg
	first := &party{agent: a.agent, name: a.agent, key: c.id, leg: agent}
	if err := c.room.Join(c.caller, telephony.RoomTalk); err != nil {
		c.log.Warn("connecting the caller", "err", err)
		c.parties = []*party{first}
		c.finish()
		return err
	}
	c.parties = []*party{first}
	if err := c.room.Join(agent, telephony.RoomTalk); err != nil {
		c.log.Warn("connecting the agent", "err", err)
		c.finish()
		return err
	}
	c.b.register(first.agent, c)
	c.watch(agent)
	c.log.Info("caller connected to agent", "agent", first.agent, "agent_leg", agent.ID())
	for {
		select {
		case f := <-c.ops:
			f()
		case f := <-c.ev:
			f()
		case <-c.caller.Context().Done():
			c.finish()
			return nil
		case <-ctx.Done():
			c.finish()
			return nil
		}
	}
}

// watch tells the connection when l hangs up.
func (c *conn) watch(l telephony.Leg) {
	go func() {
		select {
		case <-l.Context().Done():
			c.post(func() { c.legEnded(l) })
		case <-c.done:
		}
	}()
}

// finish ends the connection: everyone still on is hung up, every agent's
// part and any transfer under way end in the ACD.
func (c *conn) finish() {
	close(c.done)
	var ps []*party
	ps = append(ps, c.parties...)
	if x := c.xfer; x != nil {
		c.xfer = nil
		x.stop()
		if x.answered != nil {
			ps = append(ps, x.answered)
		} else if x.viaACD {
			c.endInACD(x.key, true)
		}
	}
	c.parties = nil
	for _, p := range ps {
		c.b.unregister(p.agent, c)
		_ = p.leg.Hangup(bg(), telephony.CauseNormal)
		if p.key != "" {
			c.endInACD(p.key, false)
		}
	}
	_ = c.caller.Hangup(bg(), telephony.CauseNormal)
	_ = c.room.Close()
	c.log.Info("caller's part over")
}

// endInACD tells the ACD a part of the call is over: withdrawn if it still
// rings or waits, ended (wrap-up) if an agent took it.
func (c *conn) endInACD(key telephony.CallID, ringing bool) {
	if ringing {
		if err := c.b.d.ACD.Withdraw(bg(), key); err == nil || !errors.Is(err, acd.ErrUnknownCall) {
			if err != nil {
				c.log.Warn("withdrawing a transfer", "acd_id", key, "err", err)
			}
			return
		}
	}
	if err := c.b.d.ACD.CallEnded(bg(), key); err != nil {
		c.log.Warn("telling the acd a part ended", "acd_id", key, "err", err)
	}
}

// find returns the party agentID is, among those talking with the caller and
// the consulted party.
func (c *conn) find(agentID string) *party {
	for _, p := range c.parties {
		if p.agent == agentID {
			return p
		}
	}
	if x := c.xfer; x != nil && x.answered != nil && x.answered.agent == agentID {
		return x.answered
	}
	return nil
}

// setCaller puts the caller on hold while an agent holds them or a transfer
// is under way, and back in the conversation otherwise.
func (c *conn) setCaller() {
	m := telephony.RoomTalk
	if c.held || c.xfer != nil {
		m = telephony.RoomHeld
	}
	if m == c.callerMode {
		return
	}
	if err := c.room.SetMode(c.caller.ID(), m); err != nil {
		c.log.Warn("caller's mode", "mode", m, "err", err)
		return
	}
	c.callerMode = m
}

func (c *conn) setMode(p *party, m telephony.RoomMode, src telephony.Source) {
	var err error
	if m == telephony.RoomHeld {
		err = c.room.HoldWith(p.leg.ID(), src)
	} else {
		err = c.room.SetMode(p.leg.ID(), m)
	}
	if err != nil {
		c.log.Debug("party's mode", "party", p.name, "mode", m, "err", err)
	}
}

func (c *conn) hold(agentID string, on bool) error {
	if c.find(agentID) == nil {
		return ErrNoCall
	}
	if c.xfer != nil {
		return ErrTransferring
	}
	c.held = on
	c.setCaller()
	c.publish(event.CallHeld{Base: c.base(), Agent: agentID, Held: on})
	return nil
}

func (c *conn) hangup(agentID string) error {
	p := c.find(agentID)
	if p == nil {
		return ErrNoCall
	}
	c.gone(p)
	return nil
}

// legEnded is a party's phone hanging up.
func (c *conn) legEnded(l telephony.Leg) {
	for _, p := range c.parties {
		if p.leg == l {
			c.gone(p)
			return
		}
	}
	if x := c.xfer; x != nil && x.answered != nil && x.answered.leg == l {
		c.gone(x.answered)
	}
}

// drop takes p off the call: its leg is hung up and its part ends in the ACD.
func (c *conn) drop(p *party) {
	if i := slices.Index(c.parties, p); i >= 0 {
		c.parties = slices.Delete(c.parties, i, i+1)
	}
	c.b.unregister(p.agent, c)
	_ = p.leg.Hangup(bg(), telephony.CauseNormal)
	if p.key != "" {
		c.endInACD(p.key, false)
	}
}

// gone handles p leaving, by the desktop or by hanging up the phone.
func (c *conn) gone(p *party) {
	c.drop(p)
	x := c.xfer
	switch {
	case x != nil && x.answered == p:
		// The consulted party left: the agent has the caller back.
		c.xfer = nil
		c.publishTransfer(x, "failed", "target hung up")
		c.restore(x)
	case x != nil && x.consult && x.by != "" && x.by == p.agent:
		// The agent who consulted left: the caller goes on to the target.
		x.by = ""
		x.consult = false
		if t := x.answered; t != nil {
			x.answered = nil
			c.connected(x, t)
		}
	}
	if len(c.parties) == 0 && c.xfer == nil {
		c.log.Info("nobody left with the caller")
		_ = c.caller.Hangup(bg(), telephony.CauseNormal)
	}
}

// restore gives the caller back to the agent after a consult.
func (c *conn) restore(x *transfer) {
	if p := c.find(x.by); p != nil {
		c.setMode(p, telephony.RoomTalk, nil)
	}
	c.setCaller()
}

func (c *conn) transfer(ctx context.Context, agentID string, to Target, consult bool) error {
	by := c.find(agentID)
	if by == nil {
		return ErrNoCall
	}
	if c.xfer != nil {
		return ErrTransferring
	}
	if to.Kind == TargetAgent && to.Value == agentID {
		return fmt.Errorf("%w: transfer to oneself", ErrBadTarget)
	}
	data := maps.Clone(c.call.Data)
	if data == nil {
		data = make(map[string]string)
	}
	data["transferred_by"] = agentID
	x := &transfer{by: agentID, to: to, name: to.Value, consult: consult}
	if err := c.start(ctx, x, data); err != nil {
		return err
	}
	c.publishTransfer(x, "started", "")
	if consult {
		src := newRingback()
		if to.Kind == TargetQueue {
			src = c.b.d.Music()
		}
		c.setMode(by, telephony.RoomHeld, src)
	} else {
		c.log.Info("blind transfer", "by", agentID, "to", to.String())
		x.by = ""
		c.drop(by)
	}
	return nil
}

// start begins reaching x.to and makes x the transfer under way; the caller
// is held (music) from now on.
func (c *conn) start(ctx context.Context, x *transfer, data map[string]string) error {
	c.n++
	x.key = acd.TransferID(c.id, c.n)
	x.call = acd.Call{ID: x.key, Caller: c.call.Caller, Called: c.call.Called, Queue: c.call.Queue,
		Priority: c.call.Priority, Data: data}
	wctx, stop := context.WithCancel(context.Background())
	x.stop = stop
	switch x.to.Kind {
	case TargetAgent, TargetDutyManager, TargetQueue:
		if (x.to.Kind == TargetDutyManager) != (x.to.Value == "") {
			stop()
			return fmt.Errorf("%w: %s", ErrBadTarget, x.to)
		}
		x.viaACD = true
		w := c.b.await(x.key)
		var err error
		switch x.to.Kind {
		case TargetAgent:
			err = c.b.d.ACD.OfferTo(ctx, x.call, x.to.Value)
		case TargetDutyManager:
			x.name, err = c.b.d.ACD.OfferToRole(ctx, x.call, acd.RoleDutyManager)
		case TargetQueue:
			x.call.Queue = x.to.Value
			err = c.b.d.ACD.Enqueue(ctx, x.call)
		}
		if err != nil {
			c.b.unwait(x.key, w)
			stop()
			return acdError(err)
		}
		go c.await(wctx, x, w)
	case TargetNumber:
		addr, err := c.b.address(x.to.Value)
		if err != nil {
			stop()
			return err
		}
		// The number's leg joins the caller's call.
		o := telephony.DialOptions{From: c.call.Caller, CallID: c.id, Timeout: c.b.cfg.DialTimeout}
		go func() {
			l, err := c.b.d.Dialer.Dial(wctx, addr, o)
			if !c.post(func() { c.outcome(x, answer{leg: l}, err) }) && l != nil {
				_ = l.Hangup(bg(), telephony.CauseNormal)
			}
		}()
	default:
		stop()
		return fmt.Errorf("%w: kind %q", ErrBadTarget, x.to.Kind)
	}
	c.xfer = x
	c.setCaller()
	return nil
}

// acdError says why the ACD refused a transfer in the board's terms.
func acdError(err error) error {
	switch {
	case errors.Is(err, acd.ErrAgentBusy):
		return fmt.Errorf("%w: %w", ErrTargetBusy, err)
	case errors.Is(err, acd.ErrUnknownAgent), errors.Is(err, acd.ErrUnknownQueue):
		return fmt.Errorf("%w: %w", ErrBadTarget, err)
	}
	return err
}

// await waits for the ACD's outcome of a transfer: the agent who answered
// it, or where the ACD sent it instead.
func (c *conn) await(ctx context.Context, x *transfer, w *waiter) {
	defer c.b.unwait(x.key, w)
	select {
	case a := <-w.answers:
		if !c.post(func() { c.outcome(x, a, nil) }) {
			_ = a.leg.Hangup(bg(), telephony.CauseNormal)
			c.endInACD(x.key, false)
		}
	case o := <-w.diverted:
		c.post(func() { c.outcome(x, answer{}, fmt.Errorf("not taken: %s", o)) })
	case <-ctx.Done():
	}
}

// outcome is how reaching a transfer's target went: a is who answered (for
// a number, only the leg).
func (c *conn) outcome(x *transfer, a answer, err error) {
	l := a.leg
	if c.xfer != x {
		// Cancelled meanwhile.
		if l != nil {
			_ = l.Hangup(bg(), telephony.CauseNormal)
			if x.viaACD {
				c.endInACD(x.key, false)
			}
		}
		return
	}
	if err != nil {
		c.failed(x, err)
		return
	}
	p := &party{leg: l, name: x.name}
	if x.viaACD {
		p.key, p.agent, p.name = x.key, a.agent, a.agent
	}
	if err := c.room.Join(l, telephony.RoomTalk); err != nil {
		c.log.Warn("connecting the transfer target", "err", err)
		_ = l.Hangup(bg(), telephony.CauseNormal)
		if p.key != "" {
			c.endInACD(p.key, false)
		}
		c.failed(x, err)
		return
	}
	c.b.register(p.agent, c)
	c.watch(l)
	if x.consult {
		x.answered = p
		if by := c.find(x.by); by != nil {
			c.setMode(by, telephony.RoomTalk, nil)
		}
		c.publishTransfer(x, "answered", "")
		return
	}
	c.connected(x, p)
}

// connected ends transfer x with the caller talking to p.
func (c *conn) connected(x *transfer, p *party) {
	c.xfer = nil
	x.stop()
	c.parties = append(c.parties, p)
	c.held = false
	c.setCaller()
	c.log.Info("transfer completed", "to", x.to.String(), "party", p.name)
	c.publishTransfer(x, "completed", "")
}

// failed ends transfer x that could not reach its target.
func (c *conn) failed(x *transfer, err error) {
	c.xfer = nil
	x.stop()
	c.log.Info("transfer failed", "to", x.to.String(), "err", err)
	c.publishTransfer(x, "failed", err.Error())
	if x.by != "" {
		c.restore(x)
		return
	}
	if len(c.parties) > 0 {
		c.setCaller()
		return
	}
	// A blind transfer nobody took: the caller waits in the call's queue
	// again, once.
	if !x.fallback && c.call.Queue != "" && !(x.to.Kind == TargetQueue && x.to.Value == c.call.Queue) {
		y := &transfer{to: Target{Kind: TargetQueue, Value: c.call.Queue}, name: c.call.Queue, fallback: true}
		if err := c.start(bg(), y, x.call.Data); err == nil {
			c.publishTransfer(y, "started", "")
			return
		}
	}
	_ = c.caller.Hangup(bg(), telephony.CauseNormal)
}

func (c *conn) complete(agentID string) error {
	x := c.xfer
	if x == nil || !x.consult || x.by != agentID {
		return ErrNoTransfer
	}
	p := c.find(agentID)
	if p == nil {
		return ErrNoCall
	}
	c.gone(p) // the caller goes on to the target, now or when they answer
	return nil
}

func (c *conn) cancel(ctx context.Context, agentID string) error {
	x := c.xfer
	if x == nil || !x.consult || x.by != agentID {
		return ErrNoTransfer
	}
	c.xfer = nil
	x.stop()
	if t := x.answered; t != nil {
		c.drop(t)
	} else if x.viaACD {
		c.endInACD(x.key, true)
	}
	c.publishTransfer(x, "cancelled", "")
	c.restore(x)
	return nil
}

func (c *conn) conference(agentID string) error {
	x := c.xfer
	if x == nil || !x.consult || x.by != agentID {
		return ErrNoTransfer
	}
	if x.answered == nil {
		return ErrNotAnswered
	}
	c.xfer = nil
	x.stop()
	c.parties = append(c.parties, x.answered)
	c.held = false
	c.setCaller()
	var names []string
	for _, p := range c.parties {
		names = append(names, p.name)
	}
	c.publish(event.CallConference{Base: c.base(), Agent: agentID, Parties: names})
	return nil
}

func (c *conn) publishTransfer(x *transfer, stage, reason string) {
	c.publish(event.CallTransfer{Base: c.base(), Agent: c.transferredBy(x), To: x.to.Kind, Target: x.name,
		Consult: x.consult, Stage: stage, Reason: reason})
}

func (c *conn) transferredBy(x *transfer) string {
	if x.call.Data != nil {
		return x.call.Data["transferred_by"]
	}
	return x.by
}
