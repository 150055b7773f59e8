package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"tracecall/telephony/event"
)

// Dialer places outbound legs. The core's Calls is the one apps use: a leg
// dialled with DialOptions.CallID joins that call, and the call's lifecycle
// is the core's to publish.
type Dialer interface {
	Dial(ctx context.Context, to Address, o DialOptions) (Leg, error)
	// CanDial reports whether a driver of that name can be dialled through.
	CanDial(driver string) bool
}

// Keeper keeps a call open while it has no legs (Calls.KeepOpen).
type Keeper interface {
	KeepOpen(id CallID) (release func(), ok bool)
}

// Calls is the core's switch: it serves every driver's inbound legs, dials
// outbound ones through the driver an Address names, and owns every call —
// its legs, its id and its life. It alone publishes a call's lifecycle:
// event.CallStarted, CallAnswered and CallEnded, once each per call. See the
// package doc, "Calls".
type Calls struct {
	drivers map[string]Driver
	order   []string // driver names, as given
	pub     *event.Client
	log     *slog.Logger

	// journal, when set (SetJournal, before Serve), makes each call's start
	// durable before the call is served; journalWait bounds the wait.
	journal     Journal
	journalWait time.Duration
	// journalWarned is when a late journal was last logged (Unix ns).
	journalWarned atomic.Int64

	// mu guards calls and every call's fields; it is never held across I/O
	// or a call into a driver (a leg's lock may be held when it is taken:
	// the order is leg, then mu).
	mu    sync.Mutex
	calls map[CallID]*call
}

// Journal makes a call's start durable before anyone serves the call: the
// daemon's is the call record writer (cdr.Writer), so that a crash at any
// moment after the caller could hear anything leaves the call on record.
// Calls calls Started with the call's CallStarted, after publishing it and
// before the call's first leg reaches the handler (or Dial returns it), and
// waits at most the wait SetJournal was given: a stalled disk delays calls by
// that much, never stops them. Started returns nil once the start is
// committed; an error says it is not (yet): the journal keeps it and writes it
// later, and the call goes on.
type Journal interface {
	Started(ctx context.Context, e event.CallStarted) error
}

// DefaultJournalWait is how long a call's first leg waits for its start to be
// journaled when SetJournal is given no wait.
const DefaultJournalWait = 2 * time.Second

// SetJournal makes every call's start wait for j (see Journal), at most wait
// (DefaultJournalWait if <= 0). Call it before Serve and Dial.
func (c *Calls) SetJournal(j Journal, wait time.Duration) {
	if wait <= 0 {
		wait = DefaultJournalWait
	}
	c.journal, c.journalWait = j, wait
}

// NewCalls returns the core over drivers; pub publishes the calls' lifecycle
// (nil publishes nothing).
func NewCalls(drivers []Driver, pub *event.Client, log *slog.Logger) (*Calls, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Calls{drivers: make(map[string]Driver), pub: pub, log: log, calls: make(map[CallID]*call)}
	for _, d := range drivers {
		if _, dup := c.drivers[d.Name()]; dup {
			return nil, fmt.Errorf("telephony: two drivers named %q", d.Name())
		}
		c.drivers[d.Name()] = d
		c.order = append(c.order, d.Name())
	}
	return c, nil
}

// CanDial reports whether a driver of that name is served.
func (c *Calls) CanDial(driver string) bool { return c.drivers[driver] != nil }

// Serve runs every driver's Serve until ctx ends, with h serving their
// inbound legs: each inbound leg joins the call its Info().CallID names,
// which starts with it unless a call of that id is in progress. Serve
// returns once every driver has stopped; calls still kept open (KeepOpen)
// then end, by "system".
func (c *Calls) Serve(ctx context.Context, h Handler) error {
	inbound := takingHandler{c: c, h: h}
	var wg sync.WaitGroup
	errs := make([]error, len(c.order))
	for i, name := range c.order {
		d := c.drivers[name]
		wg.Go(func() {
			if err := d.Serve(ctx, inbound); err != nil {
				errs[i] = fmt.Errorf("driver %s: %w", name, err)
			}
		})
	}
	wg.Wait()
	c.shutdown()
	return errors.Join(errs...)
}

// LegTaker is a Handler that takes each leg into the core before serving
// it (the one Calls.Serve gives drivers): the leg's Taken closes once its
// call's start is on record, or the journal's wait (SetJournal) is over. A
// driver given one holds back what the caller would hear (ringing) until
// Taken; one given another Handler (tests, tools) does not wait.
type LegTaker interface {
	Handler
	takesLegs()
}

// takingHandler is Calls.Serve's LegTaker: it takes each inbound leg into
// its call, then hands it to h.
type takingHandler struct {
	c *Calls
	h Handler
}

func (t takingHandler) ServeLeg(ctx context.Context, l Leg) {
	t.c.take(l, nil, false)
	t.h.ServeLeg(ctx, l)
}

