package clock

import (
	"slices"
	"testing"
	"time"
)

// nop is a stream that does nothing.
type nop struct{ id int }

func (*nop) Send(Tick) bool    { return false }
func (*nop) Receive(Tick) bool { return false }

// TestOrder: streams are ticked in the order they were added, each in the
// emptiest phase, and removing one keeps the others in their phase and
// order, so each stream's frame leaves at the same point of every tick.
func TestOrder(t *testing.T) {
	s := make([]*nop, 12)
	for i := range s {
		s[i] = &nop{i}
	}
	tests := []struct {
		name   string
		add    []int
		remove []int
		then   []int // added after the removals
		want   [Phases][]int
	}{
		{"one per phase first", []int{2, 0, 4}, nil, nil, [Phases][]int{{2}, {0}, {4}, nil}},
		{"then round again", []int{0, 1, 2, 3, 4, 5}, nil, nil, [Phases][]int{{0, 4}, {1, 5}, {2}, {3}}},
		{"added twice", []int{1, 3, 1}, nil, nil, [Phases][]int{{1}, {3}, nil, nil}},
		{"remove keeps phases", []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, []int{1, 4}, nil, [Phases][]int{{0, 8}, {5}, {2, 6}, {3, 7}}},
		{"remove unknown", []int{0, 1}, []int{9}, nil, [Phases][]int{{0}, {1}, nil, nil}},
		{"a new stream fills the emptiest", []int{0, 1, 2, 3, 4}, []int{1}, []int{9}, [Phases][]int{{0, 4}, {9}, {2}, {3}}},
		{"re-added goes where there is room", []int{0, 1, 2, 3, 4, 5}, []int{2, 0}, []int{0}, [Phases][]int{{4}, {1, 5}, {0}, {3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(nil)
			for _, i := range tt.add {
				c.Add(s[i])
			}
			for _, i := range tt.remove {
				c.Remove(s[i])
			}
			for _, i := range tt.then {
				c.Add(s[i])
			}
			n := 0
			for p := range Phases {
				var got []int
				for _, st := range c.phase(p) {
					got = append(got, st.(*nop).id)
				}
				n += len(got)
				if !slices.Equal(got, tt.want[p]) {
					t.Errorf("phase %d: %v, want %v", p, got, tt.want[p])
				}
			}
			if c.Len() != n {
				t.Errorf("Len %d, want %d", c.Len(), n)
			}
		})
	}
}

// TestClaim: of two workers waking for the same phase only one runs it,
// and the beat moves on 5 ms on the grid; a clock behind by up to MaxCatchUp
// ticks keeps the grid (the missed phases run back to back), and one
// further behind jumps the grid by whole ticks to MaxCatchUp owed, counting
// the ticks it skips.
func TestClaim(t *testing.T) {
	c := New(nil)
	c.Add(&nop{})
	b := c.nextBeat()
	if !c.claim(b) {
		t.Fatal("first claim of the first phase refused")
	}
	if c.claim(b) {
		t.Error("a phase was claimed twice")
	}
	n := c.nextBeat()
	if n.n != b.n+1 || n.at.Sub(b.at) != Period/Phases {
		t.Errorf("next beat %d at +%v, want %d at +%v", n.n, n.at.Sub(b.at), b.n+1, Period/Phases)
	}

	tests := []struct {
		name     string
		behind   time.Duration // how far the beat claimed is behind now
		wantSkip uint64        // ticks skipped, at least
		maxOwed  time.Duration // how far behind the next beat may be
	}{
		{"on time", 0, 0, 0},
		{"a tick behind", Period, 0, Period},
		{"just within the catch-up", MaxCatchUp*Period - Period, 0, MaxCatchUp * Period},
		{"a second behind", time.Second, uint64((time.Second - MaxCatchUp*Period) / Period), MaxCatchUp * Period},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(nil)
			c.Add(&nop{})
			c.nextBeat()
			c.next.at = time.Now().Add(-tt.behind)
			before := c.st.skipped.Load()
			if !c.claim(c.nextBeat()) {
				t.Fatal("claim refused")
			}
			skipped := c.st.skipped.Load() - before
			owed := time.Since(c.nextBeat().at)
			if skipped < tt.wantSkip || skipped > tt.wantSkip+1 {
				t.Errorf("skipped %d ticks, want %d", skipped, tt.wantSkip)
			}
			if owed > tt.maxOwed {
				t.Errorf("next beat %v behind, want at most %v", owed, tt.maxOwed)
			}
			if skipped > 0 && owed < tt.maxOwed-2*Period {
				t.Errorf("next beat %v behind after a skip: more was skipped than needed", owed)
			}
		})
	}
}

// TestLateness: the percentiles come from the histogram and never exceed
// the maximum.
func TestLateness(t *testing.T) {
	var l lateness
	if p50, p99, m := l.read(); p50 != 0 || p99 != 0 || m != 0 {
		t.Errorf("empty: %v %v %v", p50, p99, m)
	}
	for range 98 {
		l.record(100 * time.Microsecond)
	}
	l.record(-time.Millisecond) // woke early: on time
	l.record(30 * time.Millisecond)
	l.record(300 * time.Millisecond) // past the histogram
	p50, p99, m := l.read()
	if p50 != 150*time.Microsecond {
		t.Errorf("p50 %v, want 150µs (the bucket's upper edge)", p50)
	}
	if p99 != 30050*time.Microsecond {
		t.Errorf("p99 %v, want 30.05ms", p99)
	}
	if m != 300*time.Millisecond {
		t.Errorf("max %v, want 300ms", m)
	}
}
