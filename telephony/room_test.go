package telephony_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
	"tracecall/telephony/media"
	"tracecall/telephony/telephonytest"
)

// party is a far end in a room: it speaks a constant sample value and keeps
// what it hears, one value per frame (the frames the room sends are flat).
type party struct {
	leg *telephonytest.Leg
	// mu guards voice and heard.
	mu    sync.Mutex
	voice int16
	heard []int16
	done  chan struct{}
}

func newParty(t *testing.T, id string, voice int16) *party {
	t.Helper()
	p := &party{
		leg:   telephonytest.NewLeg(telephony.LegInfo{ID: telephony.LegID(id), CallID: "c1", Line: "test/" + id}, false),
		voice: voice,
		done:  make(chan struct{}),
	}
	t.Cleanup(func() { p.leg.Close(); <-p.done })
	go func() {
		defer close(p.done)
		var f media.Frame
		for {
			p.mu.Lock()
			v := p.voice
			p.mu.Unlock()
			for i := range f.Samples {
				f.Samples[i] = v
			}
			g, ok := p.leg.Exchange(f)
			if !ok {
				return
			}
			p.mu.Lock()
			p.heard = append(p.heard, g.Samples[0])
			p.mu.Unlock()
		}
	}()
	return p
}

// hears waits until the party has heard want in n frames in a row.
func (p *party) hears(t *testing.T, want int16, n int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		h := p.heard
		run := 0
		for i := len(h) - 1; i >= 0 && h[i] == want; i-- {
			run++
		}
		p.mu.Unlock()
		if run >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	tail := p.heard[max(0, len(p.heard)-10):]
	t.Fatalf("%s: want to hear %d for %d frames; last heard %v", p.leg.ID(), want, n, tail)
}

// mark returns how many frames the party has heard so far.
func (p *party) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.heard)
}

// since returns what the party heard after mark m.
func (p *party) since(m int) []int16 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int16(nil), p.heard[m:]...)
}

// flat is a Source of frames with every sample v.
type flat int16

func (v flat) Frame(_ int, f *media.Frame) bool {
	for i := range f.Samples {
		f.Samples[i] = int16(v)
	}
	return true
}

func TestRoomMixes(t *testing.T) {
	tests := []struct {
		name  string
		modes []telephony.RoomMode
		want  []int16 // what each party hears; voices are 1, 10, 100
	}{
		{name: "two talkers", modes: []telephony.RoomMode{telephony.RoomTalk, telephony.RoomTalk}, want: []int16{10, 1}},
		{name: "three talkers hear the other two", modes: []telephony.RoomMode{telephony.RoomTalk, telephony.RoomTalk, telephony.RoomTalk}, want: []int16{110, 101, 11}},
		{name: "listener hears both, is not heard", modes: []telephony.RoomMode{telephony.RoomTalk, telephony.RoomTalk, telephony.RoomListen}, want: []int16{10, 1, 11}},
		{name: "held hears music, is not heard, hears nobody", modes: []telephony.RoomMode{telephony.RoomHeld, telephony.RoomTalk, telephony.RoomTalk}, want: []int16{7, 100, 10}},
	}
	voices := []int16{1, 10, 100}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := telephony.NewRoom("c1", telephonytest.Clock(t), telephony.WithRoomMusic(func() telephony.Source { return flat(7) }))
			t.Cleanup(func() { _ = r.Close() })
			var ps []*party
			for i, m := range tt.modes {
				p := newParty(t, string(rune('a'+i)), voices[i])
				ps = append(ps, p)
				if err := r.Join(p.leg, m); err != nil {
					t.Fatal(err)
				}
			}
			for i, p := range ps {
				p.hears(t, tt.want[i], 10)
			}
		})
	}
}

func TestRoomSaturates(t *testing.T) {
	r := telephony.NewRoom("c1", telephonytest.Clock(t))
	t.Cleanup(func() { _ = r.Close() })
	a, b, c := newParty(t, "a", 30000), newParty(t, "b", 30000), newParty(t, "c", -30000)
	for _, p := range []*party{a, b, c} {
		if err := r.Join(p.leg, telephony.RoomTalk); err != nil {
			t.Fatal(err)
		}
	}
	c.hears(t, 32767, 5) // 30000 + 30000 clipped
	a.hears(t, 0, 5)     // 30000 - 30000: the sum is not clipped before
	b.hears(t, 0, 5)     // own voice is taken out
	c.mu.Lock()          // sanity: c heard nothing but the clipped sum or silence
	defer c.mu.Unlock()  // while joining
	for _, v := range c.heard {
		if v != 32767 && v != 30000 && v != 0 {
			t.Fatalf("c heard %d", v)
		}
	}
}

