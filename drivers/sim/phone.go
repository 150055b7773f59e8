package sim

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// ErrNoAnswer is returned by Dial when a phone rang for the dial's timeout
// without answering, and ErrRejected when it was hung up while it rang.
var (
	ErrNoAnswer = errors.New("sim: phone did not answer")
	ErrRejected = errors.New("sim: phone rejected the call")
)

// ErrBusy is returned by Dial (wrapping telephony.ErrUnavailable) for a phone
// already on a call.
var ErrBusy = errors.New("sim: phone busy")

// PhoneOptions describe how a simulated agent phone behaves.
type PhoneOptions struct {
	// AnswerAfter is how long the phone rings before it answers by itself; zero
	// answers at once, negative never (Answer picks it up by hand, or the dial
	// times out).
	AnswerAfter time.Duration
	// ToneHz is the agent's "voice" once answered: a steady tone; default 600 Hz.
	ToneHz float64
	// Record keeps what the phone hears on each call (Caller.Wait's Heard).
	Record bool
}

// Phone is a simulated agent phone: an extension Dial can ring. It answers
// after PhoneOptions.AnswerAfter, speaks a steady tone and hears whatever the
// appliance sends it, on the driver's 20 ms clock. A phone carries one call at a
// time.
type Phone struct {
	d    *Driver
	ext  string
	line *line // not one of the driver's lines; d.mu guards line.leg

	// mu guards the fields below.
	mu     sync.Mutex
	opts   PhoneOptions
	leg    *leg          // the call ringing or up; nil when idle
	last   *Caller       // the phone's side of its current or last call
	pickUp chan struct{} // closed by Answer while ringing
	calls  int
	watch  []chan PhoneEvent // phone_watch.go
}

// AddPhone creates the phone with extension ext, or changes its options if it
// exists, and returns it. The change applies to the next call.
func (d *Driver) AddPhone(ext string, o PhoneOptions) *Phone {
	d.mu.Lock()
	defer d.mu.Unlock()
	p := d.phoneLocked(ext)
	p.mu.Lock()
	p.opts = o
	p.mu.Unlock()
	return p
}

// Phone returns the phone with extension ext, if there is one.
func (d *Driver) Phone(ext string) (*Phone, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	p, ok := d.phones[ext]
	return p, ok
}

// phoneLocked returns the phone ext, creating it with the configured defaults;
// d.mu is held.
func (d *Driver) phoneLocked(ext string) *Phone {
	if p, ok := d.phones[ext]; ok {
		return p
	}
	p := &Phone{
		d: d, ext: ext,
		line: &line{name: d.cfg.Name + "/phone/" + ext, number: ext, since: time.Now()},
		opts: PhoneOptions{AnswerAfter: d.cfg.AnswerAfter},
	}
	d.phones[ext] = p
	return p
}

// Ext returns the phone's extension.
func (p *Phone) Ext() string { return p.ext }

// State says whether the phone is idle, ringing or in a call (the telephony
// line states).
func (p *Phone) State() string {
	p.mu.Lock()
	l := p.leg
	p.mu.Unlock()
	if l == nil {
		return telephony.LineIdle
	}
	return l.lineState()
}

// Calls reports how many calls have rung the phone.
func (p *Phone) Calls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// Last returns the phone's side of its current or last call (nil before the
// first): Wait gives what it heard and how it ended.
func (p *Phone) Last() *Caller {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Answer picks up the ringing phone by hand.
func (p *Phone) Answer() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.leg == nil || p.pickUp == nil {
		return fmt.Errorf("sim: phone %s: not ringing", p.ext)
	}
	close(p.pickUp)
	p.pickUp = nil
	return nil
}

// Hangup hangs up the phone's call: the agent hangs up, or rejects the call
// while it rings. An idle phone does nothing.
func (p *Phone) Hangup() {
	p.mu.Lock()
	l := p.leg
	p.mu.Unlock()
	if l != nil {
		l.end("caller", telephony.CauseNormal)
	}
}

