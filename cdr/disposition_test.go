package cdr_test

import (
	"fmt"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
)

// script is one call's events after its CallStarted, each at a second from
// the start.
type script []struct {
	s int
	e event.Event
}

// publish sends the call id's CallStarted at t0 and then its script.
func (sc script) publish(pub *event.Client, id string, t0 time.Time, from, to string) {
	pub.Publish(event.CallStarted{Base: base(id, t0), Line: "sim/1", From: from, To: to, Direction: "inbound"})
	for _, x := range sc {
		pub.Publish(eventtest.WithBase(x.e, base(id, t0.Add(time.Duration(x.s)*time.Second))))
	}
}

// Scripts of the usual calls: through the IVR into the queue "trace",
// whose service level time is 20 s.
var (
	ivr = script{
		{1, event.CallAnswered{}},
		{1, event.IVRStep{Flow: "trace", Node: "welcome", Type: "menu"}},
	}
	inQueue = append(ivr[:len(ivr):len(ivr)], script{
		{5, event.IVRStep{Flow: "trace", Node: "agent", Type: "queue"}},
		{5, event.CallQueued{Queue: "trace", Position: 1}},
	}...)
	sl = 20 * time.Second
)

func then(sc script, more ...struct {
	s int
	e event.Event
}) script {
	return append(sc[:len(sc):len(sc)], more...)
}

// step is one step of a script.
func step(s int, e event.Event) struct {
	s int
	e event.Event
} {
	return struct {
		s int
		e event.Event
	}{s, e}
}

