package phase_test

import (
	"testing"
	"time"

	"tracecall/cdr/phase"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
)

var t0 = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)

func at(s int) event.Base {
	return event.Base{CallID: "c1", At: t0.Add(time.Duration(s) * time.Second)}
}

// queued is a caller who went through the IVR into the trace queue at 10 s.
func queued() []event.Event {
	return []event.Event{
		event.CallStarted{Base: at(0), Line: "sim/1", From: "13800138000", To: "96315", Direction: "inbound"},
		event.CallAnswered{Base: at(1)},
		event.IVRStep{Base: at(1), Flow: "trace", Node: "welcome", Type: "menu"},
		event.IVRStep{Base: at(9), Flow: "trace", Node: "agent", Type: "queue"},
		event.CallQueued{Base: at(10), Queue: "trace", Position: 1},
	}
}

func with(base []event.Event, more ...event.Event) []event.Event {
	return append(append([]event.Event(nil), base...), more...)
}

func TestPhase(t *testing.T) {
	tests := []struct {
		name    string
		events  []event.Event
		want    phase.Phase
		agent   string
		over    bool
		feature bool
		since   int
	}{
		{"ringing in", queued()[:1], phase.Setup, "", false, false, 0},
		{"answered by the IVR", queued()[:2], phase.IVR, "", false, false, 1},
		{"in a menu", queued()[:3], phase.IVR, "", false, false, 1},
		{"in the queue", queued(), phase.Waiting, "", false, false, 10},
		{"ringing an agent", with(queued(), event.CallOffered{Base: at(11), Queue: "trace", Agent: "8001"}), phase.Ringing, "", false, false, 11},
		{"offer missed", with(queued(),
			event.CallOffered{Base: at(11), Queue: "trace", Agent: "8001"},
			event.CallOfferMissed{Base: at(31), Queue: "trace", Agent: "8001", Reason: "timeout"}), phase.Waiting, "", false, false, 31},
		{"ring-all, one missed", with(queued(),
			event.CallOffered{Base: at(11), Queue: "trace", Agent: "8001"},
			event.CallOffered{Base: at(11), Queue: "trace", Agent: "8002"},
			event.CallOfferMissed{Base: at(12), Queue: "trace", Agent: "8001", Reason: "rejected"}), phase.Ringing, "", false, false, 11},
		{"talking", with(queued(),
			event.CallOffered{Base: at(11), Queue: "trace", Agent: "8001"},
			event.CallTaken{Base: at(13), Queue: "trace", Agent: "8001", Wait: 3 * time.Second},
			event.CallOfferMissed{Base: at(13), Queue: "trace", Agent: "8002", Reason: "withdrawn"},
			event.RoomJoined{Base: at(13), Leg: "a", Mode: "talk"}), phase.Talking, "8001", false, false, 13},
		{"on hold is still talking", with(queued(),
			event.CallTaken{Base: at(13), Queue: "trace", Agent: "8001"},
			event.CallHeld{Base: at(20), Agent: "8001", Held: true}), phase.Talking, "8001", false, false, 13},
		{"consult: the caller stays with the agent", with(queued(),
			event.CallTaken{Base: at(13), Queue: "trace", Agent: "8001"},
			event.CallQueued{Base: at(30), Queue: "complaints"},
			event.CallTransfer{Base: at(30), Agent: "8001", To: "queue", Target: "complaints", Consult: true, Stage: "started"},
			event.CallOffered{Base: at(31), Queue: "complaints", Agent: "8003"},
			event.CallTaken{Base: at(33), Queue: "complaints", Agent: "8003"}), phase.Talking, "8001", false, false, 13},
		{"consult completed: the consulted agent has the caller", with(queued(),
			event.CallTaken{Base: at(13), Queue: "trace", Agent: "8001"},
			event.CallTransfer{Base: at(30), Agent: "8001", To: "agent", Target: "8003", Consult: true, Stage: "started"},
			event.CallOffered{Base: at(30), Agent: "8003"},
			event.CallTaken{Base: at(33), Agent: "8003"},
			event.CallTransfer{Base: at(40), Agent: "8001", To: "agent", Target: "8003", Consult: true, Stage: "completed"}), phase.Talking, "8003", false, false, 13},
		{"blind transfer rings the next agent", with(queued(),
			event.CallTaken{Base: at(13), Queue: "trace", Agent: "8001"},
			event.CallOffered{Base: at(30), Agent: "8003"},
			event.CallTransfer{Base: at(30), Agent: "8001", To: "agent", Target: "8003", Stage: "started"}), phase.Ringing, "", false, false, 30},
		{"blind transfer answered", with(queued(),
			event.CallTaken{Base: at(13), Queue: "trace", Agent: "8001"},
			event.CallTransfer{Base: at(30), Agent: "8001", To: "queue", Target: "complaints", Stage: "started"},
			event.CallQueued{Base: at(30), Queue: "complaints"},
			event.CallOffered{Base: at(31), Queue: "complaints", Agent: "8003"},
			event.CallTaken{Base: at(33), Queue: "complaints", Agent: "8003"}), phase.Talking, "8003", false, false, 33},
		{"left the queue for the IVR", with(queued(),
			event.CallAbandonedQueue{Base: at(20), Queue: "trace", Wait: 10 * time.Second, Position: 1}), phase.IVR, "", false, false, 20},
		{"sent on to goodbye", with(queued(),
			event.CallOverflowed{Base: at(70), Queue: "trace", Reason: "max_wait", Action: "goodbye"}), phase.IVR, "", false, false, 70},
		{"sent on to another queue", with(queued(),
			event.CallOverflowed{Base: at(70), Queue: "trace", Reason: "max_wait", Action: "queue", Target: "spare"},
			event.CallQueued{Base: at(70), Queue: "spare"}), phase.Waiting, "", false, false, 10},
		{"hung up in the queue", with(queued(),
			event.CallEnded{Base: at(30), By: "caller", Cause: "normal"}), phase.Waiting, "", true, false, 10},
		{"callback: the request waits, the call kept open", with(queued(),
			event.CallbackRequested{Base: at(20), Queue: "trace", Number: "13800138000"}), phase.Waiting, "", false, false, 10},
		{"callback served", with(queued(),
			event.CallbackRequested{Base: at(20), Queue: "trace", Number: "13800138000"},
			event.CallOffered{Base: at(60), Queue: "trace", Agent: "8001"},
			event.CallTaken{Base: at(62), Queue: "trace", Agent: "8001"},
			event.CallEnded{Base: at(120), By: "caller"}), phase.Talking, "8001", true, false, 62},
		{"callback given up", with(queued(),
			event.CallbackRequested{Base: at(20), Queue: "trace", Number: "13800138000"},
			event.CallbackFailed{Base: at(200), Queue: "trace", Attempts: 3},
			event.CallEnded{Base: at(200), By: "ivr"}), phase.IVR, "", true, false, 200},
		{"feature code", []event.Event{
			event.CallStarted{Base: at(0), Line: "sim/phone/8001", From: "8001", To: "*24", Direction: "inbound"},
			event.CallAnswered{Base: at(0)},
			event.IVRStep{Base: at(0), Flow: "agent_not_ready", Node: "apply", Type: "agent_state"}}, phase.IVR, "", false, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := phase.New(tt.events[0].(event.CallStarted))
			over := false
			for i, e := range tt.events[1:] {
				if over {
					t.Fatalf("over before event %d (%T)", i+1, e)
				}
				over = c.Apply(e)
			}
			if got := c.Phase(); got != tt.want || c.Agent != tt.agent || over != tt.over || c.FeatureCode != tt.feature {
				t.Errorf("phase %q agent %q over %v feature %v; want %q %q %v %v", got, c.Agent, over, c.FeatureCode, tt.want, tt.agent, tt.over, tt.feature)
			}
			if want := t0.Add(time.Duration(tt.since) * time.Second); !c.Since.Equal(want) {
				t.Errorf("since %v, want %v", c.Since.Sub(t0), want.Sub(t0))
			}
		})
	}
}

