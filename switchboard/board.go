package switchboard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"tracecall/acd"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media/clock"
)

// ACD is the part of the ACD the board uses; *acd.ACD is one. The board
// takes the ACD's offers and diversions (it rings the agents) and tells it
// what became of them.
type ACD interface {
	Offers() <-chan acd.Offer
	Diversions() <-chan acd.Diversion
	OfferResult(ctx context.Context, id telephony.CallID, agentID string, answered bool) error
	Enqueue(ctx context.Context, k acd.Call) error
	CallEnded(ctx context.Context, id telephony.CallID) error
	OfferTo(ctx context.Context, k acd.Call, agentID string) error
	OfferToRole(ctx context.Context, k acd.Call, role acd.Role) (string, error)
	Withdraw(ctx context.Context, id telephony.CallID) error
	Snapshot(ctx context.Context) (acd.Snapshot, error)
	Callback(ctx context.Context, id telephony.CallID, number string) error
	CallbackResult(ctx context.Context, id telephony.CallID, result string) (retry bool, err error)
}

// Pickup answers a ringing phone from the agent desktop, for phones that can
// be picked up remotely (the sim driver's phones; a desk phone over CTI).
type Pickup interface {
	Pickup(ctx context.Context, ext telephony.Address) error
}

// Transfer target kinds.
const (
	TargetAgent       = "agent"        // Value is the agent id
	TargetQueue       = "queue"        // Value is the queue name
	TargetNumber      = "number"       // Value is "driver:user" or a number for Config.NumberDriver
	TargetDutyManager = "duty_manager" // Value is empty: whichever duty manager is free
)

// Target is where a transfer goes.
type Target struct {
	Kind  string
	Value string
}

func (t Target) String() string { return t.Kind + " " + t.Value }

// Config tunes the board. The zero value is usable.
type Config struct {
	// DialTimeout is how long a number target rings; zero: the driver's default.
	DialTimeout time.Duration
	// NumberDriver is the driver that dials numbers given without one (the
	// SIP trunk); default "sip".
	NumberDriver string
	// CallbackRingTimeout is how long a caller called back rings; zero: the
	// driver's default.
	CallbackRingTimeout time.Duration
}

// Deps are what the board needs from the rest of the daemon.
type Deps struct {
	ACD     ACD                     // required
	Dialer  telephony.Dialer        // required: the core, *telephony.Calls
	Keeper  telephony.Keeper        // the core: keeps a callback's call open; nil: nothing kept
	Clock   *clock.Clock            // required: the media clock every connection's room mixes on
	Pickups map[string]Pickup       // by driver name: phones answered from the desktop
	Events  *event.Client           // nil: events are dropped
	Log     *slog.Logger            // nil: discarded
	Music   func() telephony.Source // hold music; nil: HoldMusic
}

// Board owns every caller from the moment they are queued for an agent until
// their part of the call is over: it rings the agents the ACD offers calls
// to, connects the caller to the one who answers, and runs the connection —
// hold, transfers, conference — acting on it by the id of an agent on the
// call. It also calls back callers who asked for it.
type Board struct {
	cfg   Config
	d     Deps
	log   *slog.Logger
	reqs  chan pending  // callback requests, for Run
	ended chan struct{} // closed when Run returns

	// mu guards byAgent and waiting.
	mu      sync.Mutex
	byAgent map[string]*conn
	waiting map[telephony.CallID]*waiter
}

