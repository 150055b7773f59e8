package switchboard_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"
	"tracecall/telephony/media/clock"

	"tracecall/acd"
	"tracecall/drivers/sim"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// Who sounds like what. The caller keys 5 over and over (770 + 1336 Hz);
// each agent's phone speaks its own tone; hold music is a steady 400 Hz.
const (
	callerHz  = 1336
	a1Hz      = 1000
	a2Hz      = 1800
	dmHz      = 2400
	musicHz   = 400
	traceCode = "11010600524031500425"
)

// music is the tests' hold music: a steady tone, easy to tell from voices.
type music struct{ g *media.ToneGenerator }

func (m music) Frame(_ int, f *media.Frame) bool { return m.g.Next(f) }

// events keeps everything published on the bus.
type events struct {
	// mu guards all and changed.
	mu      sync.Mutex
	all     []event.Event
	changed chan struct{} // closed and replaced on every event
}

func newEvents() *events { return &events{changed: make(chan struct{})} }

func (e *events) run(sub *event.Subscriber[event.Event]) {
	for {
		select {
		case ev := <-sub.Events():
			e.mu.Lock()
			e.all = append(e.all, ev)
			close(e.changed)
			e.changed = make(chan struct{})
			e.mu.Unlock()
		case <-sub.Done():
			return
		}
	}
}

// waitFor waits for an event of type T matching ok and returns it: it looks
// again each time an event arrives, for up to 5 s.
func waitFor[T event.Event](t *testing.T, e *events, what string, ok func(T) bool) T {
	t.Helper()
	deadline := time.NewTimer(5 * time.Second)
	defer deadline.Stop()
	for {
		e.mu.Lock()
		for _, ev := range e.all {
			if v, is := ev.(T); is && ok(v) {
				e.mu.Unlock()
				return v
			}
		}
		changed := e.changed
		e.mu.Unlock()
		select {
		case <-changed:
			continue
		case <-deadline.C:
		}
		break
	}
	var zero T
	e.mu.Lock()
	var seen []string
	for _, ev := range e.all {
		seen = append(seen, fmt.Sprintf("%s %s %+v", ev.Kind(), ev.Call(), ev))
	}
	e.mu.Unlock()
	t.Fatalf("no %T: %s; the events were:\n%s", zero, what, strings.Join(seen, "\n"))
	return zero
}

