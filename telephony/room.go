package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"tracecall/telephony/event"
	"tracecall/telephony/media"
	"tracecall/telephony/media/clock"
)

// RoomMode is how a member takes part in a Room.
type RoomMode int

// Room modes.
const (
	// RoomTalk members are heard by the others and hear the sum of the other
	// talkers.
	RoomTalk RoomMode = iota
	// RoomListen members hear the talkers and are not heard (a supervisor
	// listening in).
	RoomListen
	// RoomHeld members hear music (or whatever source they were held with),
	// are not heard and hear nobody.
	RoomHeld
)

func (m RoomMode) String() string {
	switch m {
	case RoomTalk:
		return "talk"
	case RoomListen:
		return "listen"
	case RoomHeld:
		return "held"
	}
	return fmt.Sprintf("RoomMode(%d)", int(m))
}

// Errors returned by a Room.
var (
	// ErrRoomClosed is returned by a Room's methods once Close has been called.
	ErrRoomClosed = errors.New("telephony: room closed")
	// ErrNotInRoom is returned for a leg that is not a member of the room.
	ErrNotInRoom = errors.New("telephony: leg not in the room")
	// ErrInRoom is returned by Join for a leg that is already a member.
	ErrInRoom = errors.New("telephony: leg already in the room")
)

// roomQueue bounds each member's frames waiting for the mixer and for its
// leg (100 ms): enough to ride out the clock's phases and a reader or
// writer waiting for a P, small enough that nobody hears an echo of delay.
// When full, the oldest frame goes; a reader never waits.
const roomQueue = 5

// RoomOption tunes a Room.
type RoomOption func(*roomOptions)

type roomOptions struct {
	events *event.Client
	log    *slog.Logger
	music  func() Source
}

// WithRoomEvents publishes event.RoomJoined, RoomLeft and RoomHeld on pub.
func WithRoomEvents(pub *event.Client) RoomOption {
	return func(o *roomOptions) { o.events = pub }
}

// WithRoomLog logs members' media errors to log.
func WithRoomLog(log *slog.Logger) RoomOption {
	return func(o *roomOptions) { o.log = log }
}

// WithRoomMusic sets what a member put on hold with SetMode(RoomHeld) hears:
// music returns a new source for each hold, so each held member hears it from
// its start. Without it held members hear silence.
func WithRoomMusic(music func() Source) RoomOption {
	return func(o *roomOptions) { o.music = music }
}

// RoomMember describes one member of a Room.
type RoomMember struct {
	Leg  LegID
	Line string
	Mode RoomMode
}

// Room is a conference of any number of legs on one call: every 20 ms each
// member hears the sum of the other talkers (saturated to 16 bits), listeners
// hear everyone and are not heard, held members hear their hold source. Legs
// join and leave, and change mode, while it runs; the others hear no gap.
//
// Each member has a reader and a writer goroutine, with short queues that
// drop the oldest frame when full; while the room has something to mix it is
// on the core's media clock (package telephony/media/clock), and on every
// tick the room takes at most one frame from each reader and hands each
// writer its mix. A member whose leg is slow to read or write loses frames
// and never holds up the others. While the room holds exactly two talking
// members there is nothing to mix: each reader hands its frames straight to
// the other's writer and the room leaves the clock, so a caller talking to an
// agent costs no mixing and no clock work (it costs what the Bridge it
// replaced did: telephony/doc.go, "Cost"); a third member, a hold or a
// listener puts it back on the clock.
//
// A member whose leg hangs up leaves by itself (event.RoomLeft "hangup"); one
// whose media fails is hung up with CauseMediaError. Otherwise the Room never
// hangs a leg up: Leave and Close leave legs up for whoever takes them next,
// except that a reader waiting for its leg's next frame takes that frame
// (which is lost) before it stops.
//
// All methods may be called from any goroutine.
type Room struct {
	id    CallID
	o     roomOptions
	clock *clock.Clock

	// mu guards s and closed. It is held only for bookkeeping and one
	// tick's mixing, never across I/O.
	mu     sync.Mutex
	s      roomState
	closed bool
}

