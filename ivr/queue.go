package ivr

import (
	"context"
	"fmt"
	"time"

	"tracecall/acd"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/media"
)

// Queues is what the IVR asks the ACD of a caller waiting in a queue, for
// the announcements; *acd.ACD is one.
type Queues interface {
	Position(ctx context.Context, id telephony.CallID) (int, error)
	EstimatedWait(ctx context.Context, id telephony.CallID) (time.Duration, error)
}

// Board takes a queue node's caller to an agent; *switchboard.Board is one.
// Queue queues the call, holds the caller through the Holder (the node's
// music and announcements) until an agent answers, then connects them and
// runs the call until the caller's part is over; or it returns the overflow
// the queue chose.
type Board interface {
	Queue(ctx context.Context, caller telephony.Leg, call acd.Call, h switchboard.Holder) (switchboard.Outcome, error)
}

// Customers gives a caller's queue priority from the customer book (VIP
// callers first); *crm.Book is one. It must answer quickly and never fail.
type Customers interface {
	Priority(ctx context.Context, number string) int
}

// Hold music choices for a queue node.
const (
	MusicMelody   = "melody"   // a soft pentatonic tune (default)
	MusicRingback = "ringback" // China's ringback tone, 450 Hz 1 s on, 4 s off
)

// queue hands the caller to the board for the node's ACD queue: they hear
// the node's prompt, then hold music with the position (and the estimated
// wait, when the ACD has an honest one) announced every AnnounceEvery, until
// an agent answers and the board connects them for the rest of the caller's
// part, the queue sends the call on (the node's next), or the caller hangs up.
func (r *run) queue(ctx context.Context, n Node) (string, error) {
	b := r.v.deps.Board
	if b == nil || r.v.deps.Queues == nil {
		r.log.Error("queue node without an acd", "queue", n.Queue)
		return n.Next, nil
	}
	out, err := b.Queue(ctx, r.s.Leg(), r.queuedCall(ctx, n), holder{r: r, n: n})
	switch {
	case err != nil:
		r.log.Error("queueing the call", "queue", n.Queue, "err", err)
		return n.Next, nil
	case out.Agent != "":
		r.log.Info("caller's part with the agents over", "agent", out.Agent)
		return "", nil
	case out.Overflow != nil:
		return n.Next, nil
	}
	return "", errHangup // the caller hung up, or asked to be called back
}

// holder is the queue node's side of the board's Queue: the music and
// announcements, and the caller's media handed over when an agent answers.
type holder struct {
	r *run
	n Node
}

func (h holder) Hold(ctx context.Context) { h.r.hold(ctx, h.n) }

func (h holder) Release(ctx context.Context) error { return h.r.s.Release(ctx) }

// hold plays the node's prompt, then music and announcements until ctx ends or
// the caller hangs up.
func (r *run) hold(ctx context.Context, n Node) {
	if n.Prompt != "" {
		if err := r.prompt(ctx, n.Prompt, nil, false); err != nil {
			return
		}
	}
	music := newHoldMusic(n.Music)
	every := r.v.cfg.AnnounceEvery
	for ctx.Err() == nil {
		if err := r.announce(ctx, n); err != nil {
			return
		}
		music.play(every)
		res, err := r.s.Play(ctx, music, r.callbackOn(n))
		if err != nil || res == telephony.PlayInterrupted && r.holdKey(ctx, n) {
			return
		}
	}
}

// announce says the caller's place in the queue, with the estimated wait when
// the ACD has one; nothing while the call rings an agent.
func (r *run) announce(ctx context.Context, n Node) error {
	q, id := r.v.deps.Queues, r.info.CallID
	pos, err := q.Position(ctx, id)
	if err != nil || pos < 1 {
		return nil // ringing an agent, or already out of the queue
	}
	vars := map[string]string{"position": fmt.Sprint(pos)}
	if n.Estimate != "" {
		if wait, err := q.EstimatedWait(ctx, id); err == nil && wait > 0 {
			vars["wait"] = waitText(r.lang, wait)
			return r.prompt(ctx, n.Estimate, vars, false)
		}
	}
	if n.Position == "" {
		return nil
	}
	return r.prompt(ctx, n.Position, vars, false)
}

// waitText says an estimated wait (already rounded up to 10 s by the ACD) in
// whole minutes from one minute up, in seconds below.
func waitText(lang string, d time.Duration) string {
	if d >= time.Minute {
		m := int((d + time.Minute - 1) / time.Minute)
		switch {
		case lang == "zh":
			return fmt.Sprintf("%d分钟", m)
		case m == 1:
			return "1 minute"
		}
		return fmt.Sprintf("%d minutes", m)
	}
	s := int((d + time.Second - 1) / time.Second)
	if lang == "zh" {
		return fmt.Sprintf("%d秒", s)
	}
	return fmt.Sprintf("%d seconds", s)
}

// holdMusic is a telephony.Source of hold music in stretches: play sets how
// long the next playback lasts, and the tune carries on where it stopped.
type holdMusic struct {
	ringback *media.ToneGenerator // for MusicRingback; nil plays the melody
	note     int
	gen      *media.ToneGenerator
	frames   int // of the current stretch
}

// melody is a slow tune on the gong scale (C D E G A), one note per entry.
var melody = []float64{659, 784, 880, 784, 659, 587, 523, 587, 659, 659, 587, 523, 587, 659, 784, 659}

// holdLevel keeps the music well below speech: it is background.
const holdLevel = -24

func newHoldMusic(kind string) *holdMusic {
	if kind == MusicRingback {
		return &holdMusic{ringback: media.NewCallProgress(media.ToneRingback)}
	}
	return &holdMusic{}
}

func (m *holdMusic) play(d time.Duration) {
	m.frames = int(d / (media.FrameDuration * time.Millisecond))
}

// Frame fills f with the next 20 ms of music.
func (m *holdMusic) Frame(n int, f *media.Frame) bool {
	if n >= m.frames {
		return false
	}
	if m.ringback != nil {
		return m.ringback.Next(f)
	}
	if m.gen == nil || !m.gen.Next(f) {
		m.gen = media.NewTone([]float64{melody[m.note%len(melody)]},
			[]time.Duration{420 * time.Millisecond, 180 * time.Millisecond}, holdLevel, false)
		m.note++
		m.gen.Next(f)
	}
	return true
}
