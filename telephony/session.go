package telephony

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// Source is audio to play: it fills f with frame n and returns false past its end.
// A TTS clip, a WAV prompt and a tone generator are sources.
type Source interface {
	Frame(n int, f *media.Frame) bool
}

// PlayResult says how a playback ended.
type PlayResult int

// Playback outcomes.
const (
	PlayCompleted   PlayResult = iota // the source ran to its end
	PlayInterrupted                   // a digit barged in
	PlayStopped                       // the context ended or another playback replaced it
)

// digitQueue is how many keys a session holds for the app: type-ahead of a whole
// trace code with room to spare.
const digitQueue = 64

// Session runs one leg's media for an app: a goroutine reads a frame every 20 ms,
// takes the leg's keys, and writes the frame of whatever is playing, silence
// otherwise. The app plays sources and reads digits from its own goroutine;
// nothing it does can hold up the media loop.
//
// Keys come from the leg's Digits (RFC 4733, SIP INFO, and the tones its driver
// found in the audio as it arrived) and, unless the leg's InbandDTMF says its
// driver does that already, from the session's own in-band detector on the frames
// it reads. Tones are listened for even when the leg also has out-of-band keys: a
// phone that negotiated telephone-event may still key in band. A press reported
// both ways is one key (see dupWindow).
type Session struct {
	leg  Leg
	info LegInfo
	pub  *event.Client
	log  *slog.Logger

	r    media.FrameReader
	w    media.FrameWriter
	det  *media.DTMFDetector
	oob  <-chan Digit
	keys KeyLog // keys delivered lately, to drop a press's second report

	digits  chan Digit
	plays   chan *playback
	release chan struct{} // closed by Release
	once    sync.Once     // closes release
	done    chan struct{}
	err     error // why the media loop ended; read after done closes
}

type playback struct {
	src     Source
	bargeIn bool
	n       int
	stop    chan struct{}
	result  chan PlayResult // buffered 1; the loop sends exactly once
}

func (p *playback) finish(r PlayResult) { p.result <- r }

// NewSession starts the media loop of l. The loop ends when the leg's media ends
// (hangup); Done then closes.
func NewSession(l Leg, pub *event.Client, log *slog.Logger) (*Session, error) {
	r, w, err := l.Media()
	if err != nil {
		return nil, fmt.Errorf("telephony: session on %s: %w", l.ID(), err)
	}
	s := &Session{
		leg:     l,
		info:    l.Info(),
		pub:     pub,
		log:     log,
		r:       r,
		w:       w,
		digits:  make(chan Digit, digitQueue),
		plays:   make(chan *playback, 1),
		release: make(chan struct{}),
		done:    make(chan struct{}),
	}
	if ds, ok := l.(DigitSource); ok {
		s.oob = ds.Digits()
	}
	inband := true
	if ib, ok := l.(InbandDTMF); ok {
		inband = ib.InbandDTMF()
	}
	if inband {
		s.det = media.NewDTMFDetector(media.DTMFConfig{})
	}
	go s.loop()
	return s, nil
}

// Leg returns the session's leg.
func (s *Session) Leg() Leg { return s.leg }

// Digits returns the keys the caller pressed, oldest first, including those pressed
// while a prompt was playing (type-ahead).
func (s *Session) Digits() <-chan Digit { return s.digits }

// PendingDigits reports how many keys are waiting to be read.
func (s *Session) PendingDigits() int { return len(s.digits) }

// FlushDigits drops every key waiting to be read.
func (s *Session) FlushDigits() {
	for {
		select {
		case <-s.digits:
		default:
			return
		}
	}
}