// roomState is the room's members and mixing state; Room.mu guards it.
type roomState struct {
	r       *Room
	members []*roomMember
	sum     media.Sum
	out     media.Frame
	direct  bool // two talkers: readers feed each other's writers, no mixing
	ticking bool // on the clock
}

type roomMember struct {
	leg    Leg
	info   LegInfo
	mode   RoomMode
	music  Source
	musicN int
	in     chan media.Frame // filled by the reader
	out    chan media.Frame // drained by the writer
	cur    media.Frame      // this tick's frame from the leg
	has    bool             // cur holds a frame this tick
	seq    uint32
	// peer is the other member while the room is direct: the reader
	// sends its frames to peer's writer instead of to the mixer.
	peer  atomic.Pointer[roomMember]
	stop  chan struct{} // closed when the member leaves
	wdone chan struct{} // closed when the writer has stopped
}

// NewRoom starts an empty room for call id, mixed on c (the core's media
// clock, which its owner runs) whenever it has something to mix. Close stops
// it.
func NewRoom(id CallID, c *clock.Clock, opts ...RoomOption) *Room {
	r := &Room{id: id, clock: c}
	r.s.r = r
	for _, f := range opts {
		f(&r.o)
	}
	if r.o.log == nil {
		r.o.log = slog.New(slog.DiscardHandler)
	}
	return r
}

// ID returns the call the room belongs to.
func (r *Room) ID() CallID { return r.id }