func ofType[T event.Event](e *events) []T {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []T
	for _, ev := range e.all {
		if v, ok := ev.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// rig is a switchboard over the sim driver (through the core's Calls) and
// the real ACD.
type rig struct {
	t     *testing.T
	d     *sim.Driver
	acd   *acd.ACD
	board *switchboard.Board
	bus   *event.Bus
	clock *clock.Clock
	ev    *events
	conns chan conn // callers connected to their first agent
}

type conn struct {
	id       telephony.CallID
	answered time.Time // the caller's leg was answered: their recording starts
}

type pickup struct{ d *sim.Driver }

func (p pickup) Pickup(_ context.Context, ext telephony.Address) error {
	ph, ok := p.d.Phone(ext.User)
	if !ok {
		return fmt.Errorf("no phone %s", ext.User)
	}
	return ph.Answer()
}

func newRig(t *testing.T) *rig {
	t.Helper()
	bus := event.New(nil)
	t.Cleanup(bus.Close)
	r := &rig{t: t, ev: newEvents(), conns: make(chan conn, 4)}
	sub := event.Subscribe[event.Event](bus.Client("test"), event.WithQueue(1<<16))
	t.Cleanup(sub.Close)
	go r.ev.run(sub)

	r.clock = clock.New(nil)
	d, err := sim.New(sim.Config{Lines: 4, RingTimeout: 10 * time.Second, Clock: r.clock}, bus.Client("sim"), nil)
	if err != nil {
		t.Fatal(err)
	}
	r.d = d
	for ext, hz := range map[string]float64{"8001": a1Hz, "8002": a2Hz, "8009": dmHz} {
		d.AddPhone(ext, sim.PhoneOptions{ToneHz: hz, Record: true})
	}
	calls, err := telephony.NewCalls([]telephony.Driver{d}, bus.Client("core"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := acd.New(acd.Config{
		Agents: []acd.AgentConfig{
			{ID: "a1", Extension: "sim:8001"},
			{ID: "a2", Extension: "sim:8002"},
			{ID: "dm", Extension: "sim:8009", Role: acd.RoleDutyManager},
		},
		Queues: []acd.QueueConfig{
			{Name: "q", Agents: []string{"a1"}, WrapUp: time.Minute, RingTimeout: 5 * time.Second},
			{Name: "q2", Agents: []string{"a2"}, WrapUp: time.Minute, RingTimeout: 5 * time.Second},
		},
	}, acd.Deps{Events: bus.Client("acd")})
	if err != nil {
		t.Fatal(err)
	}
	r.acd, r.bus = a, bus
	r.board, err = switchboard.New(switchboard.Config{CallbackRingTimeout: 5 * time.Second}, switchboard.Deps{
		ACD: a, Dialer: calls, Keeper: calls, Clock: r.clock,
		Pickups: map[string]switchboard.Pickup{"sim": pickup{d}},
		Events:  bus.Client("switchboard"),
		Music: func() telephony.Source {
			return music{media.NewTone([]float64{musicHz}, nil, -18, true)}
		},
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = r.clock.Run(ctx) })
	wg.Go(func() { _ = a.Run(ctx) })
	wg.Go(func() { _ = r.board.Run(ctx) })
	wg.Go(func() { _ = calls.Serve(ctx, telephony.HandlerFunc(r.serve)) })
	<-d.Serving() // the phones ring only once the driver serves
	t.Cleanup(func() { cancel(); wg.Wait() })
	for _, id := range []string{"a1", "a2", "dm"} {
		if err := a.Login(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// serve stands in for the IVR's queue node: it answers and queues the
// caller in "q" with a trace code, through the board.
func (r *rig) serve(ctx context.Context, l telephony.Leg) {
	if err := l.Answer(ctx); err != nil {
		return
	}
	id := l.Info().CallID
	call := acd.Call{ID: id, Caller: l.Info().From, Called: l.Info().To, Queue: "q",
		Data: map[string]string{"trace_code": traceCode, "ivr_flow": "test"}}
	h := holder{r: r, k: conn{id: id, answered: time.Now()}}
	out, err := r.board.Queue(ctx, l, call, h)
	if err != nil {
		r.t.Errorf("Queue: %v", err)
		return
	}
	if out.Agent != "" && out.Agent != "a1" {
		r.t.Errorf("call %s answered by %q, want a1, the only agent of q", id, out.Agent)
	}
}

// holder holds the caller in silence; an agent's answer is reported on
// r.conns as the board takes the caller's media.
type holder struct {
	r *rig
	k conn
}

func (h holder) Hold(ctx context.Context) { <-ctx.Done() }

func (h holder) Release(context.Context) error {
	h.r.conns <- h.k
	return nil
}

// call places a caller who keys 5 for the whole call and waits until they
// are connected to a1.
func (r *rig) call() (*sim.Caller, conn) {
	r.t.Helper()
	c := r.place(sim.CallOptions{
		ANI: "13800138000", DNIS: "96315", Record: true, Timeout: 20 * time.Second,
		DTMF: "55555555555555555555555555555555555555555555555555555555555555555555555555555555",
	})
	select {
	case k := <-r.conns:
		r.settle()
		return c, k
	case <-time.After(5 * time.Second):
		r.t.Fatal("caller not connected")
	}
	return nil, conn{}
}

// place places a call, once the driver serves.
func (r *rig) place(o sim.CallOptions) *sim.Caller {
	r.t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := r.d.Call(r.t.Context(), o)
		if err == nil {
			return c
		}
		if !errors.Is(err, telephony.ErrUnavailable) || time.Now().After(deadline) {
			r.t.Fatal(err)
		}
	}
}

// settle lets a new arrangement of who hears whom run for a while.
func (r *rig) settle() { time.Sleep(900 * time.Millisecond) }

func (r *rig) phone(ext string) *sim.Phone {
	p, ok := r.d.Phone(ext)
	if !ok {
		r.t.Fatalf("no phone %s", ext)
	}
	return p
}

func (r *rig) state(agent string) acd.AgentStatus {
	r.t.Helper()
	s, err := r.acd.Snapshot(r.t.Context())
	if err != nil {
		r.t.Fatal(err)
	}
	for _, a := range s.Agents {
		if a.ID == agent {
			return a
		}
	}
	r.t.Fatalf("no agent %s", agent)
	return acd.AgentStatus{}
}

func (r *rig) wantState(agent string, st acd.State) {
	r.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		a := r.state(agent)
		if a.State == st {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("agent %s is %s, want %s", agent, a.State, st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// heard returns what the side heard: the caller's or a phone's last call.
func heard(t *testing.T, c *sim.Caller) []int16 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := c.Wait(ctx)
	if err != nil {
		t.Fatalf("waiting for the end of %s: %v", c.CallID(), err)
	}
	return res.Heard
}

// span is a stretch of a recording that started at start: from a to b,
// trimmed by margins so that the changes at its ends are not in it.
type span struct {
	name string
	a, b time.Time
}

func (s span) of(rec []int16, start time.Time) []int16 {
	const margin = 250 * time.Millisecond
	i := int((s.a.Add(margin).Sub(start)) / (time.Second / media.SampleRate))
	j := int((s.b.Add(-margin).Sub(start)) / (time.Second / media.SampleRate))
	i, j = max(i, 0), min(j, len(rec))
	if j <= i {
		return nil
	}
	return rec[i:j]
}

// amplitude estimates the amplitude of the hz component of x (Goertzel).
func amplitude(x []int16, hz float64) float64 {
	if len(x) == 0 {
		return 0
	}
	k := 2 * math.Cos(2*math.Pi*hz/media.SampleRate)
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = float64(v)+k*s1-s2, s1
	}
	p := s1*s1 + s2*s2 - k*s1*s2
	return 2 * math.Sqrt(max(p, 0)) / float64(len(x))
}

// check says who should and should not be heard in a span of a recording.
func check(t *testing.T, who string, rec []int16, start time.Time, s span, hears, notHears []float64) {
	t.Helper()
	x := s.of(rec, start)
	if len(x) < media.SampleRate/4 {
		t.Fatalf("%s, %s: only %d samples recorded", who, s.name, len(x))
	}
	for _, hz := range hears {
		if a := amplitude(x, hz); a < 400 {
			t.Errorf("%s, %s: %v Hz at amplitude %.0f; want it heard", who, s.name, hz, a)
		}
	}
	for _, hz := range notHears {
		if a := amplitude(x, hz); a > 100 {
			t.Errorf("%s, %s: %v Hz at amplitude %.0f; want it not heard", who, s.name, hz, a)
		}
	}
}

// talkingSince returns when agent's phone was answered on the call.
func (r *rig) talkingSince(agent string) time.Time {
	r.t.Helper()
	e := waitFor(r.t, r.ev, agent+" talking", func(e event.AgentStateChanged) bool {
		return e.Agent == agent && e.State == string(acd.StateTalking)
	})
	return e.At
}

func TestHold(t *testing.T) {
	r := newRig(t)
	caller, k := r.call()
	a1Start := r.talkingSince("a1")
	p1 := r.phone("8001").Last()
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	if err := r.board.Hold(t.Context(), "a1", true); err != nil {
		t.Fatal(err)
	}
	r.settle()
	t2 := time.Now()
	if err := r.board.Hold(t.Context(), "a1", false); err != nil {
		t.Fatal(err)
	}
	r.settle()
	t3 := time.Now()
	if err := r.board.Hangup(t.Context(), "a1"); err != nil {
		t.Fatal(err)
	}
	r.wantState("a1", acd.StateWrapUp)

	rec := heard(t, caller) // nobody left: the caller was hung up
	talk, held, back := span{"talking", t0, t1}, span{"held", t1, t2}, span{"resumed", t2, t3}
	check(t, "caller", rec, k.answered, talk, []float64{a1Hz}, []float64{musicHz})
	check(t, "caller", rec, k.answered, held, []float64{musicHz}, []float64{a1Hz})
	check(t, "caller", rec, k.answered, back, []float64{a1Hz}, []float64{musicHz})
	agent := heard(t, p1)
	check(t, "a1", agent, a1Start, talk, []float64{callerHz}, nil)
	check(t, "a1", agent, a1Start, held, nil, []float64{callerHz, musicHz})

	for _, on := range []bool{true, false} {
		waitFor(t, r.ev, "CallHeld", func(e event.CallHeld) bool { return e.CallID == k.id && e.Agent == "a1" && e.Held == on })
	}
	waitFor(t, r.ev, "RoomHeld", func(e event.RoomHeld) bool { return e.CallID == k.id && e.Held })
	if err := r.board.Hold(t.Context(), "a1", true); !errors.Is(err, switchboard.ErrNoCall) {
		t.Fatalf("Hold after the call = %v, want ErrNoCall", err)
	}
}

// TestBlindTransferToAgent: the caller's tone reaches the second agent, the
// second offer carries the call's data and who sent it, the first agent goes
// to wrap-up, and the call keeps its id.
func TestBlindTransferToAgent(t *testing.T) {
	r := newRig(t)
	caller, k := r.call()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}, false); err != nil {
		t.Fatal(err)
	}
	r.wantState("a1", acd.StateWrapUp)
	o := waitFor(t, r.ev, "offer to a2", func(e event.CallOffered) bool { return e.Agent == "a2" })
	if o.CallID != k.id || o.Data["transferred_by"] != "a1" || o.Data["trace_code"] != traceCode {
		t.Fatalf("second offer = %+v; want call %s with transferred_by a1 and the trace code", o, k.id)
	}
	a2Start := r.talkingSince("a2")
	waitFor(t, r.ev, "transfer completed", func(e event.CallTransfer) bool {
		return e.CallID == k.id && e.Stage == "completed" && e.Target == "a2" && !e.Consult
	})
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	p2 := r.phone("8002").Last()
	caller.Hangup()
	r.wantState("a2", acd.StateWrapUp)

	s := span{"after the transfer", t0, t1}
	check(t, "caller", heard(t, caller), k.answered, s, []float64{a2Hz}, []float64{a1Hz, musicHz})
	check(t, "a2", heard(t, p2), a2Start, s, []float64{callerHz}, []float64{a1Hz})
	for _, e := range ofType[event.AgentStateChanged](r.ev) {
		if e.State == string(acd.StateTalking) && e.CallID != k.id {
			t.Errorf("%s talking on %q, want the caller's call %s", e.Agent, e.CallID, k.id)
		}
	}
}

// TestConsultConference: a1 consults the duty manager (the caller hears
// music, the agents each other), then all three confer, then a1 leaves.
func TestConsultConference(t *testing.T) {
	r := newRig(t)
	caller, k := r.call()
	a1Start := r.talkingSince("a1")
	p1 := r.phone("8001").Last()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetDutyManager}, true); err != nil {
		t.Fatal(err)
	}
	dmStart := r.talkingSince("dm")
	waitFor(t, r.ev, "consult answered", func(e event.CallTransfer) bool { return e.Stage == "answered" && e.Target == "dm" })
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	if err := r.board.Conference(t.Context(), "a1"); err != nil {
		t.Fatal(err)
	}
	r.settle()
	t2 := time.Now()
	if err := r.board.Hangup(t.Context(), "a1"); err != nil {
		t.Fatal(err)
	}
	r.wantState("a1", acd.StateWrapUp)
	r.wantState("dm", acd.StateTalking)
	r.settle()
	t3 := time.Now()
	pdm := r.phone("8009").Last()
	caller.Hangup()
	r.wantState("dm", acd.StateWrapUp)

	consult, conf, after := span{"consult", t0, t1}, span{"conference", t1, t2}, span{"a1 gone", t2, t3}
	rec, a1, dm := heard(t, caller), heard(t, p1), heard(t, pdm)
	check(t, "caller", rec, k.answered, consult, []float64{musicHz}, []float64{a1Hz, dmHz})
	check(t, "a1", a1, a1Start, consult, []float64{dmHz}, []float64{callerHz})
	check(t, "dm", dm, dmStart, consult, []float64{a1Hz}, []float64{callerHz})
	check(t, "caller", rec, k.answered, conf, []float64{a1Hz, dmHz}, []float64{musicHz})
	check(t, "a1", a1, a1Start, conf, []float64{callerHz, dmHz}, nil)
	check(t, "dm", dm, dmStart, conf, []float64{callerHz, a1Hz}, nil)
	check(t, "caller", rec, k.answered, after, []float64{dmHz}, []float64{a1Hz})

	o := waitFor(t, r.ev, "offer to dm", func(e event.CallOffered) bool { return e.Agent == "dm" })
	if o.CallID != k.id || o.Data["transferred_by"] != "a1" || o.Data["trace_code"] != traceCode {
		t.Fatalf("consult offer = %+v", o)
	}
	waitFor(t, r.ev, "conference", func(e event.CallConference) bool { return e.CallID == k.id && len(e.Parties) == 2 })
}

// TestConsultCancel: a1 consults a2, then takes the caller back.
func TestConsultCancel(t *testing.T) {
	r := newRig(t)
	caller, k := r.call()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}, true); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.ev, "consult answered", func(e event.CallTransfer) bool { return e.Stage == "answered" })
	if err := r.board.Conference(t.Context(), "a2"); !errors.Is(err, switchboard.ErrNoTransfer) {
		t.Fatalf("Conference by the consulted agent = %v, want ErrNoTransfer", err)
	}
	if err := r.board.Hold(t.Context(), "a1", false); !errors.Is(err, switchboard.ErrTransferring) {
		t.Fatalf("Hold during a consult = %v, want ErrTransferring", err)
	}
	if err := r.board.CancelTransfer(t.Context(), "a1"); err != nil {
		t.Fatal(err)
	}
	r.wantState("a2", acd.StateWrapUp)
	r.wantState("a1", acd.StateTalking)
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	caller.Hangup()
	r.wantState("a1", acd.StateWrapUp)
	check(t, "caller", heard(t, caller), k.answered, span{"back with a1", t0, t1}, []float64{a1Hz}, []float64{a2Hz, musicHz})
	waitFor(t, r.ev, "cancelled", func(e event.CallTransfer) bool { return e.Stage == "cancelled" && e.CallID == k.id })
}