// TestDispositions: each way a call ends gives its disposition, type and
// queue figures.
func TestDispositions(t *testing.T) {
	tests := []struct {
		name      string
		to        string
		script    script
		disp      string
		typ       string
		queue     string
		wait      float64
		agent     string
		slTime    float64
		answerSec int // when an agent answered, from the start; -1: none
	}{
		{"hung up in the queue, no agent free: the ACD says so after the end", "96315", then(inQueue,
			step(35, event.CallEnded{By: "caller", Cause: "normal"}),
			step(35, event.CallAbandonedQueue{Queue: "trace", Wait: 29 * time.Second, Position: 1, ServiceLevel: sl})),
			cdr.AbandonedQueue, cdr.TypeIVR, "trace", 29, "", 20, -1},
		{"hung up in the queue, before the ACD's word", "96315", then(inQueue,
			step(12, event.CallEnded{By: "caller", Cause: "normal"})),
			cdr.AbandonedQueue, cdr.TypeIVR, "trace", 7, "", 0, -1},
		{"hung up while an agent's phone rang", "96315", then(inQueue,
			step(6, event.CallOffered{Queue: "trace", Agent: "8001"}),
			step(9, event.CallEnded{By: "caller"}),
			step(9, event.CallOfferMissed{Queue: "trace", Agent: "8001", Reason: "withdrawn"}),
			step(9, event.CallAbandonedQueue{Queue: "trace", Wait: 4 * time.Second, ServiceLevel: sl})),
			cdr.AbandonedQueue, cdr.TypeIVR, "trace", 4, "", 20, -1},
		{"answered by an agent", "96315", then(inQueue,
			step(6, event.CallOffered{Queue: "trace", Agent: "8001"}),
			step(8, event.CallTaken{Queue: "trace", Agent: "8001", Wait: 3 * time.Second, ServiceLevel: sl}),
			step(60, event.CallEnded{By: "ivr"})),
			cdr.Answered, cdr.TypeAgent, "trace", 3, "8001", 20, 8},
		{"answered, then the daemon stopped", "96315", then(inQueue,
			step(8, event.CallTaken{Queue: "trace", Agent: "8001", Wait: 3 * time.Second, ServiceLevel: sl}),
			step(60, event.CallEnded{By: "system", Cause: "shutdown"})),
			cdr.Answered, cdr.TypeAgent, "trace", 3, "8001", 20, 8},
		{"the IVR ran its flow to the end", "96315", then(ivr,
			step(9, event.TraceLookup{Code: "1", Result: "invalid"}),
			step(30, event.CallEnded{By: "ivr"})),
			cdr.SelfService, cdr.TypeTrace, "", 0, "", 0, -1},
		{"hung up after hearing the chain", "96315", then(ivr,
			step(9, event.TraceLookup{Code: "11010600524031500425", Result: "found"}),
			step(30, event.CallEnded{By: "caller"})),
			cdr.SelfService, cdr.TypeTrace, "", 0, "", 0, -1},
		{"hung up in a menu", "96315", then(ivr,
			step(4, event.CallEnded{By: "caller"})),
			cdr.AbandonedIVR, cdr.TypeIVR, "", 0, "", 0, -1},
		{"hung up after a bad code", "96315", then(ivr,
			step(9, event.TraceLookup{Code: "123", Result: "invalid"}),
			step(12, event.CallEnded{By: "caller"})),
			cdr.AbandonedIVR, cdr.TypeTrace, "", 0, "", 0, -1},
		{"hung up while ringing in", "96315", script{step(3, event.CallEnded{By: "caller"})},
			cdr.AbandonedIVR, cdr.TypeIVR, "", 0, "", 0, -1},
		{"sent on by the queue", "96315", then(inQueue,
			step(305, event.CallOverflowed{Queue: "trace", Reason: "max_wait", Action: "goodbye"}),
			step(310, event.CallEnded{By: "ivr"})),
			cdr.Overflowed, cdr.TypeIVR, "trace", 0, "", 0, -1},
		{"refused: nobody logged in", "96315", then(ivr,
			step(5, event.CallOverflowed{Queue: "trace", Reason: "empty", Action: "goodbye"}),
			step(9, event.CallEnded{By: "ivr"})),
			cdr.Overflowed, cdr.TypeIVR, "trace", 0, "", 0, -1},
		{"left the queue for the IVR and hung up there", "96315", then(inQueue,
			step(15, event.CallAbandonedQueue{Queue: "trace", Wait: 10 * time.Second, Position: 1, ServiceLevel: sl}),
			step(25, event.CallEnded{By: "caller"})),
			cdr.AbandonedQueue, cdr.TypeIVR, "trace", 10, "", 20, -1},
		{"the daemon stopped during the IVR", "96315", then(ivr,
			step(9, event.CallEnded{By: "system", Cause: "shutdown"})),
			cdr.Interrupted, cdr.TypeIVR, "", 0, "", 0, -1},
		{"an agent's feature code", "*24", script{
			step(0, event.CallAnswered{}),
			step(0, event.IVRStep{Flow: "agent_not_ready", Node: "apply", Type: "agent_state"}),
			step(1, event.CallEnded{By: "ivr"})},
			cdr.SelfService, cdr.TypeFeatureCode, "", 0, "", 0, -1},
	}
	db, pub := startWriter(t)
	t0 := time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
	for i, tt := range tests {
		tt.script.publish(pub, fmt.Sprint("d", i), t0.Add(time.Duration(i)*time.Hour), "13800138000", tt.to)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := fmt.Sprint("d", i)
			r := waitFor(t, db, id, func(r store.CallRecord) bool {
				return !r.InProgress && r.Disposition == tt.disp && r.QueueWait == tt.wait && r.ServiceLevelTime == tt.slTime
			})
			if r.Type != tt.typ || r.Queue != tt.queue || r.QueueWait != tt.wait || r.Agent != tt.agent || r.ServiceLevelTime != tt.slTime {
				t.Errorf("type %q queue %q wait %v agent %q service level time %v; want %q %q %v %q %v",
					r.Type, r.Queue, r.QueueWait, r.Agent, r.ServiceLevelTime, tt.typ, tt.queue, tt.wait, tt.agent, tt.slTime)
			}
			wantAnswer := time.Time{}
			if tt.answerSec >= 0 {
				wantAnswer = r.Start.Add(time.Duration(tt.answerSec) * time.Second)
			}
			if !r.Answer.Equal(wantAnswer) {
				t.Errorf("answer %v, want %v (an agent's, not the IVR's)", r.Answer, wantAnswer)
			}
		})
	}
}