// Join adds l to the room in mode m; a held member hears the room's music.
// The leg's media must not be in use elsewhere (release a Session first).
func (r *Room) Join(l Leg, m RoomMode) error {
	rd, wr, err := l.Media()
	if err != nil {
		return fmt.Errorf("telephony: room %s: join %s: %w", r.id, l.ID(), err)
	}
	err = r.do(func(s *roomState) error {
		if s.find(l.ID()) != nil {
			return ErrInRoom
		}
		mb := &roomMember{
			leg: l, info: l.Info(), mode: m,
			in:    make(chan media.Frame, roomQueue),
			out:   make(chan media.Frame, roomQueue),
			stop:  make(chan struct{}),
			wdone: make(chan struct{}),
		}
		if m == RoomHeld && r.o.music != nil {
			mb.music = r.o.music()
		}
		s.members = append(s.members, mb)
		go r.read(mb, rd)
		go r.write(mb, wr)
		s.rewire()
		r.publish(event.RoomJoined{Base: r.base(), Leg: string(mb.info.ID), Line: mb.info.Line, Mode: m.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("telephony: room %s: join %s: %w", r.id, l.ID(), err)
	}
	return nil
}

// SetMode changes how the member on leg id takes part. Putting a member on
// hold starts the room's music (WithRoomMusic) from its beginning.
func (r *Room) SetMode(id LegID, m RoomMode) error {
	var src Source
	if m == RoomHeld && r.o.music != nil {
		src = r.o.music()
	}
	return r.setMode(id, m, src)
}

// HoldWith puts the member on leg id on hold hearing src (ringback while a
// consulted party rings, say); nil is silence.
func (r *Room) HoldWith(id LegID, src Source) error {
	return r.setMode(id, RoomHeld, src)
}

func (r *Room) setMode(id LegID, m RoomMode, src Source) error {
	err := r.do(func(s *roomState) error {
		mb := s.find(id)
		if mb == nil {
			return ErrNotInRoom
		}
		was := mb.mode
		mb.mode = m
		if m == RoomHeld {
			mb.music, mb.musicN = src, 0
		} else {
			mb.music = nil
		}
		s.rewire()
		if (was == RoomHeld) != (m == RoomHeld) {
			r.publish(event.RoomHeld{Base: r.base(), Leg: string(id), Line: mb.info.Line, Held: m == RoomHeld, Mode: m.String()})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("telephony: room %s: %s to %s: %w", r.id, id, m, err)
	}
	return nil
}

// Leave takes the member on leg id out of the room, leaving the leg up. It
// returns once the member's writer has stopped (or after 100 ms if its leg
// takes no frames).
func (r *Room) Leave(id LegID) error {
	var mb *roomMember
	err := r.do(func(s *roomState) error {
		if mb = s.find(id); mb == nil {
			return ErrNotInRoom
		}
		s.remove(mb, "left")
		return nil
	})
	if err != nil {
		return fmt.Errorf("telephony: room %s: leave %s: %w", r.id, id, err)
	}
	waitWriters([]*roomMember{mb})
	return nil
}

// Members lists the room's members in the order they joined.
func (r *Room) Members() []RoomMember {
	var out []RoomMember
	_ = r.do(func(s *roomState) error {
		for _, mb := range s.members {
			out = append(out, RoomMember{Leg: mb.info.ID, Line: mb.info.Line, Mode: mb.mode})
		}
		return nil
	})
	return out
}

// Close takes every member out, leaving their legs up, and takes the room
// off its clock. It returns once every writer has stopped (or after 100 ms
// if a leg takes no frames). Closing twice is a no-op.
func (r *Room) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	ms := slices.Clone(r.s.members)
	for len(r.s.members) > 0 {
		r.s.remove(r.s.members[len(r.s.members)-1], "closed")
	}
	r.s.schedule()
	r.mu.Unlock()
	waitWriters(ms)
	return nil
}

// writerWait bounds how long Leave and Close wait for a member's writer to
// finish the frame it is writing: a leg takes a frame within 20 ms unless
// its far end has stalled, and a stalled leg must not hold up the room's
// owner.
const writerWait = 100 * time.Millisecond

// waitWriters waits until the writers of ms have stopped, or writerWait.
func waitWriters(ms []*roomMember) {
	t := time.NewTimer(writerWait)
	defer t.Stop()
	for _, mb := range ms {
		select {
		case <-mb.wdone:
		case <-t.C:
			return
		}
	}
}

// do runs f with the room locked and returns its error.
func (r *Room) do(f func(*roomState) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrRoomClosed
	}
	err := f(&r.s)
	r.s.schedule()
	return err
}

// roomStream is a room as the media clock ticks it: it mixes after the
// phase's packets have left.
type roomStream struct{ r *Room }

// Send does nothing: a room's frames go out through its members' writers.
func (roomStream) Send(clock.Tick) bool { return false }

// Receive mixes one frame for every member, if the room is on the clock (a
// room taken off it may be ticked once more).
func (s roomStream) Receive(clock.Tick) bool {
	r := s.r
	r.mu.Lock()
	if r.s.ticking {
		r.s.mix()
	}
	r.mu.Unlock()
	return false
}

func (r *Room) base() event.Base { return event.Base{CallID: r.id, At: time.Now()} }

func (r *Room) publish(e event.Event) {
	if r.o.events != nil {
		r.o.events.Publish(e)
	}
}

func (s *roomState) find(id LegID) *roomMember {
	for _, mb := range s.members {
		if mb.info.ID == id {
			return mb
		}
	}
	return nil
}

func (s *roomState) has(m *roomMember) bool {
	for _, mb := range s.members {
		if mb == m {
			return true
		}
	}
	return false
}

// remove takes mb out and stops its goroutines; the writer finishes the write
// it is in (bounded by its leg) and the reader its read.
func (s *roomState) remove(mb *roomMember, reason string) {
	for i, x := range s.members {
		if x == mb {
			s.members = append(s.members[:i], s.members[i+1:]...)
			break
		}
	}
	close(mb.stop)
	mb.peer.Store(nil)
	s.rewire()
	s.r.publish(event.RoomLeft{Base: s.r.base(), Leg: string(mb.info.ID), Line: mb.info.Line, Reason: reason})
}

// schedule puts the room on its clock while it has something to mix, and
// takes it off otherwise.
func (s *roomState) schedule() {
	want := !s.r.closed && !s.direct && len(s.members) > 0
	if want == s.ticking {
		return
	}
	s.ticking = want
	if want {
		s.r.clock.Add(roomStream{s.r})
	} else {
		s.r.clock.Remove(roomStream{s.r})
	}
}

// rewire makes the room direct when it holds exactly two talkers, and
// mixed otherwise. Frames a reader queued for the mixer just before the room
// went direct go on to the other member rather than being lost.
func (s *roomState) rewire() {
	direct := len(s.members) == 2 && s.members[0].mode == RoomTalk && s.members[1].mode == RoomTalk
	if direct == s.direct {
		return
	}
	s.direct = direct
	if !direct {
		for _, mb := range s.members {
			mb.peer.Store(nil)
		}
		return
	}
	a, b := s.members[0], s.members[1]
	a.peer.Store(b)
	b.peer.Store(a)
	for _, x := range []*roomMember{a, b} {
		for len(x.in) > 0 {
			f := <-x.in
			pushDropOldest(x.peer.Load().out, &f)
		}
	}
}

// exit removes a member whose reader or writer stopped with err, unless it
// has left already: its leg hung up, or its media failed (the leg is then
// hung up).
func (r *Room) exit(mb *roomMember, err error) {
	r.mu.Lock()
	if !r.s.has(mb) {
		r.mu.Unlock()
		return
	}
	failed := mb.leg.Context().Err() == nil
	reason := "hangup"
	if failed {
		reason = "media_error"
	}
	r.s.remove(mb, reason)
	r.s.schedule()
	r.mu.Unlock()
	if failed {
		// Logged outside r.mu, which the clock takes for every mix.
		r.o.log.Warn("room member media failed", "call_id", r.id, "leg", mb.info.ID, "err", err)
		_ = mb.leg.Hangup(context.Background(), CauseMediaError)
	}
}

// mix takes this tick's frame from every member and gives each its mix.
func (s *roomState) mix() {
	s.sum.Reset()
	for _, mb := range s.members {
		select {
		case mb.cur = <-mb.in:
			mb.has = true
		default:
			mb.has = false
		}
		if mb.has && mb.mode == RoomTalk {
			s.sum.Add(&mb.cur)
		}
	}
	f := &s.out
	for _, mb := range s.members {
		switch {
		case mb.mode == RoomHeld:
			if mb.music == nil || !mb.music.Frame(mb.musicN, f) {
				f.Silence()
			}
			mb.musicN++
		case mb.mode == RoomTalk && mb.has:
			s.sum.Out(f, &mb.cur)
		default:
			s.sum.Out(f, nil)
		}
		f.Seq = mb.seq
		mb.seq++
		pushDropOldest(mb.out, f)
	}
}

// pushDropOldest queues *f in q, dropping the oldest frame while q is full.
func pushDropOldest(q chan media.Frame, f *media.Frame) {
	for {
		select {
		case q <- *f:
			return
		default:
		}
		select {
		case <-q:
		default:
		}
	}
}

// read moves the member's leg's frames to its queue until the member leaves
// or the leg's stream ends.
func (r *Room) read(mb *roomMember, rd media.FrameReader) {
	var f media.Frame
	for {
		if err := rd.ReadFrame(&f); err != nil {
			r.exit(mb, err)
			return
		}
		select {
		case <-mb.stop:
			return
		default:
		}
		if p := mb.peer.Load(); p != nil {
			pushDropOldest(p.out, &f)
		} else {
			pushDropOldest(mb.in, &f)
		}
	}
}

// write sends the member's mix to its leg until the member leaves or the
// leg's stream ends.
func (r *Room) write(mb *roomMember, wr media.FrameWriter) {
	defer close(mb.wdone)
	for {
		select {
		case f := <-mb.out:
			if err := wr.WriteFrame(&f); err != nil {
				r.exit(mb, err)
				return
			}
		case <-mb.stop:
			return
		}
	}
}
