package sip

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestClockOrder: streams are ticked in the order they were added, each in
// the emptiest phase, and removing one keeps the others in their phase and
// order, so each call's packet leaves at the same point of every tick.
func TestClockOrder(t *testing.T) {
	s := make([]*stream, 12)
	for i := range s {
		s[i] = &stream{}
	}
	tests := []struct {
		name   string
		add    []int
		remove []int
		then   []int // added after the removals
		want   [clockPhases][]int
	}{
		{"one per phase first", []int{2, 0, 4}, nil, nil, [clockPhases][]int{{2}, {0}, {4}, nil}},
		{"then round again", []int{0, 1, 2, 3, 4, 5}, nil, nil, [clockPhases][]int{{0, 4}, {1, 5}, {2}, {3}}},
		{"added twice", []int{1, 3, 1}, nil, nil, [clockPhases][]int{{1}, {3}, nil, nil}},
		{"remove keeps phases", []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, []int{1, 4}, nil, [clockPhases][]int{{0, 8}, {5}, {2, 6}, {3, 7}}},
		{"remove unknown", []int{0, 1}, []int{9}, nil, [clockPhases][]int{{0}, {1}, nil, nil}},
		{"a new call fills the emptiest", []int{0, 1, 2, 3, 4}, []int{1}, []int{9}, [clockPhases][]int{{0, 4}, {9}, {2}, {3}}},
		{"re-added goes where there is room", []int{0, 1, 2, 3, 4, 5}, []int{2, 0}, []int{0}, [clockPhases][]int{{4}, {1, 5}, {0}, {3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			for _, i := range tt.add {
				c.add(s[i])
			}
			for _, i := range tt.remove {
				c.remove(s[i])
			}
			for _, i := range tt.then {
				c.add(s[i])
			}
			for p := range clockPhases {
				var got []int
				for _, st := range c.phase(p) {
					got = append(got, slices.Index(s, st))
				}
				if !slices.Equal(got, tt.want[p]) {
					t.Errorf("phase %d: %v, want %v", p, got, tt.want[p])
				}
			}
		})
	}
}

// TestClockRemoveDuringTick: a stream removed and closed while a tick runs
// over the list that still holds it is harmless (its socket is closed under
// the tick's feet), and add and remove never wait for a tick.
func TestClockRemoveDuringTick(t *testing.T) {
	sink := listenSink(t)
	c := newClock()
	var streams []*stream
	for range 8 {
		s := newTestStream(t, sink)
		streams = append(streams, s)
		c.add(s)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); c.run(ctx) }()
	for _, s := range streams {
		time.Sleep(3 * time.Millisecond)
		c.remove(s)
		s.close()
	}
	time.Sleep(2 * tick)
	cancel()
	<-done
	if got := len(c.list()); got != 0 {
		t.Errorf("%d streams left on the clock", got)
	}
	if st := c.stats(); st.Ticks == 0 {
		t.Error("the clock never ticked")
	}
}

// TestClockClaim: of two workers waking for the same phase only one runs
// it; the beat then moves on 5 ms, and after a long stall it starts afresh
// from now instead of running the missed phases in a burst.
func TestClockClaim(t *testing.T) {
	c := newClock()
	b := c.nextBeat()
	if !c.claim(b) {
		t.Fatal("first claim of the first phase refused")
	}
	if c.claim(b) {
		t.Error("a phase was claimed twice")
	}
	n := c.nextBeat()
	if n.n != b.n+1 || n.at.Sub(b.at) != tick/clockPhases {
		t.Errorf("next beat %d at +%v, want %d at +%v", n.n, n.at.Sub(b.at), b.n+1, tick/clockPhases)
	}
	c.next.at = time.Now().Add(-time.Second) // as if the clock had stalled
	stalled := c.nextBeat()
	if !c.claim(stalled) {
		t.Fatal("claim after a stall refused")
	}
	if after := c.nextBeat(); time.Since(after.at) > tick {
		t.Errorf("after a 1 s stall the next phase is %v behind, want a new beat from now", time.Since(after.at))
	}
}
