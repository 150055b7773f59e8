package acd

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
)

// Call is a call the ACD is asked to queue.
type Call struct {
	ID       telephony.CallID
	Caller   string // calling number; call memory keys on it
	Called   string // the number the caller dialled, for the agent's screen
	Queue    string
	Priority int               // higher goes first: the customer's class (VIP) or the IVR's choice
	Data     map[string]string // travels with the call to the agent's screen: trace code, IVR path...
}

// Agent is who an offer rings: what the telephony side needs to reach the
// agent's phone and pop their screen.
type Agent struct {
	ID        string
	Name      string
	Role      Role
	Extension telephony.Address
	Skills    map[string]int
}

// Offer is the ACD asking for Agent's phone to ring with Call. The ACD hands
// its offers out on Offers rather than calling a dialler: the telephony side
// (package switchboard) needs the ACD, so the ACD must not need it back.
//
// Whoever takes an offer rings the agent's phone for as long as its Context
// lasts and reports the outcome with ACD.OfferResult: answered, or refused.
// The Context ends when the offer is over: answered and reported, rung out,
// withdrawn (another agent answered, the caller left, the agent logged out)
// or the ACD stopping. A withdrawn offer must stop ringing; if the agent picks
// up anyway, OfferResult returns ErrNoOffer and the agent's leg must be
// dropped. Once answered, connecting the caller to the agent is the telephony
// side's job, and the ACD hears of the end through CallEnded.
type Offer struct {
	Agent Agent
	Call  Call
	ctx   context.Context // the offer's own lifetime, as a request's
}

// Context ends when the offer is over; see Offer. The zero Offer's is
// context.Background.
func (o Offer) Context() context.Context {
	if o.ctx == nil {
		return context.Background()
	}
	return o.ctx
}

// WithContext returns a copy of o whose Context is ctx, as
// http.Request.WithContext does: for tests that stand in for the ACD.
func (o Offer) WithContext(ctx context.Context) Offer {
	o.ctx = ctx
	return o
}

// Diversion is a call a queue sent on to a goodbye or voicemail, or a direct
// offer nobody took (OverflowUnanswered): whoever holds the caller plays the
// goodbye or takes the message. The ACD has forgotten the call by then.
// Overflow to another queue happens inside the ACD and is not diverted.
type Diversion struct {
	Call Call
	To   Overflow
}

// Publisher is where the ACD's events go; *event.Client is one. Publish must not
// block.
type Publisher interface {
	Publish(e event.Event)
}