// Dial rings the simulated phone to.User (created on demand with the
// configured AnswerAfter). It returns the answered leg, which joins o.CallID,
// once the phone picks up; ErrNoAnswer after o.Timeout (default the driver's
// ring timeout), ErrRejected if the phone hung up while ringing, ErrBusy if it
// is on another call, and ctx.Err() if ctx ends first (the ringing stops).
func (d *Driver) Dial(ctx context.Context, to telephony.Address, o telephony.DialOptions) (telephony.Leg, error) {
	if to.Driver != d.cfg.Name || to.User == "" {
		return nil, fmt.Errorf("sim: dial %s: %w", to, telephony.ErrUnavailable)
	}
	d.mu.Lock()
	if d.handler == nil {
		d.mu.Unlock()
		return nil, fmt.Errorf("sim: dial %s: %w: driver not serving", to, telephony.ErrUnavailable)
	}
	p := d.phoneLocked(to.User)
	d.mu.Unlock()
	l, err := p.ring(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("sim: dial %s: %w", to, err)
	}
	return l, nil
}

// ring rings the phone until it answers, the dial times out or ctx ends.
func (p *Phone) ring(ctx context.Context, o telephony.DialOptions) (*leg, error) {
	d := p.d
	p.mu.Lock()
	if p.leg != nil {
		p.mu.Unlock()
		return nil, fmt.Errorf("%w: %w", ErrBusy, telephony.ErrUnavailable)
	}
	opts := p.opts
	if opts.ToneHz == 0 {
		opts.ToneHz = 600
	}
	c := &Caller{
		opts: CallOptions{CallID: o.CallID, ANI: o.From, DNIS: p.ext, Record: opts.Record},
		done: make(chan struct{}),
		gen:  media.NewTone([]float64{opts.ToneHz}, nil, -15, true),
	}
	now := time.Now()
	l := newLeg(d, p.line, c, now)
	l.phone = p
	l.info.Direction = telephony.Outbound
	l.info.From, l.info.To = o.From, p.ext
	c.result.CallID, c.result.Line = l.info.CallID, l.info.Line
	pickUp := make(chan struct{})
	p.leg, p.last, p.pickUp = l, c, pickUp
	p.calls++
	p.notifyLocked(PhoneEvent{Type: PhoneRinging, CallID: l.info.CallID, From: o.From, To: p.ext, At: now})
	p.mu.Unlock()

	d.mu.Lock()
	p.line.leg, p.line.since = l, now
	d.publishLine(p.line, telephony.LineRinging, now)
	d.mu.Unlock()

	timeout := o.Timeout
	if timeout <= 0 {
		timeout = d.cfg.RingTimeout
	}
	ringOut := time.NewTimer(timeout)
	defer ringOut.Stop()
	var auto <-chan time.Time
	if opts.AnswerAfter >= 0 {
		t := time.NewTimer(opts.AnswerAfter)
		defer t.Stop()
		auto = t.C
	}
	select {
	case <-auto:
	case <-pickUp:
	case <-ringOut.C:
		l.end("caller", telephony.CauseNoAnswer)
		return nil, ErrNoAnswer
	case <-l.Context().Done():
		return nil, ErrRejected
	case <-ctx.Done():
		l.end("ivr", telephony.CauseNormal)
		return nil, ctx.Err()
	}
	p.mu.Lock()
	p.pickUp = nil
	p.mu.Unlock()
	if !l.offHook() {
		return nil, ErrRejected
	}
	return l, nil
}

// offHook answers the phone's leg from the phone's side and starts its media;
// false if the leg has already ended.
func (l *leg) offHook() bool {
	l.mu.Lock()
	up := l.AnswerLocked()
	l.mu.Unlock()
	if !up {
		return false
	}
	now := time.Now()
	l.up(now)
	l.phone.notify(PhoneEvent{Type: PhoneAnswered, CallID: l.info.CallID, From: l.info.From, To: l.info.To, At: now})
	return true
}

// idle frees the phone after its leg ended.
func (p *Phone) idle(l *leg) {
	p.mu.Lock()
	if p.leg == l {
		p.leg, p.pickUp = nil, nil
	}
	h, _ := l.Ended()
	p.notifyLocked(PhoneEvent{Type: PhoneHangup, CallID: l.info.CallID, From: l.info.From, To: l.info.To,
		By: hungUpBy(h.By), Cause: h.Cause, At: h.At})
	p.mu.Unlock()
}