// TestTransferToQueue: blind to a queue; the caller hears music until the
// agent answers, and the offer says who sent the call.
func TestTransferToQueue(t *testing.T) {
	r := newRig(t)
	r.d.AddPhone("8002", sim.PhoneOptions{ToneHz: a2Hz, Record: true, AnswerAfter: 1500 * time.Millisecond})
	caller, k := r.call()
	t0 := time.Now()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetQueue, Value: "q2"}, false); err != nil {
		t.Fatal(err)
	}
	o := waitFor(t, r.ev, "offer to a2", func(e event.CallOffered) bool { return e.Agent == "a2" })
	if o.Queue != "q2" || o.CallID != k.id || o.Data["transferred_by"] != "a1" || o.Data["trace_code"] != traceCode {
		t.Fatalf("offer from the queue = %+v", o)
	}
	r.talkingSince("a2")
	t1 := time.Now()
	r.settle()
	t2 := time.Now()
	caller.Hangup()
	r.wantState("a2", acd.StateWrapUp)
	rec := heard(t, caller)
	check(t, "caller", rec, k.answered, span{"waiting", t0, t1}, []float64{musicHz}, []float64{a1Hz, a2Hz})
	check(t, "caller", rec, k.answered, span{"with a2", t1, t2}, []float64{a2Hz}, []float64{musicHz})
}

