package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"tracecall/config"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media/clock"
)

// Config configures the simulated lines; it is also the [sim] section of the
// config file, whose keys are the toml tags (fields tagged "-" are not in the
// file). The zero value gives 30 lines numbered from 80000001, and Validate is
// the one check of it, for the file and for New alike.
type Config struct {
	// Enabled is read by the daemon, not by New: whether to run the simulated
	// lines without -demo.
	Enabled bool `toml:"enabled"`
	// Name is the driver name; default "sim".
	Name string `toml:"-"`
	// Lines is how many lines there are, up to 10000; ignored when Numbers is
	// set. Default 30.
	Lines int `toml:"lines"`
	// FirstNumber is the first line's number, digits only; the rest count up
	// from it. Default "80000001".
	FirstNumber string `toml:"first_number"`
	// Numbers lists each line's number explicitly.
	Numbers []string `toml:"-"`
	// RingTimeout is how long a caller lets a line ring before giving up, and
	// how long Dial rings a phone unless its DialOptions say; default 30 s.
	RingTimeout time.Duration `toml:"ring_timeout"`
	// Phones are the extensions of simulated agent phones that exist from the
	// start; Dial creates others on demand.
	Phones []string `toml:"phones"`
	// AnswerAfter is how long a phone rings before it answers by itself, for
	// phones from Phones or created on demand; zero answers at once, negative
	// never. AddPhone sets it per phone.
	AnswerAfter time.Duration `toml:"answer_after"`
	// Clock is the core's media clock, which moves every answered leg's
	// frames (its owner runs it). Nil: the driver makes one of its own and
	// runs it while it serves (tests, tools).
	Clock *clock.Clock `toml:"-"`
}

// maxLines bounds Lines: each line is a goroutine's worth of state.
const maxLines = 10000

func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		c.Name = "sim"
	}
	if c.RingTimeout == 0 {
		c.RingTimeout = 30 * time.Second
	}
	if len(c.Numbers) == 0 {
		if c.Lines == 0 {
			c.Lines = 30
		}
		if c.FirstNumber == "" {
			c.FirstNumber = "80000001"
		}
	}
	if err := c.validate(); err != nil {
		return c, err
	}
	if len(c.Numbers) == 0 {
		first, _ := strconv.ParseUint(c.FirstNumber, 10, 64) // validate checked it
		for i := range c.Lines {
			c.Numbers = append(c.Numbers, strconv.FormatUint(first+uint64(i), 10))
		}
	}
	return c, nil
}

// Validate checks the [sim] section as New takes it, defaults applied, and
// returns every problem found, each naming its key ("sim.lines").
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// validate is Validate on a Config with its defaults in.
func (c Config) validate() error {
	problems := config.Problems{Section: "sim"}
	if len(c.Numbers) == 0 {
		if c.Lines < 0 || c.Lines > maxLines {
			problems.Add("lines", "%d: want 0..%d", c.Lines, maxLines)
		}
		if first, err := strconv.ParseUint(c.FirstNumber, 10, 64); err != nil || first > math.MaxUint64-maxLines {
			problems.Add("first_number", "%q: want digits", c.FirstNumber)
		}
	}
	if c.RingTimeout < 0 {
		problems.Add("ring_timeout", "%v: must not be negative", c.RingTimeout)
	}
	seen := map[string]bool{}
	for i, ext := range c.Phones {
		switch {
		case ext == "" || strings.ContainsAny(ext, " \t\r\n:"):
			problems.Add(fmt.Sprintf("phones[%d]", i), "%q: want an extension", ext)
		case seen[ext]:
			problems.Add(fmt.Sprintf("phones[%d]", i), "%q: listed twice", ext)
		}
		seen[ext] = true
	}
	return problems.Err()
}

// Driver is the simulated-lines driver.
type Driver struct {
	cfg   Config
	log   *slog.Logger
	pub   *event.Client
	clock *clock.Clock
	// ownClock: the driver made clock (Config.Clock was nil) and runs it.
	ownClock bool

	// mu guards lines, phones (and each phone's line), handler and serving.
	mu      sync.Mutex
	lines   []*line
	phones  map[string]*Phone
	handler telephony.Handler
	serving context.Context
	wg      sync.WaitGroup // handler goroutines
	up      chan struct{}  // closed once Serve takes calls
}

type line struct {
	name   string
	number string
	leg    *leg // nil when idle
	since  time.Time
}

