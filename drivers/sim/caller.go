package sim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// CallOptions describe a simulated caller.
type CallOptions struct {
	// CallID is the id the call will carry; empty picks a new one.
	CallID telephony.CallID
	ANI    string // calling number
	DNIS   string // dialled number; picks the IVR flow
	// DTMF is the script keyed after the answer: 0-9 * # A-D are keys, w waits one
	// second. Spaces are ignored.
	DTMF string
	// OutOfBand sends keys as RFC 4733-style events instead of in-band tones.
	OutOfBand bool
	// Record keeps everything the caller hears.
	Record bool
	// Timeout hangs up this long after the call was placed; default 60 s.
	Timeout time.Duration
	// LeadIn is the silence before the first key; default 300 ms.
	LeadIn time.Duration
	// ToneOn and ToneOff are each key's tone and the pause after it; default 100 ms each.
	ToneOn, ToneOff time.Duration
	// LevelDBm0 is each tone's level; default -10 dBm0.
	LevelDBm0 float64
	// Unasserted makes ANI a number no network asserts
	// (LegInfo.FromAsserted false), as a SIP stranger's From is: only
	// what the caller wrote. By default a line's ANI is the exchange's.
	Unasserted bool
}

// ErrBadScript is returned by Call for a DTMF script with a character that is not a key or w.
var ErrBadScript = errors.New("sim: bad dtmf script")

func (o CallOptions) withDefaults() (CallOptions, error) {
	if o.Timeout <= 0 {
		o.Timeout = 60 * time.Second
	}
	if o.LeadIn <= 0 {
		o.LeadIn = 300 * time.Millisecond
	}
	if o.ToneOn <= 0 {
		o.ToneOn = 100 * time.Millisecond
	}
	if o.ToneOff <= 0 {
		o.ToneOff = 100 * time.Millisecond
	}
	if o.LevelDBm0 == 0 {
		o.LevelDBm0 = -10
	}
	o.DTMF = strings.ReplaceAll(o.DTMF, " ", "")
	for i, r := range o.DTMF {
		if !strings.ContainsRune("0123456789*#ABCDabcdwW", r) {
			return o, fmt.Errorf("%w: %q at position %d: keys are 0-9 * # A-D, w waits one second", ErrBadScript, r, i+1)
		}
	}
	o.DTMF = strings.ToUpper(strings.ReplaceAll(o.DTMF, "w", "W"))
	if o.ANI == "" {
		return o, errors.New("sim: caller number (ani) is required")
	}
	if o.DNIS == "" {
		return o, errors.New("sim: dialled number (dnis) is required")
	}
	return o, nil
}

// Result is how a simulated call went.
type Result struct {
	CallID   telephony.CallID
	Line     string
	Answered bool
	Hangup   telephony.HangupInfo
	// Heard is what the caller heard, 8 kHz linear, when Record was set.
	Heard []int16
}

// Caller is a simulated caller on a line.
type Caller struct {
	opts CallOptions
	leg  *leg

	// Script state, touched only by the clock goroutine once answered.
	script     []byte
	pos        int
	gen        *media.ToneGenerator
	waitFrames int
	elapsed    int // frames since answer
	started    bool
	// more carries keys pressed during the call (Keys) to the clock.
	more chan []byte

	// mu guards result and heard.
	mu     sync.Mutex
	heard  []int16
	result Result
	done   chan struct{}
	timer  *time.Timer
	// onAnswer, when set, is told of the answer (a phone's own call, for its
	// watchers).
	onAnswer func(time.Time)
}

// Call places a simulated call: it seizes a free line and rings the handler. The
// call proceeds in the background; Wait returns its result.
func (d *Driver) Call(ctx context.Context, o CallOptions) (*Caller, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	c := &Caller{opts: o, script: []byte(o.DTMF), done: make(chan struct{}), more: make(chan []byte, 16)}
	c.waitFrames = int(o.LeadIn / (media.FrameDuration * time.Millisecond))
	l, err := d.seize(c)
	if err != nil {
		return nil, err
	}
	d.follow(ctx, c, l, o)
	return c, nil
}

