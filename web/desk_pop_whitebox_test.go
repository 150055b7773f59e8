package web

import (
	"testing"

	"tracecall/screenpop"
	"tracecall/telephony/event"
	"tracecall/web/auth"
)

// TestPopView: the pop goes to its agent alone, even when another agent was
// offered the same call (ring-all), and to team leaders.
func TestPopView(t *testing.T) {
	offer := func(agent string) event.Event {
		return event.CallOffered{Base: event.Base{CallID: "c1"}, Agent: agent, Caller: "13800138000"}
	}
	pop := screenpop.Pop{Base: event.Base{CallID: "c1"}, Agent: "zhang", Caller: "13800138000"}
	tests := []struct {
		name string
		id   auth.Identity
		all  bool
		want bool
	}{
		{"its agent", auth.Identity{Username: "zhang", Role: auth.RoleAgent}, false, true},
		{"another agent offered the call", auth.Identity{Username: "wang", Role: auth.RoleAgent}, false, false},
		{"team leader", auth.Identity{Username: "li", Role: auth.RoleTeamLeader}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newEventView(tt.id, tt.all)
			v.show(offer("zhang"))
			v.show(offer("wang"))
			got, ok := v.show(pop)
			if ok != tt.want {
				t.Fatalf("shown = %v, want %v", ok, tt.want)
			}
			if ok && got.(screenpop.Pop).Caller != "13800138000" {
				t.Errorf("caller = %q, want it whole", got.(screenpop.Pop).Caller)
			}
		})
	}
}