// TestTransferToNumber: blind to a number dialled through the sim driver.
func TestTransferToNumber(t *testing.T) {
	r := newRig(t)
	r.d.AddPhone("8100", sim.PhoneOptions{ToneHz: 600, Record: true})
	caller, k := r.call()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetNumber, Value: "sim:8100"}, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.ev, "completed", func(e event.CallTransfer) bool { return e.Stage == "completed" && e.Target == "sim:8100" })
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	p := r.phone("8100").Last()
	caller.Hangup()
	check(t, "caller", heard(t, caller), k.answered, span{"with 8100", t0, t1}, []float64{600}, []float64{a1Hz})
	if len(heard(t, p)) == 0 {
		t.Fatal("the number heard nothing")
	}
}

// TestConsultUnanswered: the consulted agent does not answer; the caller is
// back with the first agent.
func TestConsultUnanswered(t *testing.T) {
	r := newRig(t)
	r.d.AddPhone("8002", sim.PhoneOptions{ToneHz: a2Hz, AnswerAfter: -1})
	caller, k := r.call()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}, true); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Second); r.phone("8002").State() != telephony.LineRinging; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("a2's phone never rang")
		}
	}
	r.phone("8002").Hangup() // a2 refuses
	waitFor(t, r.ev, "failed", func(e event.CallTransfer) bool { return e.Stage == "failed" && e.CallID == k.id })
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	caller.Hangup()
	check(t, "caller", heard(t, caller), k.answered, span{"back with a1", t0, t1}, []float64{a1Hz}, []float64{musicHz})
}