// New returns a board over the ACD. Run it to ring agents.
func New(cfg Config, d Deps) (*Board, error) {
	if d.ACD == nil || d.Dialer == nil || d.Clock == nil {
		return nil, errors.New("switchboard: an acd, a dialer and a media clock are required")
	}
	if cfg.NumberDriver == "" {
		cfg.NumberDriver = "sip"
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Music == nil {
		d.Music = HoldMusic
	}
	return &Board{cfg: cfg, d: d, log: d.Log,
		reqs: make(chan pending), ended: make(chan struct{}),
		byAgent: make(map[string]*conn), waiting: make(map[telephony.CallID]*waiter)}, nil
}

// Run takes the ACD's offers and rings the agents, passes the calls the
// queues send on to the callers waiting for them, and follows callback
// requests, until ctx ends or the ACD stops; then it stops ringing and
// dialling and waits for what it started (connections already made end with
// their legs: the drivers, stopped with the same context, hang them up).
func (b *Board) Run(ctx context.Context) error {
	defer close(b.ended)
	var wg sync.WaitGroup
	defer wg.Wait()
	offers, diversions := b.d.ACD.Offers(), b.d.ACD.Diversions()
	for {
		select {
		case o, ok := <-offers:
			if !ok {
				offers = nil // the ACD stopped
				continue
			}
			wg.Go(func() { b.ring(ctx, o) })
		case d, ok := <-diversions:
			if !ok {
				diversions = nil
				continue
			}
			b.divert(d)
		case p := <-b.reqs:
			wg.Go(func() { b.follow(ctx, p) })
		case <-ctx.Done():
			return nil
		}
	}
}

// op runs f on the connection agentID is on.
func (b *Board) op(ctx context.Context, agentID, name string, f func(c *conn) error) error {
	b.mu.Lock()
	c := b.byAgent[agentID]
	b.mu.Unlock()
	if c == nil {
		return fmt.Errorf("switchboard: %s by %s: %w", name, agentID, ErrNoCall)
	}
	if err := c.do(ctx, func() error { return f(c) }); err != nil {
		return fmt.Errorf("switchboard: %s by %s on %s: %w", name, agentID, c.id, err)
	}
	return nil
}

// Hold puts the caller on hold (music) or takes them off it.
func (b *Board) Hold(ctx context.Context, agentID string, on bool) error {
	return b.op(ctx, agentID, "hold", func(c *conn) error { return c.hold(agentID, on) })
}

// Hangup ends the agent's part of the call. With a consult under way that
// the agent started, the caller goes on to the consulted party (at once if
// they answered, when they answer otherwise); in a conference the others
// stay; the caller is hung up when nobody is left.
func (b *Board) Hangup(ctx context.Context, agentID string) error {
	return b.op(ctx, agentID, "hang up", func(c *conn) error { return c.hangup(agentID) })
}

// Transfer sends the caller to target with the call's data and
// Data["transferred_by"] = agentID. Blind (consult false): the agent leaves
// at once and the caller hears music until the target answers. Consult: the
// caller is held while the agent reaches the target; CompleteTransfer,
// CancelTransfer or Conference follows.
func (b *Board) Transfer(ctx context.Context, agentID string, to Target, consult bool) error {
	return b.op(ctx, agentID, "transfer", func(c *conn) error { return c.transfer(ctx, agentID, to, consult) })
}

// CompleteTransfer joins the caller to the consulted party and drops the
// agent; if the party still rings, the caller waits for them (a blind
// transfer from then on).
func (b *Board) CompleteTransfer(ctx context.Context, agentID string) error {
	return b.op(ctx, agentID, "complete transfer", func(c *conn) error { return c.complete(agentID) })
}

// CancelTransfer drops the consulted party (or stops ringing them) and gives
// the caller back to the agent.
func (b *Board) CancelTransfer(ctx context.Context, agentID string) error {
	return b.op(ctx, agentID, "cancel transfer", func(c *conn) error { return c.cancel(ctx, agentID) })
}

// Conference joins the caller, the agent and the consulted party: each hears
// the other two.
func (b *Board) Conference(ctx context.Context, agentID string) error {
	return b.op(ctx, agentID, "conference", func(c *conn) error { return c.conference(agentID) })
}

// Answer picks up the agent's ringing phone through the Pickup of its
// driver: ErrUnsupported when there is none, ErrNotRinging when it does not
// ring.
func (b *Board) Answer(ctx context.Context, agentID string) error {
	s, err := b.d.ACD.Snapshot(ctx)
	if err != nil {
		return fmt.Errorf("switchboard: answer for %s: %w", agentID, err)
	}
	for _, a := range s.Agents {
		if a.ID != agentID {
			continue
		}
		if a.State != acd.StateRinging {
			return fmt.Errorf("switchboard: answer for %s: %w", agentID, ErrNotRinging)
		}
		ext, err := telephony.ParseAddress(a.Extension)
		if err != nil {
			return fmt.Errorf("switchboard: answer for %s: %w", agentID, err)
		}
		p := b.d.Pickups[ext.Driver]
		if p == nil {
			return fmt.Errorf("switchboard: answer for %s on %s: %w", agentID, ext, ErrUnsupported)
		}
		if err := p.Pickup(ctx, ext); err != nil {
			return fmt.Errorf("switchboard: answer for %s on %s: %w", agentID, ext, err)
		}
		return nil
	}
	return fmt.Errorf("switchboard: answer for %s: %w", agentID, acd.ErrUnknownAgent)
}

// Calls reports which call each agent on a connection is on, for the desktop.
func (b *Board) Calls() map[string]telephony.CallID {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make(map[string]telephony.CallID, len(b.byAgent))
	for a, c := range b.byAgent {
		out[a] = c.id
	}
	return out
}

func (b *Board) register(agentID string, c *conn) {
	if agentID == "" {
		return
	}
	b.mu.Lock()
	b.byAgent[agentID] = c
	b.mu.Unlock()
}

func (b *Board) unregister(agentID string, c *conn) {
	b.mu.Lock()
	if b.byAgent[agentID] == c {
		delete(b.byAgent, agentID)
	}
	b.mu.Unlock()
}

// canDial reports whether the Dialer has a driver of that name.
func (b *Board) canDial(driver string) bool { return b.d.Dialer.CanDial(driver) }

// keepOpen keeps call id open until release is called (Deps.Keeper).
func (b *Board) keepOpen(id telephony.CallID) (release func()) {
	if b.d.Keeper == nil {
		return func() {}
	}
	release, _ = b.d.Keeper.KeepOpen(id)
	return release
}

// address parses a number target: "driver:user", or digits for the number
// driver.
func (b *Board) address(s string) (telephony.Address, error) {
	var a telephony.Address
	if strings.Contains(s, ":") {
		var err error
		if a, err = telephony.ParseAddress(s); err != nil {
			return a, fmt.Errorf("%w: %w", ErrBadTarget, err)
		}
	} else {
		a = telephony.Address{Driver: b.cfg.NumberDriver, User: s}
	}
	if !validNumber(a.User) {
		return a, fmt.Errorf("%w: number %q: want 1 to 32 digits, * # or a leading +", ErrBadTarget, a.User)
	}
	if !b.canDial(a.Driver) {
		return a, fmt.Errorf("%w: no driver %q", ErrBadTarget, a.Driver)
	}
	return a, nil
}

func validNumber(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '*', r == '#':
		case r == '+' && i == 0 && len(s) > 1:
		default:
			return false
		}
	}
	return true
}
