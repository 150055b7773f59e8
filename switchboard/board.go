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

// ACD is the part of the ACD the board uses; *acd.ACD is one.
type ACD interface {
	Enqueue(ctx context.Context, k acd.Call) error
	CallEnded(ctx context.Context, id telephony.CallID) error
	OfferTo(ctx context.Context, k acd.Call, agentID string) error
	OfferToRole(ctx context.Context, k acd.Call, role acd.Role) (string, error)
	Withdraw(ctx context.Context, id telephony.CallID) error
	Snapshot(ctx context.Context) (acd.Snapshot, error)
}

// Agents delivers the leg of the agent who answered an ACD offer, or the
// overflow the ACD chose instead; *offer.Offerer is one.
type Agents interface {
	Await(id telephony.CallID) (answered <-chan telephony.Leg, diverted <-chan acd.Overflow, done func())
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
}

// Deps are what the board needs from the rest of the daemon.
type Deps struct {
	ACD     ACD                     // required
	Agents  Agents                  // required
	Drivers []telephony.Driver      // dial number targets, by Name
	Pickups map[string]Pickup       // by driver name: phones answered from the desktop
	Events  *event.Client           // nil: events are dropped
	Log     *slog.Logger            // nil: discarded
	Music   func() telephony.Source // hold music; nil: HoldMusic
	Clock   *clock.Clock            // required: the media clock every connection's room mixes on
}

// Board owns every connection between a caller and agents: Connect runs one
// for as long as the caller's part lasts, and the operations act on it by the
// id of an agent on the call.
type Board struct {
	cfg     Config
	d       Deps
	log     *slog.Logger
	drivers map[string]telephony.Driver

	// mu guards byAgent.
	mu      sync.Mutex
	byAgent map[string]*conn
}

// New returns a board.
func New(cfg Config, d Deps) (*Board, error) {
	if d.ACD == nil || d.Agents == nil || d.Clock == nil {
		return nil, errors.New("switchboard: an acd, an agents source and a media clock are required")
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
	b := &Board{cfg: cfg, d: d, log: d.Log, drivers: make(map[string]telephony.Driver), byAgent: make(map[string]*conn)}
	for _, drv := range d.Drivers {
		b.drivers[drv.Name()] = drv
	}
	return b, nil
}

// Await passes through to Deps.Agents, so that the IVR's queue node, which
// waits for an agent and then hands the two legs to Connect, can take the
// board for both.
func (b *Board) Await(id telephony.CallID) (answered <-chan telephony.Leg, diverted <-chan acd.Overflow, done func()) {
	return b.d.Agents.Await(id)
}

// Connect joins the caller to the agent who answered call and runs the
// connection — hold, transfers, conference — until the caller's part is
// over: the caller hung up, or every agent left. It then hangs up whoever is
// still on, tells the ACD each agent's part ended (wrap-up), and returns.
// ctx ending ends the connection the same way. Connect takes over both legs'
// media.
func (b *Board) Connect(ctx context.Context, caller, agent telephony.Leg, call acd.Call) error {
	c := b.newConn(caller, call)
	return c.run(ctx, agent)
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
	if b.drivers[a.Driver] == nil {
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