func TestTransferErrors(t *testing.T) {
	r := newRig(t)
	_, _ = r.call()
	tests := []struct {
		name string
		to   switchboard.Target
		want error
	}{
		{"to oneself", switchboard.Target{Kind: switchboard.TargetAgent, Value: "a1"}, switchboard.ErrBadTarget},
		{"unknown agent", switchboard.Target{Kind: switchboard.TargetAgent, Value: "zz"}, switchboard.ErrBadTarget},
		{"unknown queue", switchboard.Target{Kind: switchboard.TargetQueue, Value: "zz"}, switchboard.ErrBadTarget},
		{"unknown kind", switchboard.Target{Kind: "pigeon", Value: "x"}, switchboard.ErrBadTarget},
		{"bad number", switchboard.Target{Kind: switchboard.TargetNumber, Value: "12a"}, switchboard.ErrBadTarget},
		{"no such driver", switchboard.Target{Kind: switchboard.TargetNumber, Value: "dahdi:1"}, switchboard.ErrBadTarget},
		{"busy agent", switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}, switchboard.ErrTargetBusy},
	}
	if err := r.acd.SetNotReady(t.Context(), "a2", "lunch"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := r.board.Transfer(t.Context(), "a1", tt.to, true)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Transfer = %v, want %v", err, tt.want)
			}
		})
	}
	for name, f := range map[string]func() error{
		"complete": func() error { return r.board.CompleteTransfer(t.Context(), "a1") },
		"cancel":   func() error { return r.board.CancelTransfer(t.Context(), "a1") },
		"confer":   func() error { return r.board.Conference(t.Context(), "a1") },
	} {
		if err := f(); !errors.Is(err, switchboard.ErrNoTransfer) {
			t.Errorf("%s with no transfer = %v, want ErrNoTransfer", name, err)
		}
	}
	if err := r.board.Hangup(t.Context(), "a2"); !errors.Is(err, switchboard.ErrNoCall) {
		t.Errorf("Hangup by an agent on no call = %v, want ErrNoCall", err)
	}
	r.wantState("a1", acd.StateTalking) // nothing above disturbed the call
}