func (takingHandler) takesLegs() {}

// Dial places an outbound leg through the driver to names. With o.CallID
// set the leg joins that call (an agent's phone for a caller, a transfer's
// target), and the call does not end while the dial is under way; without
// one, the leg starts a call of its own, whose id Dial chooses. A failed dial
// that started a call ends it, with the failure's cause.
func (c *Calls) Dial(ctx context.Context, to Address, o DialOptions) (Leg, error) {
	d, ok := c.drivers[to.Driver]
	if !ok {
		return nil, fmt.Errorf("telephony: dial %s: no driver %q: %w", to, to.Driver, ErrUnavailable)
	}
	now := time.Now()
	if o.CallID == "" {
		o.CallID = NewCallID(now)
	}
	cl := c.dialing(o.CallID, to, o, now)
	l, err := d.Dial(ctx, to, o)
	if err != nil {
		c.dialed(cl, nil, o, err)
		return nil, err
	}
	c.dialed(cl, l, o, nil)
	return l, nil
}

// KeepOpen keeps the call id open while it has no legs — a caller who hung
// up to be called back is still the same call until the callback is over —
// until release is called (once is enough; more are no-ops). It reports
// false, keeping nothing, when no such call is in progress.
func (c *Calls) KeepOpen(id CallID) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[id]
	if cl == nil {
		return func() {}, false
	}
	cl.keeps++
	var once sync.Once
	return func() {
		once.Do(func() {
			c.mu.Lock()
			defer c.mu.Unlock()
			cl.keeps--
			c.maybeEndLocked(cl, time.Now())
		})
	}, true
}

// Lines lists every driver's lines, drivers in the order given.
func (c *Calls) Lines() []LineState {
	var out []LineState
	for _, name := range c.order {
		out = append(out, c.drivers[name].Lines()...)
	}
	return out
}

// call is one call the core owns; Calls.mu guards it.
type call struct {
	id       CallID
	from, to string
	line     string
	dir      Direction
	started  time.Time
	answered time.Time
	// announced says CallStarted went out. A call a Dial starts is
	// announced when its first leg arrives (with the leg's line), or when
	// the dial fails.
	announced bool
	ended     bool
	legs      []*member
	// caller is the caller's leg: the one that started the call, or the
	// one a callback dialled (DialOptions.AsCaller).
	caller  *member
	dialing int // dials into the call under way
	keeps   int // KeepOpen holds
	// farEnd is how the last leg to hang up from its far end did, for the
	// call's end: an agent who hung up on the caller is the call's "agent".
	farEnd *member
}

// member is one leg's place in a call.
type member struct {
	c      *Calls
	call   *call
	info   LegInfo
	gone   bool
	hangup HangupInfo
}

// take puts l into the call its CallID names, starting the call when none
// is in progress (dialled is that call when a Dial made the leg); asCaller
// makes the leg the call's caller.
func (c *Calls) take(l Leg, dialled *call, asCaller bool) {
	info := l.Info()
	c.mu.Lock()
	cl := dialled
	if cl == nil {
		cl = c.calls[info.CallID]
	}
	if cl == nil || cl.ended {
		cl = &call{id: info.CallID, dir: info.Direction, started: info.Created}
		c.calls[cl.id] = cl
	}
	m := &member{c: c, call: cl, info: info}
	if asCaller || (len(cl.legs) == 0 && !cl.announced) {
		cl.caller = m
	}
	cl.legs = append(cl.legs, m)
	var started *event.CallStarted
	if !cl.announced {
		cl.from, cl.to, cl.line = info.From, info.To, info.Line
		e := c.announceLocked(cl)
		started = &e
	}
	c.mu.Unlock()
	if started != nil {
		// Before the leg joins: nothing of the call (an answer, its end)
		// happens until its start is on record.
		c.journalStart(l.Context(), *started)
	}

	answered, gone, h := l.legState().join(m)
	if answered {
		m.answered(time.Now())
	}
	if gone {
		m.left(h)
	}
}

// announceLocked publishes the call's start and returns it.
func (c *Calls) announceLocked(cl *call) event.CallStarted {
	cl.announced = true
	e := event.CallStarted{
		Base: event.Base{CallID: cl.id, At: cl.started},
		Line: cl.line, From: cl.from, To: cl.to, Direction: string(cl.dir),
	}
	c.publish(e)
	return e
}

// journalLogEvery is the least time between two warnings of calls that went
// on before their start was on record.
const journalLogEvery = time.Minute