// TestRoomJoinLeaveNoGap checks that two talkers keep hearing each other,
// frame after frame, while a third joins, is held, leaves and another hangs up.
func TestRoomJoinLeaveNoGap(t *testing.T) {
	bus := event.New(nil)
	w := eventtest.Watch(t, bus)
	r := telephony.NewRoom("c1", telephonytest.Clock(t), telephony.WithRoomEvents(bus.Client("room")),
		telephony.WithRoomMusic(func() telephony.Source { return flat(7) }))
	t.Cleanup(func() { _ = r.Close() })
	a, b := newParty(t, "a", 1), newParty(t, "b", 10)
	for _, p := range []*party{a, b} {
		if err := r.Join(p.leg, telephony.RoomTalk); err != nil {
			t.Fatal(err)
		}
	}
	a.hears(t, 10, 5)
	from := a.mark()

	c := newParty(t, "c", 100)
	if err := r.Join(c.leg, telephony.RoomTalk); err != nil {
		t.Fatal(err)
	}
	if err := r.Join(c.leg, telephony.RoomTalk); !errors.Is(err, telephony.ErrInRoom) {
		t.Fatalf("second Join = %v, want ErrInRoom", err)
	}
	a.hears(t, 110, 5)
	c.hears(t, 11, 5)
	if err := r.SetMode("c", telephony.RoomHeld); err != nil {
		t.Fatal(err)
	}
	c.hears(t, 7, 5)
	a.hears(t, 10, 5)
	eventtest.Expect(w, time.Second, func(e event.RoomHeld) bool { return e.Leg == "c" && e.Held && e.CallID == "c1" })
	if err := r.SetMode("c", telephony.RoomTalk); err != nil {
		t.Fatal(err)
	}
	a.hears(t, 110, 5)
	eventtest.Expect(w, time.Second, func(e event.RoomHeld) bool { return e.Leg == "c" && !e.Held && e.Mode == "talk" })
	if err := r.Leave("c"); err != nil {
		t.Fatal(err)
	}
	if _, ended := c.leg.Ended(); ended {
		t.Fatal("Leave hung the leg up")
	}
	eventtest.Expect(w, time.Second, func(e event.RoomLeft) bool { return e.Leg == "c" && e.Reason == "left" })
	a.hears(t, 10, 5)
	if err := r.Leave("c"); !errors.Is(err, telephony.ErrNotInRoom) {
		t.Fatalf("second Leave = %v, want ErrNotInRoom", err)
	}

	// What a heard from b's side never dropped out: every frame carried b.
	gaps := 0
	for _, v := range a.since(from) {
		if v != 10 && v != 110 {
			gaps++
		}
	}
	if gaps > 1 { // one frame may go while the scheduler is busy (-race, two cores)
		t.Errorf("a heard %d frames without b while c came and went", gaps)
	}

	d := newParty(t, "d", 1000)
	if err := r.Join(d.leg, telephony.RoomTalk); err != nil {
		t.Fatal(err)
	}
	a.hears(t, 1010, 5)
	d.leg.Close()
	eventtest.Expect(w, time.Second, func(e event.RoomLeft) bool { return e.Leg == "d" && e.Reason == "hangup" })
	a.hears(t, 10, 5)
	if got := len(r.Members()); got != 2 {
		t.Fatalf("%d members, want 2", got)
	}

	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ended := a.leg.Ended(); ended {
		t.Fatal("Close hung a leg up")
	}
	if err := r.Join(c.leg, telephony.RoomTalk); !errors.Is(err, telephony.ErrRoomClosed) {
		t.Fatalf("Join after Close = %v, want ErrRoomClosed", err)
	}
}

// TestRoomSlowLeg checks that a member who does not read does not hold up the
// others.
func TestRoomSlowLeg(t *testing.T) {
	r := telephony.NewRoom("c1", telephonytest.Clock(t))
	t.Cleanup(func() { _ = r.Close() })
	a, b := newParty(t, "a", 1), newParty(t, "b", 10)
	stuck := telephonytest.NewLeg(telephony.LegInfo{ID: "stuck", CallID: "c1"}, false) // never exchanges
	t.Cleanup(stuck.Close)
	for _, l := range []telephony.Leg{a.leg, b.leg, stuck} {
		if err := r.Join(l, telephony.RoomTalk); err != nil {
			t.Fatal(err)
		}
	}
	a.hears(t, 10, 25)
	b.hears(t, 1, 25)
}