// TestAnswer: a phone that does not answer by itself is picked up from the
// desktop.
func TestAnswer(t *testing.T) {
	r := newRig(t)
	phone := r.d.AddPhone("8001", sim.PhoneOptions{ToneHz: a1Hz, AnswerAfter: -1})
	if err := r.board.Answer(t.Context(), "a1"); !errors.Is(err, switchboard.ErrNotRinging) {
		t.Fatalf("Answer while idle = %v, want ErrNotRinging", err)
	}
	events := phone.Watch(t.Context())
	c := r.place(sim.CallOptions{ANI: "13800138000", DNIS: "96315", Timeout: 10 * time.Second})
	r.wantState("a1", acd.StateRinging)
	// The ACD says ringing as it offers the call, a moment before the
	// phone itself rings: answer once it does, as the agent would.
	for e := range events {
		if e.Type == sim.PhoneRinging {
			break
		}
	}
	if err := r.board.Answer(t.Context(), "a1"); err != nil {
		t.Fatal(err)
	}
	r.wantState("a1", acd.StateTalking)
	select {
	case <-r.conns:
	case <-time.After(3 * time.Second):
		t.Fatal("not connected after Answer")
	}
	c.Hangup()
	r.wantState("a1", acd.StateWrapUp)

	calls, err := telephony.NewCalls(nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := switchboard.New(switchboard.Config{}, switchboard.Deps{ACD: r.acd, Dialer: calls, Clock: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	r.d.AddPhone("8002", sim.PhoneOptions{AnswerAfter: -1})
	if err := r.acd.OfferTo(t.Context(), acd.Call{ID: "x1", Queue: "q"}, "a2"); err != nil {
		t.Fatal(err)
	}
	r.wantState("a2", acd.StateRinging)
	if err := b.Answer(t.Context(), "a2"); !errors.Is(err, switchboard.ErrUnsupported) {
		t.Fatalf("Answer with no pickup = %v, want ErrUnsupported", err)
	}
}

// waitRinging waits until the phone ext rings.
func (r *rig) waitRinging(ext string) {
	r.t.Helper()
	for deadline := time.Now().Add(3 * time.Second); r.phone(ext).State() != telephony.LineRinging; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.t.Fatalf("phone %s never rang", ext)
		}
	}
}

// TestConsultQueueCompletedEarly: a1 consults a queue (hearing music while
// it finds an agent), then completes before anyone answered: a1 is free to
// wrap up, and the caller goes to the agent who answers.
func TestConsultQueueCompletedEarly(t *testing.T) {
	r := newRig(t)
	r.d.AddPhone("8002", sim.PhoneOptions{ToneHz: a2Hz, Record: true, AnswerAfter: -1})
	caller, k := r.call()
	a1Start := r.talkingSince("a1")
	p1 := r.phone("8001").Last()
	t0 := time.Now()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetQueue, Value: "q2"}, true); err != nil {
		t.Fatal(err)
	}
	r.waitRinging("8002")
	r.settle()
	t1 := time.Now()
	if err := r.board.CompleteTransfer(t.Context(), "a1"); err != nil {
		t.Fatal(err)
	}
	r.wantState("a1", acd.StateWrapUp)
	if err := r.board.Hold(t.Context(), "a1", true); !errors.Is(err, switchboard.ErrNoCall) {
		t.Fatalf("Hold by a1 after leaving = %v, want ErrNoCall", err)
	}
	if err := r.phone("8002").Answer(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r.ev, "completed", func(e event.CallTransfer) bool { return e.Stage == "completed" && e.To == "queue" })
	t2 := time.Now()
	r.settle()
	t3 := time.Now()
	caller.Hangup()
	r.wantState("a2", acd.StateWrapUp)
	rec := heard(t, caller)
	check(t, "caller", rec, k.answered, span{"queue consult", t0, t1}, []float64{musicHz}, []float64{a1Hz, a2Hz})
	check(t, "a1", heard(t, p1), a1Start, span{"queue consult", t0, t1}, []float64{musicHz}, []float64{callerHz})
	check(t, "caller", rec, k.answered, span{"with a2", t2, t3}, []float64{a2Hz}, []float64{musicHz})
}

