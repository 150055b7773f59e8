package ivr_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
	"tracecall/telephony/media/clock"

	"tracecall/acd"
	"tracecall/cdr"
	"tracecall/drivers/sim"
	"tracecall/ivr"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
	"tracecall/trace"
)

// agentTone is what the simulated agent "says": far from the hold melody's notes.
const agentTone = 1000

// acdHarness is the shipped flow on sim lines, served through the core's
// Calls, with the ACD, the switchboard, agent phone 8001 and the call record
// writer, all with short timers: the daemon's wiring.
type acdHarness struct {
	d     *sim.Driver
	bus   *event.Bus
	acd   *acd.ACD
	db    *store.DB
	board *switchboard.Board
}

// harnessSpec tunes an acdHarness.
type harnessSpec struct {
	edit        func(*shippedConfig) // after the short timers are set
	callback    acd.CallbackConfig
	answerAfter time.Duration // agent phone 8001's; zero: 500 ms
}

func newACDHarness(t *testing.T, edit func(*shippedConfig)) *acdHarness {
	t.Helper()
	return buildHarness(t, harnessSpec{edit: edit})
}

func buildHarness(t *testing.T, spec harnessSpec) *acdHarness {
	t.Helper()
	cfg, err := loadShipped()
	if err != nil {
		t.Fatal(err)
	}
	cfg.IVR.MenuTimeout = 1500 * time.Millisecond
	cfg.IVR.AnnounceEvery = time.Second
	cfg.ACD.Queues[0].RingTimeout = 3 * time.Second
	cfg.ACD.Callback = spec.callback
	if spec.edit != nil {
		spec.edit(&cfg)
	}
	if spec.answerAfter == 0 {
		spec.answerAfter = 500 * time.Millisecond
	}
	bus := event.New(nil)
	db := storetest.Open(t)
	records := cdr.New(db, bus, nil)
	clk := clock.New(nil)
	d, err := sim.New(sim.Config{Lines: 4, Clock: clk}, bus.Client("sim"), nil)
	if err != nil {
		t.Fatal(err)
	}
	d.AddPhone("8001", sim.PhoneOptions{AnswerAfter: spec.answerAfter, ToneHz: agentTone, Record: true})
	calls, err := telephony.NewCalls([]telephony.Driver{d}, bus.Client("core"), nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := acd.New(cfg.ACD, acd.Deps{Events: bus.Client("acd")})
	if err != nil {
		t.Fatal(err)
	}
	sb, err := switchboard.New(switchboard.Config{CallbackRingTimeout: cfg.ACD.Callback.RingTimeout}, switchboard.Deps{
		ACD: a, Dialer: calls, Keeper: calls, Clock: clk, Events: bus.Client("switchboard"),
	})
	if err != nil {
		t.Fatal(err)
	}
	chain := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex)
	v, err := ivr.New(cfg.IVR, ivr.Deps{
		Chains:       chains{chain.TraceCode: chain},
		TraceOptions: trace.Options{CheckDigit: true, RetailMin: 20, RetailMax: 20},
		Speaker:      &fastSpeaker{},
		Events:       bus.Client("ivr"),
		Queues:       a,
		Board:        sb,
		Callbacks:    sb,
		AgentStates:  a,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 5)
	go func() { _ = clk.Run(ctx); done <- struct{}{} }()
	go func() { _ = records.Run(ctx); done <- struct{}{} }()
	go func() { _ = a.Run(ctx); done <- struct{}{} }()
	go func() { _ = calls.Serve(ctx, v); done <- struct{}{} }()
	<-d.Serving()
	go func() { _ = sb.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		for range 5 {
			<-done
		}
	})
	return &acdHarness{d: d, bus: bus, acd: a, db: db, board: sb}
}

// call places a caller from 13800138000 on the hotline.
func (h *acdHarness) call(t *testing.T, dtmf string, timeout time.Duration) *sim.Caller {
	t.Helper()
	return h.callFrom(t, "13800138000", dtmf, timeout)
}