// follow ends a placed call when its caller gives up: it rang out, its
// Timeout passed, or ctx ended.
func (d *Driver) follow(ctx context.Context, c *Caller, l *leg, o CallOptions) {
	c.result.CallID, c.result.Line = l.info.CallID, l.info.Line
	ringTimeout := d.cfg.RingTimeout
	c.timer = time.AfterFunc(min(o.Timeout, ringTimeout), func() {
		if l.lineState() == telephony.LineRinging {
			l.end("caller", telephony.CauseNoAnswer)
			return
		}
		// Answered before the ring timeout: the overall timeout still applies.
		rest := o.Timeout - time.Since(l.info.Created)
		if rest <= 0 {
			l.end("caller", telephony.CauseNormal)
			return
		}
		c.timer = time.AfterFunc(rest, func() { l.end("caller", telephony.CauseNormal) })
	})
	go func() {
		select {
		case <-ctx.Done():
			l.end("caller", telephony.CauseNormal)
		case <-c.done:
		}
	}()
}

// CallID returns the call's id.
func (c *Caller) CallID() telephony.CallID { return c.leg.info.CallID }

// Hangup hangs up from the caller's side.
func (c *Caller) Hangup() { c.leg.end("caller", telephony.CauseNormal) }

// Keys presses keys (0-9 * # A-D, w waits one second) after the script
// and any keys pressed before, as the call's DTMF option would.
func (c *Caller) Keys(keys string) error {
	o := c.opts
	o.DTMF = keys
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	select {
	case c.more <- []byte(o.DTMF):
		return nil
	case <-c.done:
		return telephony.ErrHungUp
	}
}

// Done is closed when the call has ended.
func (c *Caller) Done() <-chan struct{} { return c.done }

// Wait blocks until the call has ended or ctx is done.
func (c *Caller) Wait(ctx context.Context) (Result, error) {
	select {
	case <-c.done:
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.result, nil
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

func (c *Caller) answered(at time.Time) {
	c.mu.Lock()
	c.result.Answered = true
	c.mu.Unlock()
	if c.onAnswer != nil {
		c.onAnswer(at)
	}
}

func (c *Caller) finish(h telephony.HangupInfo) {
	c.mu.Lock()
	c.result.Hangup = h
	if c.opts.Record {
		c.result.Heard = c.heard
	}
	c.mu.Unlock()
	close(c.done)
}

// next fills f with the caller's next frame of audio; it runs on the clock.
func (c *Caller) next(f *media.Frame, oob chan<- telephony.Digit) {
	c.elapsed++
	for {
		if c.gen != nil {
			if c.gen.Next(f) {
				if oob != nil {
					f.Silence()
				}
				return
			}
			c.gen = nil
		}
		if c.waitFrames > 0 {
			c.waitFrames--
			f.Silence()
			return
		}
		if c.pos >= len(c.script) {
			select {
			case more := <-c.more:
				c.script = append(c.script, more...)
				continue
			default:
			}
			f.Silence()
			return
		}
		k := c.script[c.pos]
		c.pos++
		if k == 'W' {
			c.waitFrames = 1000 / media.FrameDuration
			continue
		}
		gen, err := media.NewDTMFTone(k, c.opts.ToneOn, c.opts.ToneOff, c.opts.LevelDBm0)
		if err != nil { // the script was checked in Call
			continue
		}
		c.gen = gen
		if oob != nil {
			select {
			case oob <- telephony.Digit{Key: k, Source: "rfc4733", At: time.Now()}:
			default:
			}
		}
	}
}

// hear keeps what the caller heard; it runs on the clock.
func (c *Caller) hear(f *media.Frame) {
	if !c.opts.Record {
		return
	}
	c.mu.Lock()
	c.heard = append(c.heard, f.Samples[:]...)
	c.mu.Unlock()
}