// Done is closed when the media loop has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err says why the media loop ended; io.EOF means the leg hung up.
func (s *Session) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Play plays src to the leg and returns when it has finished, when a digit arrived
// and bargeIn is set (PlayInterrupted; the digit stays readable), or when ctx ends.
// With bargeIn set and keys already waiting, it returns PlayInterrupted at once.
func (s *Session) Play(ctx context.Context, src Source, bargeIn bool) (PlayResult, error) {
	if bargeIn && len(s.digits) > 0 {
		return PlayInterrupted, nil
	}
	p := &playback{src: src, bargeIn: bargeIn, stop: make(chan struct{}), result: make(chan PlayResult, 1)}
	select {
	case s.plays <- p:
	case <-s.done:
		return PlayStopped, s.hungUp()
	case <-ctx.Done():
		return PlayStopped, ctx.Err()
	}
	select {
	case r := <-p.result:
		if r == PlayStopped {
			select {
			case <-s.done: // stopped because the leg ended
				return r, s.hungUp()
			default:
			}
		}
		return r, nil
	case <-s.done:
		return PlayStopped, s.hungUp()
	case <-ctx.Done():
		close(p.stop)
		return PlayStopped, ctx.Err()
	}
}

// Release stops the media loop between two frames without hanging up, so that
// the leg's media can be handed to someone else (a room), and waits until the
// loop has stopped or ctx ends. A playback in progress ends PlayStopped; Done
// closes and Err returns ErrReleased. Releasing twice is harmless.
func (s *Session) Release(ctx context.Context) error {
	s.once.Do(func() { close(s.release) })
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Session) hungUp() error {
	if errors.Is(s.err, io.EOF) || s.err == nil {
		return ErrHungUp
	}
	return fmt.Errorf("%w: %w", ErrHungUp, s.err)
}

func (s *Session) loop() {
	var in, out media.Frame
	var cur *playback
	for {
		if err := s.r.ReadFrame(&in); err != nil {
			s.err = err
			break
		}
		digit := false
		if s.det != nil {
			if k, ok := s.det.Process(&in); ok && s.digit(Digit{Key: k, Source: "inband", At: time.Now()}) {
				digit = true
			}
		}
	oob:
		for s.oob != nil {
			select {
			case d, ok := <-s.oob:
				if !ok {
					s.oob = nil
					break oob
				}
				if s.digit(d) {
					digit = true
				}
			default:
				break oob
			}
		}
		select {
		case p := <-s.plays:
			if cur != nil {
				cur.finish(PlayStopped)
			}
			cur = p
			// A key that came between Play's own check and now still barges in.
			if cur.bargeIn && len(s.digits) > 0 {
				cur.finish(PlayInterrupted)
				cur = nil
			}
		default:
		}
		if cur != nil {
			select {
			case <-cur.stop:
				cur.finish(PlayStopped)
				cur = nil
			default:
				if digit && cur.bargeIn {
					cur.finish(PlayInterrupted)
					cur = nil
				}
			}
		}
		if cur != nil && cur.src.Frame(cur.n, &out) {
			cur.n++
		} else {
			if cur != nil {
				cur.finish(PlayCompleted)
				cur = nil
			}
			out.Silence()
		}
		if err := s.w.WriteFrame(&out); err != nil {
			s.err = err
			break
		}
		select {
		case <-s.release:
			s.err = ErrReleased
		default:
			continue
		}
		break
	}
	close(s.done) // before finishing the playback, so Play sees why it stopped
	if cur != nil {
		cur.finish(PlayStopped)
	}
}

// digit hands a key to the app and the bus without blocking, and reports
// whether it did: a second report of a press already delivered is dropped, and
// when the app has fallen a whole queue behind, the oldest key is.
func (s *Session) digit(d Digit) bool {
	if s.keys.Repeat(d) {
		if s.log != nil {
			s.log.Debug("key heard twice, counted once", "key", string(d.Key), "source", d.Source)
		}
		return false
	}
	if s.pub != nil {
		s.pub.Publish(event.DigitReceived{
			Base:   event.Base{CallID: s.info.CallID, At: d.At},
			Key:    string(d.Key),
			Source: d.Source,
		})
	}
	for {
		select {
		case s.digits <- d:
			return true
		default:
		}
		select {
		case old := <-s.digits:
			s.log.Warn("digit queue full, dropping oldest", "key", string(old.Key))
		default:
		}
	}
}
