package ivr

import (
	"context"
	"fmt"
	"time"

	"tracecall/acd"
	"tracecall/telephony"
	"tracecall/telephony/media"
)

// Queues is the IVR's seam to the ACD; *acd.ACD is one.
type Queues interface {
	Enqueue(ctx context.Context, k acd.Call) error
	Position(ctx context.Context, id telephony.CallID) (int, error)
	EstimatedWait(ctx context.Context, id telephony.CallID) (time.Duration, error)
	CallEnded(ctx context.Context, id telephony.CallID) error
}

// Agents hands the IVR the agent's leg for a queued caller; *offer.Offerer is
// one. Await is called before the call is queued: answered delivers the leg of
// the agent who picked up, diverted the overflow when the queue sends the call
// on to a goodbye or voicemail; done unregisters.
type Agents interface {
	Await(id telephony.CallID) (answered <-chan telephony.Leg, diverted <-chan acd.Overflow, done func())
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

// queue holds the caller in the node's ACD queue: the node's prompt, then hold
// music with the position (and the estimated wait, when the ACD has an honest
// one) announced every AnnounceEvery, until an agent answers and the two are
// connected, the queue sends the call on (the node's next), or the caller hangs up.
func (r *run) queue(ctx context.Context, n Node) (string, error) {
	q, ag := r.v.deps.Queues, r.v.deps.Agents
	if q == nil || ag == nil {
		r.log.Error("queue node without an acd", "queue", n.Queue)
		return n.Next, nil
	}
	id := r.info.CallID
	answered, diverted, done := ag.Await(id)
	defer done()
	call := acd.Call{ID: id, Caller: r.info.From, Called: r.info.To, Queue: n.Queue, Data: map[string]string{"ivr_flow": r.flowName}}
	if r.chain != nil {
		call.Data["trace_code"] = r.chain.TraceCode
	}
	if c := r.v.deps.Customers; c != nil {
		call.Priority = c.Priority(ctx, r.info.From)
	}
	if err := q.Enqueue(ctx, call); err != nil {
		r.log.Error("queueing the call", "queue", n.Queue, "err", err)
		return n.Next, nil
	}
	// Whatever happens next, the ACD hears the call is over when this node is:
	// a caller who hangs up while waiting has abandoned, an agent who talked
	// goes to wrap-up.
	defer func() {
		if err := q.CallEnded(context.WithoutCancel(ctx), id); err != nil {
			r.log.Warn("telling the acd the call ended", "err", err)
		}
	}()

	holdCtx, stopHold := context.WithCancel(ctx)
	defer stopHold()
	var leg telephony.Leg
	var div *acd.Overflow
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case leg = <-answered:
		case o := <-diverted:
			div = &o
		case <-holdCtx.Done():
		}
		stopHold()
	}()
	r.hold(holdCtx, n)
	stopHold()
	<-watched

	switch {
	case ctx.Err() != nil:
		if leg != nil {
			_ = leg.Hangup(context.WithoutCancel(ctx), telephony.CauseNormal)
		}
		return "", errHangup
	case leg != nil:
		return "", r.connect(ctx, leg, call)
	case div != nil:
		r.log.Info("queue sent the call on", "queue", n.Queue, "overflow", div.String())
		return n.Next, nil
	}
	return "", errHangup // the caller hung up while on hold
}

// connect joins the caller and the agent's leg in a room of two talkers
// until one of them hangs up.
// When Agents is call control (package switchboard) it gets the two legs and
// the call instead, and keeps them through hold, transfers and conferences
// until the caller's part is over.
func (r *run) connect(ctx context.Context, agent telephony.Leg, call acd.Call) error {
	bg := context.WithoutCancel(ctx)
	if err := r.s.Release(ctx); err != nil {
		_ = agent.Hangup(bg, telephony.CauseNormal)
		return errHangup
	}
	type connector interface {
		Connect(ctx context.Context, caller, agent telephony.Leg, call acd.Call) error
	}
	if cc, ok := r.v.deps.Agents.(connector); ok {
		if err := cc.Connect(ctx, r.s.Leg(), agent, call); err != nil {
			r.log.Warn("call control ended", "err", err)
		}
		return nil
	}
	r.log.Info("caller connected to agent", "agent_leg", agent.ID())
	// The room lives as long as the legs: the caller's hangup (which also
	// ends ctx) or the agent's hangs up the other, and so does the driver's
	// shutdown, which hangs every leg up. A leg whose media fails is hung up
	// by the room.
	caller := r.s.Leg()
	if r.v.deps.Clock == nil {
		r.log.Error("no media clock to connect the caller on (Deps.Clock)")
		_ = agent.Hangup(bg, telephony.CauseFailure)
		_ = caller.Hangup(bg, telephony.CauseFailure)
		return nil
	}
	room := telephony.NewRoom(r.info.CallID, r.v.deps.Clock,
		telephony.WithRoomEvents(r.v.deps.Events), telephony.WithRoomLog(r.log))
	defer room.Close()
	err := room.Join(caller, telephony.RoomTalk)
	if err == nil {
		err = room.Join(agent, telephony.RoomTalk)
	}
	if err != nil {
		r.log.Warn("connecting the caller to the agent", "err", err)
		_ = agent.Hangup(bg, telephony.CauseMediaError)
		_ = caller.Hangup(bg, telephony.CauseMediaError)
		return nil
	}
	select {
	case <-caller.Context().Done():
		_ = agent.Hangup(bg, telephony.CauseNormal)
	case <-agent.Context().Done():
		_ = caller.Hangup(bg, telephony.CauseNormal)
	}
	return nil
}

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