// TestBlindTransferRefusedGoesBackToQueue: a blind transfer nobody takes
// puts the caller back in the queue the call came from.
func TestBlindTransferRefusedGoesBackToQueue(t *testing.T) {
	r := newRig(t)
	r.d.AddPhone("8002", sim.PhoneOptions{ToneHz: a2Hz, AnswerAfter: -1})
	caller, k := r.call()
	if err := r.board.Transfer(t.Context(), "a1", switchboard.Target{Kind: switchboard.TargetAgent, Value: "a2"}, false); err != nil {
		t.Fatal(err)
	}
	r.wantState("a1", acd.StateWrapUp)
	r.waitRinging("8002")
	r.phone("8002").Hangup()
	waitFor(t, r.ev, "failed", func(e event.CallTransfer) bool { return e.Stage == "failed" && e.Target == "a2" })
	waitFor(t, r.ev, "back in q", func(e event.CallQueued) bool { return e.CallID == k.id && e.Queue == "q" })
	if err := r.acd.SetReady(t.Context(), "a1"); err != nil { // a1 ends wrap-up early
		t.Fatal(err)
	}
	waitFor(t, r.ev, "offered to a1 again", func(e event.CallOffered) bool {
		return e.Agent == "a1" && e.CallID == k.id && e.Data["transferred_by"] == "a1"
	})
	waitFor(t, r.ev, "completed", func(e event.CallTransfer) bool { return e.Stage == "completed" && e.Target == "q" })
	t0 := time.Now()
	r.settle()
	t1 := time.Now()
	caller.Hangup()
	r.wantState("a1", acd.StateWrapUp)
	check(t, "caller", heard(t, caller), k.answered, span{"back with a1", t0, t1}, []float64{a1Hz}, []float64{musicHz})
}
