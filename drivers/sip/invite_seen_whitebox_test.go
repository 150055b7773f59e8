package sip

import (
	"testing"
	"time"
)

func TestSeenInvites(t *testing.T) {
	s := newSeenInvites()
	t0 := time.Unix(1000, 0)
	steps := []struct {
		key   string
		at    time.Duration
		first bool
	}{
		{"a", 0, true},
		{"a", time.Second, false},       // a retransmission
		{"b", 2 * time.Second, true},    // another call
		{"a", inviteMemory, false},      // still within the window
		{"a", inviteMemory + 1, true},   // forgotten: a new call may reuse it
		{"b", inviteMemory + 3e9, true}, // b forgotten too
	}
	for i, st := range steps {
		if got := s.first(st.key, t0.Add(st.at)); got != st.first {
			t.Errorf("step %d: first(%q, +%v) = %v, want %v", i, st.key, st.at, got, st.first)
		}
	}
	if len(s.at) != 2 || len(s.order) != 2 {
		t.Errorf("kept %d keys in %d entries, want 2 and 2", len(s.at), len(s.order))
	}
}