// New returns a driver with the lines of cfg. pub publishes call and line events.
func New(cfg Config, pub *event.Client, log *slog.Logger) (*Driver, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	d := &Driver{cfg: cfg, log: log.With("driver", cfg.Name), pub: pub, clock: cfg.Clock, phones: make(map[string]*Phone), up: make(chan struct{})}
	if d.clock == nil {
		d.clock, d.ownClock = clock.New(d.log), true
	}
	for _, ext := range cfg.Phones {
		d.phoneLocked(ext)
	}
	now := time.Now()
	for i, n := range cfg.Numbers {
		d.lines = append(d.lines, &line{name: fmt.Sprintf("%s/%d", cfg.Name, i+1), number: n, since: now})
	}
	return d, nil
}

// Name returns the driver's name.
func (d *Driver) Name() string { return d.cfg.Name }

// Serving is closed once Serve takes calls: the daemon says it is ready
// only after.
func (d *Driver) Serving() <-chan struct{} { return d.up }

// Serve hands every inbound leg to h until ctx ends (running the driver's
// own clock, when it has one); then it
// hangs up every leg with CauseShutdown and waits for the handlers to return.
func (d *Driver) Serve(ctx context.Context, h telephony.Handler) error {
	d.mu.Lock()
	if d.handler != nil {
		d.mu.Unlock()
		return errors.New("sim: already serving")
	}
	d.handler, d.serving = h, ctx
	d.mu.Unlock()
	close(d.up)

	clockDone := make(chan struct{})
	go func() {
		defer close(clockDone)
		if d.ownClock {
			_ = d.clock.Run(ctx)
		}
	}()
	d.log.Info("sim lines up", "lines", len(d.lines))
	<-ctx.Done()

	d.mu.Lock()
	var legs []*leg
	for _, ln := range d.lines {
		if ln.leg != nil {
			legs = append(legs, ln.leg)
		}
	}
	for _, p := range d.phones {
		if p.line.leg != nil {
			legs = append(legs, p.line.leg)
		}
	}
	d.handler = nil
	d.mu.Unlock()
	for _, l := range legs {
		l.end("system", telephony.CauseShutdown)
	}
	d.wg.Wait()
	<-clockDone
	return nil
}

// Lines reports every line's state.
func (d *Driver) Lines() []telephony.LineState {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]telephony.LineState, 0, len(d.lines))
	for _, ln := range d.lines {
		s := telephony.LineState{Line: ln.name, Number: ln.number, State: telephony.LineIdle, Since: ln.since}
		if l := ln.leg; l != nil {
			s.State = l.lineState()
			s.Caller, s.Called, s.CallID = l.info.From, l.info.To, l.info.CallID
		}
		out = append(out, s)
	}
	return out
}

// ClockStats reports how the media clock, which this driver's legs share
// with every other driver's streams and the rooms, kept time.
func (d *Driver) ClockStats() clock.Stats { return d.clock.Stats() }

// seize takes a free line for a new inbound leg and hands the leg to the handler.
func (d *Driver) seize(c *Caller) (*leg, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.handler == nil {
		return nil, fmt.Errorf("sim: %w: driver not serving", telephony.ErrUnavailable)
	}
	var free *line
	for _, ln := range d.lines {
		if ln.leg == nil {
			free = ln
			break
		}
	}
	if free == nil {
		return nil, telephony.ErrNoLine
	}
	now := time.Now()
	l := newLeg(d, free, c, now)
	// A simulated line is an exchange line: its caller's number is the
	// network's (asserted), though it proves no agent's phone (verified).
	l.info.FromAsserted = l.info.From != "" && !c.opts.Unasserted
	free.leg, free.since = l, now
	d.publishLine(free, telephony.LineRinging, now)
	// The handler's context outlives the driver's: at shutdown the driver hangs
	// the leg up itself (CauseShutdown), and the leg's Context tells the handler.
	h, ctx := d.handler, context.WithoutCancel(d.serving)
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		h.ServeLeg(ctx, l)
		l.end("ivr", telephony.CauseNormal)
	}()
	return l, nil
}

// release frees the leg's line.
func (d *Driver) release(l *leg, at time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if l.line.leg == l {
		l.line.leg, l.line.since = nil, at
		d.publishLine(l.line, telephony.LineIdle, at)
	}
}

// publishLine publishes a line's new state; d.mu is held.
func (d *Driver) publishLine(ln *line, state string, at time.Time) {
	if d.pub == nil {
		return
	}
	e := event.LineChanged{Base: event.Base{At: at}, Line: ln.name, State: state}
	if ln.leg != nil {
		e.CallID, e.Caller, e.Called = ln.leg.info.CallID, ln.leg.info.From, ln.leg.info.To
	}
	d.pub.Publish(e)
}

var (
	_ telephony.Driver     = (*Driver)(nil)
	_ telephony.LineLister = (*Driver)(nil)
)
