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
// Context and Ended (the Ender interface) come from here.
//
// It has no lock of its own: the leg's mutex, given to Init, guards it
// together with the rest of the leg's state, so a driver decides on both at
// once (a SIP leg owes a BYE only if it was answered and its INVITE is done
// when it ends). Ended takes that lock itself; the methods whose names end in
// Locked expect it held.
type LegState struct {
	mu       sync.Locker
	ctx      context.Context
	cancel   context.CancelFunc
	answered bool
	ended    bool
	hangup   HangupInfo
}

// Init readies s for a new leg whose mutex is mu.
func (s *LegState) Init(mu sync.Locker) {
	s.mu = mu
	s.ctx, s.cancel = context.WithCancel(context.Background())
}

// Context ends when the leg's driver says so (Cancel), after the leg ended.
func (s *LegState) Context() context.Context { return s.ctx }

// Cancel ends the leg's Context. Drivers call it after EndLocked, at the
// point of their teardown where watchers of the Context may go on, or to
// drop a leg that was never handed out.
func (s *LegState) Cancel() { s.cancel() }

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

// AnswerLocked marks the leg answered; it reports false, changing nothing,
// when the leg has already ended.
func (s *LegState) AnswerLocked() bool {
	if s.ended {
		return false
	}
	s.answered = true
	return true
}

// EndLocked ends the leg with how it ended, by "caller", "ivr" or "system";
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
// leg's Context ends. It is a leg's WriteFrame over the queue its driver's
// clock drains.
func (s *LegState) WriteFrameTo(tx chan<- media.Frame, f *media.Frame) error {
	select {
	case tx <- *f:
		return nil
	case <-s.ctx.Done():
		return io.EOF
	}
}