// journalStart waits, at most journalWait and while the leg is up, for the
// journal to make the call's start durable. A failure is the journal's to
// report (it knows why); the core warns, now and then, of a journal too slow
// to answer, which is a stalled disk or writer.
func (c *Calls) journalStart(ctx context.Context, e event.CallStarted) {
	if c.journal == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, c.journalWait)
	defer cancel()
	err := c.journal.Started(ctx, e)
	if err == nil {
		return
	}
	log := c.log.With("call_id", e.CallID)
	if !errors.Is(err, context.DeadlineExceeded) {
		log.Debug("call start not on record yet; the call goes on", "err", err)
		return
	}
	now := time.Now().UnixNano()
	if last := c.journalWarned.Load(); now-last >= int64(journalLogEvery) && c.journalWarned.CompareAndSwap(last, now) {
		log.Warn("call start not on record after the longest wait; the call goes on, its record kept in memory",
			"wait", c.journalWait, "err", err)
	}
}

// dialing notes a dial into the call id, making the call when there is none.
func (c *Calls) dialing(id CallID, to Address, o DialOptions, now time.Time) *call {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.calls[id]
	if cl == nil || cl.ended {
		cl = &call{id: id, dir: Outbound, started: now, from: o.From, to: to.User}
		c.calls[id] = cl
	}
	cl.dialing++
	return cl
}

// dialed ends a dial into cl: the leg joins the call, or the failure may
// end it.
func (c *Calls) dialed(cl *call, l Leg, o DialOptions, err error) {
	if l != nil {
		c.take(l, cl, o.AsCaller)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cl.dialing--
	if err != nil && !cl.announced {
		c.announceLocked(cl)
		cl.farEnd = &member{hangup: HangupInfo{By: "ivr", Cause: causeOf(err), At: time.Now()}}
	}
	c.maybeEndLocked(cl, time.Now())
}

// answered is the member's leg answering: the call's first answer is the
// call's.
func (m *member) answered(at time.Time) {
	c := m.c
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := m.call
	if m.gone || !cl.answered.IsZero() || cl.ended {
		return
	}
	cl.answered = at
	c.publish(event.CallAnswered{Base: event.Base{CallID: cl.id, At: at}})
}

// left is the member's leg gone: the call ends with its last leg.
func (m *member) left(h HangupInfo) {
	c := m.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.gone {
		return
	}
	m.gone, m.hangup = true, h
	if h.By == "caller" {
		m.call.farEnd = m
	}
	at := h.At
	if at.IsZero() {
		at = time.Now()
	}
	c.maybeEndLocked(m.call, at)
}

// maybeEndLocked ends cl once nothing keeps it: no leg up, no dial under way,
// no KeepOpen.
func (c *Calls) maybeEndLocked(cl *call, at time.Time) {
	if cl.ended || cl.dialing > 0 || cl.keeps > 0 {
		return
	}
	for _, m := range cl.legs {
		if !m.gone {
			return
		}
	}
	c.endLocked(cl, at)
}

// endLocked publishes the call's end: who ended it and why.
func (c *Calls) endLocked(cl *call, at time.Time) {
	cl.ended = true
	if c.calls[cl.id] == cl {
		delete(c.calls, cl.id)
	}
	if !cl.announced { // a dial that never got a leg nor failed: only at shutdown
		c.announceLocked(cl)
	}
	by, cause := cl.hangup()
	c.publish(event.CallEnded{Base: event.Base{CallID: cl.id, At: at}, By: by, Cause: string(cause)})
}

// hangup says who ended the call and why: "caller" when the caller's leg
// hung up from its end; "agent" when the last party to hang up from their
// end was another leg (an agent, a transfer's number: the appliance then hung
// the caller up); else how the appliance ended the caller's leg ("ivr", or
// "system" at its stop). A call that never had a leg ends as its dial failed.
func (cl *call) hangup() (by string, cause Cause) {
	first := cl.caller
	switch {
	case first == nil && cl.farEnd != nil:
		return cl.farEnd.hangup.By, cl.farEnd.hangup.Cause
	case first == nil:
		return "system", CauseShutdown
	case first.hangup.By == "caller":
		return "caller", first.hangup.Cause
	case cl.farEnd != nil && cl.farEnd != first:
		return "agent", first.hangup.Cause
	}
	return first.hangup.By, first.hangup.Cause
}

// shutdown ends the calls that outlived the drivers: kept open ones.
func (c *Calls) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for _, cl := range c.calls {
		if len(cl.legs) == 0 {
			cl.farEnd = &member{hangup: HangupInfo{By: "system", Cause: CauseShutdown, At: now}}
		}
		c.endLocked(cl, now)
	}
}

func (c *Calls) publish(e event.Event) {
	if c.pub != nil {
		c.pub.Publish(e)
	}
}

// causeOf is the cause a failed dial ended its call with.
func causeOf(err error) Cause {
	switch {
	case errors.Is(err, ErrNoLine):
		return CauseNoRoute
	case errors.Is(err, ErrUnavailable):
		return CauseUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		return CauseNoAnswer
	case errors.Is(err, context.Canceled):
		return CauseNormal
	}
	return CauseFailure
}

var (
	_ Dialer     = (*Calls)(nil)
	_ Keeper     = (*Calls)(nil)
	_ LineLister = (*Calls)(nil)
)