// callFrom places a caller from ani on the hotline, waiting for the driver
// to serve.
func (h *acdHarness) callFrom(t *testing.T, ani, dtmf string, timeout time.Duration) *sim.Caller {
	t.Helper()
	var err error
	for range 200 {
		var c *sim.Caller
		if c, err = h.d.Call(context.Background(), sim.CallOptions{ANI: ani, DNIS: "96315", DTMF: dtmf, Record: true, Timeout: timeout}); err == nil {
			return c
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}

// share is the part of samples' energy at freq Hz (Goertzel), 0..1.
func share(samples []int16, freq float64) float64 {
	if len(samples) == 0 {
		return 0
	}
	coeff := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2, total float64
	for _, v := range samples {
		x := float64(v)
		s1, s2 = x+coeff*s1-s2, s1
		total += x * x
	}
	if total == 0 {
		return 0
	}
	power := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * power / (float64(len(samples)) * total)
}

// loud keeps the 20 ms frames of samples that are not (nearly) silent.
func loud(samples []int16) []int16 {
	var out []int16
	for i := 0; i+160 <= len(samples); i += 160 {
		var e float64
		for _, v := range samples[i : i+160] {
			e += float64(v) * float64(v)
		}
		if e/160 > 100*100 {
			out = append(out, samples[i:i+160]...)
		}
	}
	return out
}

func TestCallerKeysZeroAndTalksToAgent(t *testing.T) {
	t.Parallel()
	h := newACDHarness(t, nil)
	w := eventtest.Watch(t, h.bus)
	ctx := context.Background()
	if err := h.acd.Login(ctx, "8001"); err != nil {
		t.Fatal(err)
	}
	// 0 at the welcome menu; three seconds later, a key the agent should hear;
	// the caller hangs up after six seconds.
	c := h.call(t, "0www5", 6*time.Second)
	eventtest.Expect(w, 5*time.Second, func(e event.CallTaken) bool { return e.Call() == c.CallID() && e.Agent == "8001" })
	eventtest.Expect(w, 2*time.Second, func(e event.RoomJoined) bool {
		return e.Call() == c.CallID() && e.Line == "sim/phone/8001" && e.Mode == "talk"
	})
	res, err := c.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Hangup.By != "caller" {
		t.Errorf("caller's call hung up by %q, want the caller", res.Hangup.By)
	}

	// The caller heard the agent: the last second is the agent's tone.
	last := res.Heard[max(0, len(res.Heard)-8000):]
	if s := share(last, agentTone); s < 0.5 {
		t.Errorf("caller's last second has %.2f of its energy at %d Hz, want most", s, agentTone)
	}
	// The agent heard the caller: the key pressed while bridged (770 + 1336 Hz).
	phone, _ := h.d.Phone("8001")
	pr, err := phone.Last().Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keyed := loud(pr.Heard)
	if len(keyed) < 400 {
		t.Fatalf("agent heard %d samples of sound, want the caller's 100 ms key", len(keyed))
	}
	if s := share(keyed, 1336) + share(keyed, 770); s < 0.5 {
		t.Errorf("agent heard %.2f of its energy in the caller's key tones, want most", s)
	}
	if pr.Hangup.By != "ivr" || phone.State() != telephony.LineIdle {
		t.Errorf("agent phone: hung up by %q, state %s; want by ivr (the switchboard), idle", pr.Hangup.By, phone.State())
	}

	r := waitRecord(t, h.db, string(c.CallID()))
	if r.Queue != "trace" || r.Agent != "8001" || len(r.AgentsTried) != 1 || r.Type != "agent" || r.Disposition != cdr.Answered {
		t.Errorf("record: queue %q agent %q tried %v type %q disposition %q", r.Queue, r.Agent, r.AgentsTried, r.Type, r.Disposition)
	}
	if r.QueueWait < 0.4 || r.QueueWait > 3 {
		t.Errorf("queue wait %.2fs, want about the phone's 0.5 s of ringing", r.QueueWait)
	}
}

func TestNoAgentLoggedIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		whenEmpty string
		want      []string // prompts said after the key, in order
		wantEvent func(w *eventtest.Watcher, id telephony.CallID)
	}{
		{
			name: "refuse says goodbye", whenEmpty: acd.EmptyRefuse,
			want: []string{"queue_hold", "queue_closed", "goodbye"},
			wantEvent: func(w *eventtest.Watcher, id telephony.CallID) {
				eventtest.Expect(w, 2*time.Second, func(e event.CallOverflowed) bool { return e.Call() == id && e.Reason == "empty" })
			},
		},
		{
			name: "join waits and hears its place", whenEmpty: acd.EmptyJoin,
			want: []string{"queue_hold", "queue_position", "queue_position"},
			wantEvent: func(w *eventtest.Watcher, id telephony.CallID) {
				eventtest.Expect(w, 2*time.Second, func(e event.CallAbandonedQueue) bool { return e.Call() == id && e.Queue == "trace" })
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newACDHarness(t, func(c *shippedConfig) { c.ACD.Queues[0].WhenEmpty = tt.whenEmpty })
			w := eventtest.Watch(t, h.bus)
			sub := event.Subscribe[event.Said](h.bus.Client("said"))
			c := h.call(t, "0", 4*time.Second)
			if _, err := c.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
			tt.wantEvent(w, c.CallID())
			var got []string
			for len(sub.Events()) > 0 {
				if s := <-sub.Events(); s.Call() == c.CallID() && strings.HasPrefix(s.Prompt, "queue_") || s.Prompt == "goodbye" {
					got = append(got, s.Prompt)
				}
			}
			if len(got) < len(tt.want) || !slicesEqual(got[:len(tt.want)], tt.want) {
				t.Errorf("prompts said = %v, want %v first", got, tt.want)
			}
		})
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

// waitRecord waits for the call record to be closed; the writer commits
// asynchronously.
func waitRecord(t *testing.T, db *store.DB, id string) store.CallRecord {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		r, ok, err := db.Call(id)
		if err != nil {
			t.Fatal(err)
		}
		if ok && !r.InProgress {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("record %s not closed; last %+v", id, r)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