func TestTrackerCounts(t *testing.T) {
	tr := phase.NewTracker()
	id := 0
	call := func(events ...event.Event) {
		id++
		cid := event.CallID(rune('a' + id))
		for _, e := range events {
			tr.Apply(rebase(e, cid))
		}
	}
	call(queued()[:1]...)                                                                   // ringing in
	call(queued()[:3]...)                                                                   // IVR
	call(queued()...)                                                                       // waiting since 10 s
	call(with(queued(), event.CallOffered{Base: at(11), Queue: "trace", Agent: "8001"})...) // ringing an agent
	call(with(queued(), event.CallTaken{Base: at(12), Queue: "trace", Agent: "8002"})...)   // talking
	call(with(queued(), event.CallbackRequested{Base: at(20), Queue: "trace"})...)
	call(with(queued(), event.CallEnded{Base: at(25)})...) // gone
	call(event.CallStarted{Base: at(0), Line: "sim/phone/8001", From: "8001", To: "*21"},
		event.IVRStep{Base: at(0), Flow: "agent_login", Node: "apply", Type: "agent_state"})
	tr.Apply(event.CallQueued{Base: event.Base{CallID: "unknown", At: t0}, Queue: "trace"}) // never started here

	got := tr.Counts(t0.Add(40 * time.Second))
	want := phase.Counts{Calls: 5, Setup: 1, IVR: 1, Waiting: 1, Ringing: 1, Talking: 1, Callbacks: 1, FeatureCodes: 1,
		Queues: []phase.QueueCounts{{Queue: "trace", Waiting: 1, Ringing: 1, Talking: 1, Callbacks: 1, LongestWait: 30 * time.Second}}}
	if got.Calls != want.Calls || got.Setup != want.Setup || got.IVR != want.IVR || got.Waiting != want.Waiting ||
		got.Ringing != want.Ringing || got.Talking != want.Talking || got.Callbacks != want.Callbacks ||
		got.FeatureCodes != want.FeatureCodes || len(got.Queues) != 1 || got.Queues[0] != want.Queues[0] {
		t.Errorf("counts\n got %+v\nwant %+v", got, want)
	}
	if n := len(tr.Calls()); n != 7 {
		t.Errorf("calls in progress = %d, want 7 (the callback request among them)", n)
	}
	if c, ok := tr.Call(event.CallID(rune('a' + 6))); !ok || !c.WaitingCallback() {
		t.Errorf("the callback request: %+v, %v; want a waiting callback", c, ok)
	}
}

// rebase returns e as an event of call id.
func rebase(e event.Event, id event.CallID) event.Event {
	return eventtest.WithBase(e, event.Base{CallID: id, At: e.When()})
}