// Clock tells the time and makes timers. Tests run the real clock inside a
// testing/synctest bubble, where it is fake; a hand-driven clock works too.
type Clock interface {
	Now() time.Time
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer the ACD uses, with its Go 1.23 semantics:
// after Stop or Reset no stale value is received from C.
type Timer interface {
	C() <-chan time.Time
	Reset(d time.Duration) bool
	Stop() bool
}

type systemClock struct{}

func (systemClock) Now() time.Time                 { return time.Now() }
func (systemClock) NewTimer(d time.Duration) Timer { return sysTimer{time.NewTimer(d)} }

type sysTimer struct{ *time.Timer }

func (t sysTimer) C() <-chan time.Time { return t.Timer.C }

// Deps are what the ACD needs from the rest of the daemon.
type Deps struct {
	Events   Publisher      // nil: events are dropped
	Clock    Clock          // nil: the system clock
	Log      *slog.Logger   // nil: discarded
	Location *time.Location // where "today" starts and ends, for daily counts; nil: time.Local
	Rand     *rand.Rand     // for the random strategy; nil: seeded at random
	Saver    Saver          // keeps queue and agent changes made at runtime; nil: not kept
}

// ACD distributes queued calls to agents. It is an actor: Run owns all state,
// and every method sends a message to it and waits for the answer, so methods
// block until Run is running (or ctx ends) and return ErrClosed after it stops.
// What it asks of the telephony side goes out on Offers and Diversions.
type ACD struct {
	core       *core // owned by Run
	clock      Clock
	inbox      chan func(*core)
	offers     chan Offer
	diversions chan Diversion
	done       chan struct{} // closed when Run returns
	running    atomic.Bool
}

// New checks cfg and returns an ACD with every agent logged out. Call Run.
func New(cfg Config, d Deps) (*ACD, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if d.Clock == nil {
		d.Clock = systemClock{}
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Location == nil {
		d.Location = time.Local
	}
	if d.Rand == nil {
		d.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return &ACD{
		core:       newCore(cfg, d, d.Clock.Now()),
		clock:      d.Clock,
		inbox:      make(chan func(*core)),
		offers:     make(chan Offer),
		diversions: make(chan Diversion),
		done:       make(chan struct{}),
	}, nil
}

// Offers delivers the ACD's offers, in the order it makes them, while Run
// runs; it is closed when Run returns. Nothing rings until someone takes
// them (the daemon's switchboard). An offer withdrawn before it was taken is
// not delivered.
func (a *ACD) Offers() <-chan Offer { return a.offers }

// Diversions delivers the calls the queues send on to a goodbye or
// voicemail while Run runs; it is closed when Run returns.
func (a *ACD) Diversions() <-chan Diversion { return a.diversions }

// Run serves the ACD until ctx is done, then ends every running offer (their
// contexts are cancelled), closes Offers and Diversions, and returns nil. It
// can run once.
//
// Offers and diversions wait in the actor's outbox until taken, so the actor
// never blocks on whoever takes them, and whoever takes them may call back
// into the ACD at once.
func (a *ACD) Run(ctx context.Context) error {
	if !a.running.CompareAndSwap(false, true) {
		return fmt.Errorf("acd: run: %w", ErrClosed)
	}
	defer close(a.diversions)
	defer close(a.offers)
	var offers fifo[Offer]
	var diversions fifo[Diversion]
	c := a.core
	c.startOffer = func(ag *agent, k *call) {
		octx, cancel := context.WithCancel(ctx)
		ag.stop = cancel
		pk := k.pub
		pk.Data = maps.Clone(pk.Data)
		offers.push(Offer{Agent: ag.pub, Call: pk, ctx: octx})
	}
	c.divert = func(k Call, o Overflow) { diversions.push(Diversion{Call: k, To: o}) }
	t := a.clock.NewTimer(time.Hour)
	t.Stop()
	for {
		for offers.len() > 0 && offers.peek().ctx.Err() != nil {
			offers.pop() // withdrawn before anyone took it
		}
		var offerc chan<- Offer
		var offer Offer
		if offers.len() > 0 {
			offerc, offer = a.offers, offers.peek()
		}
		var divc chan<- Diversion
		var div Diversion
		if diversions.len() > 0 {
			divc, div = a.diversions, diversions.peek()
		}
		if at, ok := c.nextTimer(); ok {
			t.Reset(at.Sub(a.clock.Now()))
		}
		select {
		case <-ctx.Done():
			t.Stop()
			close(a.done)
			return nil
		case f := <-a.inbox:
			c.tick(a.clock.Now())
			f(c)
			c.settle()
		case <-t.C():
			c.tick(a.clock.Now())
			c.fire()
			c.settle()
		case offerc <- offer:
			offers.pop()
		case divc <- div:
			diversions.pop()
		}
		t.Stop()
	}
}

// do runs f on the actor and returns its error.
func (a *ACD) do(ctx context.Context, f func(c *core) error) error {
	res := make(chan error, 1)
	select {
	case a.inbox <- func(c *core) { res <- f(c) }:
	case <-a.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	return <-res // the actor runs f as soon as it takes it
}

func (c *core) agentByID(id string) (*agent, error) {
	if a := c.agentBy[id]; a != nil {
		return a, nil
	}
	return nil, ErrUnknownAgent
}

// Enqueue puts a call in its queue. Whether an agent is offered it at once,
// it waits, or the queue sends it on (max length, no agents) shows in the
// events; overflow to goodbye or voicemail goes out on Diversions.
func (a *ACD) Enqueue(ctx context.Context, k Call) error {
	if err := a.do(ctx, func(c *core) error { return c.enqueue(k) }); err != nil {
		return fmt.Errorf("acd: enqueue %s in %q: %w", k.ID, k.Queue, err)
	}
	return nil
}

// Leave takes a waiting or ringing call out of its queue because the caller
// left (hung up, or chose another way out); it counts as abandoned.
func (a *ACD) Leave(ctx context.Context, id telephony.CallID) error {
	if err := a.do(ctx, func(c *core) error { return c.leave(id) }); err != nil {
		return fmt.Errorf("acd: leave %s: %w", id, err)
	}
	return nil
}

// CallEnded tells the ACD a call is over: a waiting or ringing call is
// abandoned, a talking agent goes to wrap-up. Calls the ACD does not hold are
// ignored, so every hangup can be passed on.
func (a *ACD) CallEnded(ctx context.Context, id telephony.CallID) error {
	if err := a.do(ctx, func(c *core) error { c.callEnded(id); return nil }); err != nil {
		return fmt.Errorf("acd: call ended %s: %w", id, err)
	}
	return nil
}

// OfferResult reports how an offer ended: answered, or refused by the agent
// (refusals count towards MaxNoAnswer). It returns ErrNoOffer if the call is no
// longer ringing that agent.
func (a *ACD) OfferResult(ctx context.Context, id telephony.CallID, agentID string, answered bool) error {
	err := a.do(ctx, func(c *core) error {
		ag, err := c.agentByID(agentID)
		if err != nil {
			return err
		}
		return c.offerResult(id, ag, answered)
	})
	if err != nil {
		return fmt.Errorf("acd: offer result %s for %s: %w", id, agentID, err)
	}
	return nil
}

// Login logs an agent in, ready for calls.
func (a *ACD) Login(ctx context.Context, agentID string) error {
	return a.agentOp(ctx, "login", agentID, (*core).login)
}

// Logout logs an agent out. An offer ringing is withdrawn and goes to another
// agent; an agent talking must finish first (ErrOnCall).
func (a *ACD) Logout(ctx context.Context, agentID string) error {
	return a.agentOp(ctx, "logout", agentID, (*core).logout)
}

// SetReady makes an agent ready: from not ready, or ending wrap-up early.
func (a *ACD) SetReady(ctx context.Context, agentID string) error {
	return a.agentOp(ctx, "set ready", agentID, (*core).setReady)
}

// SetNotReady puts an agent on a break with a reason. Ringing, the offer is
// withdrawn and goes to another agent (not counted as missed); talking, the
// agent goes not ready after the call and its wrap-up.
func (a *ACD) SetNotReady(ctx context.Context, agentID, reason string) error {
	return a.agentOp(ctx, "set not ready", agentID, func(c *core, ag *agent) error {
		return c.setNotReady(ag, reason)
	})
}

// SetEndpointAvailable says whether an agent's phone can be reached (registered,
// in service). An agent whose phone is unavailable keeps their state but is
// offered no calls, and a ringing offer is withdrawn and goes to another agent.
func (a *ACD) SetEndpointAvailable(ctx context.Context, agentID string, available bool) error {
	return a.agentOp(ctx, "set endpoint", agentID, func(c *core, ag *agent) error {
		c.setReachable(ag, available)
		return nil
	})
}

func (a *ACD) agentOp(ctx context.Context, op, agentID string, f func(c *core, ag *agent) error) error {
	err := a.do(ctx, func(c *core) error {
		ag, err := c.agentByID(agentID)
		if err != nil {
			return err
		}
		return f(c, ag)
	})
	if err != nil {
		return fmt.Errorf("acd: %s %s: %w", op, agentID, err)
	}
	return nil
}

// Position returns a queued call's place in its queue: 1 is next, 0 means it
// is ringing an agent now.
func (a *ACD) Position(ctx context.Context, id telephony.CallID) (int, error) {
	var pos int
	err := a.do(ctx, func(c *core) error {
		k, err := c.queuedCall(id)
		if err != nil {
			return err
		}
		pos = c.position(k)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("acd: position of %s: %w", id, err)
	}
	return pos, nil
}

// EstimatedWait returns the wait to announce to a queued caller, rounded up to
// 10 s; it never exceeds what was announced to the same caller before in the
// same queue (see "Estimated wait" in the package doc). It is 0 while the call
// rings an agent, and ErrNoEstimate when there is nothing honest to say.
func (a *ACD) EstimatedWait(ctx context.Context, id telephony.CallID) (time.Duration, error) {
	var est time.Duration
	err := a.do(ctx, func(c *core) error {
		k, err := c.queuedCall(id)
		if err != nil {
			return err
		}
		var ok bool
		if est, ok = c.estimate(k); !ok {
			return ErrNoEstimate
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("acd: estimated wait of %s: %w", id, err)
	}
	return est, nil
}

// Snapshot returns the queues and agents as they are now.
func (a *ACD) Snapshot(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	err := a.do(ctx, func(c *core) error {
		s = c.snapshot()
		return nil
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("acd: snapshot: %w", err)
	}
	return s, nil
}
