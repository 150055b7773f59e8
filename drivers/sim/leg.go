package sim

import (
	"context"
	"sync"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// rxQueue bounds the caller's frames waiting for the app: deep enough to absorb a
// starved clock's catch-up bursts (320 ms; the clock owes at most 200). txQueue bounds what the app may write
// ahead of the clock; it is shallow, so what the app played has been heard (all
// but 60 ms) by the time its Play returns.
const (
	rxQueue = 16
	txQueue = 3
	// digitQueue holds keys the app has not read: a whole code typed ahead.
	digitQueue = 32
)

// leg is the appliance's side of a simulated line: what the Handler serves.
type leg struct {
	d      *Driver
	line   *line
	info   telephony.LegInfo
	caller *Caller
	phone  *Phone // set on a phone's leg (outbound), nil on a line's

	rx   chan media.Frame     // caller → appliance, filled by the clock
	tx   chan media.Frame     // appliance → caller, drained by the clock
	keys chan telephony.Digit // every key: out of band, and the tones the clock hears
	oob  chan telephony.Digit // keys for an out-of-band caller to send: keys, or nil
	det  *media.DTMFDetector  // run by the clock on the caller's frames (arrive)

	// mu guards the LegState: Context, answered, and how the leg ended.
	mu sync.Mutex
	telephony.LegState
}

func newLeg(d *Driver, ln *line, c *Caller, now time.Time) *leg {
	id := c.opts.CallID
	if id == "" {
		id = telephony.NewCallID(now)
	}
	l := &leg{
		d: d, line: ln, caller: c,
		info: telephony.LegInfo{
			ID:        telephony.LegID(ln.name + "/" + now.Format("150405.000000")),
			CallID:    id,
			Driver:    d.cfg.Name,
			Line:      ln.name,
			From:      c.opts.ANI,
			To:        c.opts.DNIS,
			Direction: telephony.Inbound,
			Created:   now,
		},
		rx:   make(chan media.Frame, rxQueue),
		tx:   make(chan media.Frame, txQueue),
		keys: make(chan telephony.Digit, digitQueue),
		det:  media.NewDTMFDetector(media.DTMFConfig{}),
	}
	l.Init(&l.mu)
	if c.opts.OutOfBand {
		l.oob = l.keys
	}
	c.leg = l
	return l
}

func (l *leg) ID() telephony.LegID            { return l.info.ID }
func (l *leg) Info() telephony.LegInfo        { return l.info }
func (l *leg) Digits() <-chan telephony.Digit { return l.keys }

// InbandDTMF is false: the clock finds the caller's tones as it takes each
// frame (arrive), before the app's queue.
func (l *leg) InbandDTMF() bool { return false }

func (l *leg) Media() (media.FrameReader, media.FrameWriter, error) { return l, l, nil }

// Answer takes the line off hook; the caller's script starts on the next tick.
// A phone's leg is answered by the phone, so Answer only checks it is up.
func (l *leg) Answer(ctx context.Context) error {
	l.mu.Lock()
	if l.EndedLocked() {
		l.mu.Unlock()
		return telephony.ErrHungUp
	}
	if l.AnsweredLocked() || l.phone != nil {
		l.mu.Unlock()
		return nil
	}
	l.AnswerLocked()
	l.mu.Unlock()
	l.up(time.Now())
	return nil
}

// up puts an answered leg in call: its line shows it, the caller's side
// starts, and the clock moves its frames.
func (l *leg) up(now time.Time) {
	l.d.mu.Lock()
	if l.line.leg == l {
		l.line.since = now
		l.d.publishLine(l.line, telephony.LineInCall, now)
	}
	l.d.mu.Unlock()
	l.caller.answered(now)
	l.d.clock.Add(legStream{l})
}

// Hangup ends the call from the appliance's side.
func (l *leg) Hangup(ctx context.Context, c telephony.Cause) error {
	l.end("ivr", c)
	return nil
}

func (l *leg) lineState() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.AnsweredLocked() {
		return telephony.LineInCall
	}
	return telephony.LineRinging
}

// arrive hands the app the caller's frame f without blocking, and reports an
// overrun: the app too far behind to take it. The detector hears every frame
// first, so a key survives an app (or a clock catching up) that overruns.
func (l *leg) arrive(f *media.Frame) (over bool) {
	if k, ok := l.det.Process(f); ok {
		select {
		case l.keys <- telephony.Digit{Key: k, Source: "inband", At: time.Now()}:
		default:
		}
	}
	select {
	case l.rx <- *f:
		return false
	default:
		return true
	}
}

// ReadFrame returns the caller's next frame, waiting for its tick.
func (l *leg) ReadFrame(f *media.Frame) error { return l.ReadFrameFrom(l.rx, f) }

// WriteFrame queues a frame for the caller; it waits while the queue is full.
func (l *leg) WriteFrame(f *media.Frame) error { return l.WriteFrameTo(l.tx, f) }

// end hangs the leg up once, from whichever side: by is "caller", "ivr" or "system".
func (l *leg) end(by string, cause telephony.Cause) {
	now := time.Now()
	l.mu.Lock()
	first := l.EndLocked(by, cause, now)
	h := l.HangupLocked()
	l.mu.Unlock()
	if !first {
		return
	}
	l.d.clock.Remove(legStream{l})
	l.d.release(l, now)
	if l.phone != nil {
		l.phone.idle(l)
	}
	// The line is free: the leg's Context ends and its call hears of it.
	l.Cancel()
	l.caller.finish(h)
}

var (
	_ telephony.Leg         = (*leg)(nil)
	_ telephony.DigitSource = (*leg)(nil)
	_ telephony.InbandDTMF  = (*leg)(nil)
)
