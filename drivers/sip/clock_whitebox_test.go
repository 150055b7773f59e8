package sip

import (
	"slices"
	"testing"
)

// TestClockOrder: streams are ticked in the order they were added, and
// removing one keeps the others' order, so each call's packet leaves at the
// same point of every tick.
func TestClockOrder(t *testing.T) {
	s := make([]*stream, 5)
	for i := range s {
		s[i] = &stream{}
	}
	tests := []struct {
		name   string
		add    []int
		remove []int
		want   []int
	}{
		{"added order", []int{2, 0, 4}, nil, []int{2, 0, 4}},
		{"added twice", []int{1, 3, 1}, nil, []int{1, 3}},
		{"remove middle", []int{0, 1, 2, 3}, []int{1}, []int{0, 2, 3}},
		{"remove first and last", []int{0, 1, 2, 3}, []int{0, 3}, []int{1, 2}},
		{"remove unknown", []int{0, 1}, []int{4}, []int{0, 1}},
		{"re-add goes last", []int{0, 1, 2}, []int{0}, []int{1, 2}},
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
			var got []int
			for _, st := range c.streams {
				got = append(got, slices.Index(s, st))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("order %v, want %v", got, tt.want)
			}
		})
	}
}
