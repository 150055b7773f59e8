package telephonytest

import (
	"context"
	"io"
	"sync"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// Leg is a fake leg. Send gives the app the far end's next frame; Sent returns
// what the app wrote in answer. Hangup and far-end hangup (Close) end it.
type Leg struct {
	info   telephony.LegInfo
	ctx    context.Context
	rx     chan media.Frame
	tx     chan media.Frame
	digits chan telephony.Digit

	// mu guards the LegState.
	mu sync.Mutex
	telephony.LegState
}

// NewLeg returns a fake inbound leg. With outOfBand set, Digits delivers what Key
// sends; otherwise keys must come in band.
func NewLeg(info telephony.LegInfo, outOfBand bool) *Leg {
	l := &Leg{info: info, rx: make(chan media.Frame), tx: make(chan media.Frame, 1)}
	l.Init(&l.mu)
	l.ctx = l.LegState.Context()
	if outOfBand {
		l.digits = make(chan telephony.Digit, 16)
	}
	return l
}

func (l *Leg) ID() telephony.LegID            { return l.info.ID }
func (l *Leg) Info() telephony.LegInfo        { return l.info }
func (l *Leg) Digits() <-chan telephony.Digit { return l.digits }

func (l *Leg) Media() (media.FrameReader, media.FrameWriter, error) { return l, l, nil }

// Answer marks the leg answered.
func (l *Leg) Answer(context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.AnswerLocked() {
		return telephony.ErrHungUp
	}
	return nil
}

// Hangup ends the leg from the app's side.
func (l *Leg) Hangup(_ context.Context, c telephony.Cause) error {
	l.end("ivr", c)
	return nil
}

// Close ends the leg from the far end.
func (l *Leg) Close() { l.end("caller", telephony.CauseNormal) }

func (l *Leg) end(by string, c telephony.Cause) {
	l.mu.Lock()
	first := l.EndLocked(by, c, time.Now())
	l.mu.Unlock()
	if first {
		l.Cancel()
	}
}

// Answered reports whether the app answered.
func (l *Leg) Answered() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.AnsweredLocked()
}

// Exchange gives the app the far end's frame f and returns the frame the app
// sent in answer; false once the leg has ended.
func (l *Leg) Exchange(f media.Frame) (media.Frame, bool) {
	select {
	case l.rx <- f:
	case <-l.ctx.Done():
		return media.Frame{}, false
	}
	select {
	case g := <-l.tx:
		return g, true
	case <-l.ctx.Done():
		return media.Frame{}, false
	}
}

// Key sends an out-of-band key (the leg must have been made with outOfBand).
func (l *Leg) Key(k byte) { l.digits <- telephony.Digit{Key: k, Source: "test", At: time.Now()} }

// Report sends d as it is on Digits, as a driver reports a key it received (the
// leg must have been made with outOfBand).
func (l *Leg) Report(d telephony.Digit) { l.digits <- d }

// ReadFrame gives the app the next frame from Exchange.
func (l *Leg) ReadFrame(f *media.Frame) error {
	select {
	case g := <-l.rx:
		*f = g
		return nil
	case <-l.ctx.Done():
		return io.EOF
	}
}

// WriteFrame takes the app's frame for Exchange.
func (l *Leg) WriteFrame(f *media.Frame) error {
	select {
	case l.tx <- *f:
		return nil
	case <-l.ctx.Done():
		return io.EOF
	}
}

var (
	_ telephony.Leg         = (*Leg)(nil)
	_ telephony.DigitSource = (*Leg)(nil)
)
