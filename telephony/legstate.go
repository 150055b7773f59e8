package telephony

import (
	"context"
	"io"
	"sync"
	"time"

	"tracecall/telephony/media"
)

// LegState is the lifetime every driver's leg keeps in the same way: the
// leg's Context, whether it was answered, and how it ended, which is set
// once, by whichever side ends the leg first. Drivers embed it, so a leg's
// Context and Ended come from here — and so does the
// leg's report to the core: once Calls has taken a leg into a call, the
// leg's answer (AnswerLocked) and its end (Cancel) reach the call through
// the LegState. A driver reports nothing else, and publishes no call event.
//
// It has no lock of its own: the leg's mutex, given to Init, guards it
// together with the rest of the leg's state, so a driver decides on both at
// once (a SIP leg owes a BYE only if it was answered and its INVITE is done
// when it ends). Ended and Cancel take that lock themselves; the methods
// whose names end in Locked expect it held.
type LegState struct {
	mu       sync.Locker
	ctx      context.Context
	cancel   context.CancelFunc
	answered bool
	ended    bool
	gone     bool // Cancel was called: the driver is done with the leg
	hangup   HangupInfo
	member   *member // the core's record of the leg in its call; nil until Calls takes it
	taken    chan struct{}
}

// Init readies s for a new leg whose mutex is mu.
func (s *LegState) Init(mu sync.Locker) {
	s.mu = mu
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.taken = make(chan struct{})
}

// Taken is closed once the core (Calls) has taken the leg into its call:
// the call's start is on record (Journal), or the journal's bounded wait is
// over. A driver whose handler is the core's (a LegTaker) sends the caller
// nothing it could hear, not even ringing, before then, so that a crash
// after the caller heard anything leaves the call on record. A leg served
// without the core is never taken.
func (s *LegState) Taken() <-chan struct{} { return s.taken }

// legState lets the core reach the state of any Leg: the Leg interface
// requires it, and only LegState has it, so every leg embeds one.
func (s *LegState) legState() *LegState { return s }

// Context ends when the leg's driver says so (Cancel), after the leg ended.
func (s *LegState) Context() context.Context { return s.ctx }

// Cancel ends the leg's Context and tells the leg's call the leg is gone.
// Drivers call it after EndLocked, at the point of their teardown where
// watchers of the Context may go on (the line is free), or to drop a leg that
// was never handed out. It must not be called with the leg's mutex held.
func (s *LegState) Cancel() {
	s.mu.Lock()
	s.gone = true
	m, h := s.member, s.hangup
	s.mu.Unlock()
	s.cancel()
	if m != nil {
		m.left(h)
	}
}

// Ended reports how the leg ended, and whether it has.
func (s *LegState) Ended() (HangupInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hangup, s.ended
}

// EndedLocked reports whether the leg has ended.
func (s *LegState) EndedLocked() bool { return s.ended }

// HangupLocked reports how the leg ended; the zero HangupInfo while it has not.
func (s *LegState) HangupLocked() HangupInfo { return s.hangup }

// AnsweredLocked reports whether the leg was answered (it stays so once ended).
func (s *LegState) AnsweredLocked() bool { return s.answered }

// AnswerLocked marks the leg answered, and tells its call; it reports false,
// changing nothing, when the leg has already ended.
func (s *LegState) AnswerLocked() bool {
	if s.ended {
		return false
	}
	if !s.answered {
		s.answered = true
		if s.member != nil {
			s.member.answered(time.Now())
		}
	}
	return true
}

// EndLocked ends the leg with how it ended, by "caller" (the leg's far end),
// "ivr" (the appliance: an app or the driver for it) or "system" (shutdown);
// it reports false, changing nothing, when the leg had already ended, so a
// driver tears a leg down once, from whichever side comes first.
func (s *LegState) EndLocked(by string, c Cause, at time.Time) bool {
	if s.ended {
		return false
	}
	s.ended = true
	s.hangup = HangupInfo{By: by, Cause: c, At: at}
	return true
}

// join records m as the leg's place in a call and reports what the call
// must catch up on: whether the leg was answered and whether the driver is
// already done with it.
func (s *LegState) join(m *member) (answered, gone bool, h HangupInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.member == nil && s.taken != nil {
		close(s.taken)
	}
	s.member = m
	return s.answered, s.gone, s.hangup
}

// ReadFrameFrom takes the next frame from rx into f, waiting for it; io.EOF once
// the leg's Context ends. It is a leg's ReadFrame over the queue its
// driver's clock fills.
func (s *LegState) ReadFrameFrom(rx <-chan media.Frame, f *media.Frame) error {
	select {
	case *f = <-rx:
		return nil
	case <-s.ctx.Done():
		return io.EOF
	}
}

// WriteFrameTo queues f on tx, waiting while the queue is full; io.EOF once the
// leg's Context ends. It is a leg's WriteFrame over the queue its
// driver's clock drains.
func (s *LegState) WriteFrameTo(tx chan<- media.Frame, f *media.Frame) error {
	select {
	case tx <- *f:
		return nil
	case <-s.ctx.Done():
		return io.EOF
	}
}
