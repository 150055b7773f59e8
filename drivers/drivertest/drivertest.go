package drivertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// Far is the far end of a call: the caller of an inbound call, or the party
// a dial reached.
type Far interface {
	// Keys presses keys on the far end's phone, the way that phone sends
	// them (in band or out of band), about 100 ms apart.
	Keys(keys string) error
	// Hangup hangs up from the far end.
	Hangup()
	// Done is closed once the far end has seen the call end.
	Done() <-chan struct{}
}

// Rig is a driver under test with the far ends the suite needs.
type Rig struct {
	// Driver is the driver under test; the suite serves it under the core.
	Driver telephony.Driver
	// Call places a call to Driver from outside and returns its caller. The
	// suite calls it once Driver is being served.
	Call func(ctx context.Context) (Far, error)
	// Callee is an address Driver can dial whose far end answers by itself;
	// CalleeFar returns that far end once it has answered.
	Callee    telephony.Address
	CalleeFar func(ctx context.Context) (Far, error)
	// NoMedia says the driver's legs carry no audio (ErrNoMedia).
	NoMedia bool
}

// Wait bounds every wait of the suite: long, for a loaded CI machine.
const Wait = 15 * time.Second

// Run runs the conformance scenarios, each on a rig of its own from newRig,
// which publishes the driver's own events on pub.
func Run(t *testing.T, newRig func(t *testing.T, pub *event.Client) Rig) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			h := start(t, newRig)
			if h.rig.NoMedia && sc.media {
				t.Logf("drivertest: %s needs media; the driver's legs have none", sc.name)
				return
			}
			sc.run(t, h)
		})
	}
}

// harness is one scenario's rig, served under the core, with a watch on
// the bus and the legs the driver handed to the handler.
type harness struct {
	rig  Rig
	core *telephony.Calls
	bus  *event.Bus
	sub  *event.Subscriber[event.Event]
	legs chan telephony.Leg

	// mu guards serve and seen.
	mu    sync.Mutex
	serve func(ctx context.Context, l telephony.Leg) // set by the scenario (handle) before a call
	seen  []event.Event
}

// handle makes f the handler of the calls placed from now on.
func (h *harness) handle(f func(ctx context.Context, l telephony.Leg)) {
	h.mu.Lock()
	h.serve = f
	h.mu.Unlock()
}

func start(t *testing.T, newRig func(t *testing.T, pub *event.Client) Rig) *harness {
	t.Helper()
	bus := event.New(nil)
	t.Cleanup(bus.Close)
	h := &harness{bus: bus, legs: make(chan telephony.Leg, 8)}
	h.sub = event.Subscribe[event.Event](bus.Client("drivertest"), event.WithQueue(1<<14))
	h.rig = newRig(t, bus.Client("driver"))
	core, err := telephony.NewCalls([]telephony.Driver{h.rig.Driver}, bus.Client("core"), nil)
	if err != nil {
		t.Fatal(err)
	}
	h.core = core
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- core.Serve(ctx, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
			h.legs <- l
			h.mu.Lock()
			serve := h.serve
			h.mu.Unlock()
			if serve != nil {
				serve(ctx, l)
				return
			}
			holdUntilEnd(ctx, l)
		}))
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(Wait):
			t.Error("the driver did not stop within the wait")
		}
	})
	return h
}

// holdUntilEnd answers l and keeps it until it ends.
func holdUntilEnd(ctx context.Context, l telephony.Leg) {
	_ = l.Answer(ctx)
	<-l.Context().Done()
}

// call places an inbound call and returns its far end and the driver's leg.
func (h *harness) call(t *testing.T) (Far, telephony.Leg) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	var far Far
	var err error
	// The driver may take a moment to start serving: retry until it does.
	for {
		far, err = h.rig.Call(ctx)
		if err == nil || ctx.Err() != nil {
			break
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
		}
	}
	if err != nil {
		t.Fatalf("placing a call: %v", err)
	}
	var l telephony.Leg
	select {
	case l = <-h.legs:
	case <-ctx.Done():
		t.Fatal("the driver handed no leg to the handler")
	}
	return far, l
}

// until reads the bus until match returns true for an event, and returns it.
func (h *harness) until(t *testing.T, what string, match func(event.Event) bool) event.Event {
	t.Helper()
	deadline := time.NewTimer(Wait)
	defer deadline.Stop()
	for {
		select {
		case e := <-h.sub.Events():
			h.mu.Lock()
			h.seen = append(h.seen, e)
			h.mu.Unlock()
			if match(e) {
				return e
			}
		case <-h.sub.Done():
			t.Fatalf("the bus cut the suite off: %v", h.sub.Err())
		case <-deadline.C:
			t.Fatalf("no %s within %v", what, Wait)
		}
	}
}

// ended waits for the call's end and returns it.
func (h *harness) ended(t *testing.T, id telephony.CallID) event.CallEnded {
	t.Helper()
	return h.until(t, "CallEnded for "+string(id), func(e event.Event) bool {
		_, ok := e.(event.CallEnded)
		return ok && e.Call() == id
	}).(event.CallEnded)
}

// endedOnce waits for the call's CallEnded, reads the bus up to now and
// checks that the call had one start, at most one answer and one end
// (checkOnce); it returns the end.
func (h *harness) endedOnce(t *testing.T, id telephony.CallID) event.CallEnded {
	t.Helper()
	end := h.ended(t, id)
	h.settle(t)
	checkOnce(t, h, id)
	return end
}

// settle publishes a marker and reads the bus up to it, so that every event
// published before now has been seen.
func (h *harness) settle(t *testing.T) {
	t.Helper()
	id := telephony.NewCallID(time.Now())
	h.bus.Client("drivertest.marker").Publish(marker{Base: event.Base{CallID: id, At: time.Now()}})
	h.until(t, "the marker", func(e event.Event) bool { _, ok := e.(marker); return ok && e.Call() == id })
}

// count counts the events seen of type T for call id.
func count[T event.Event](h *harness, id telephony.CallID) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.seen {
		if _, ok := e.(T); ok && e.Call() == id {
			n++
		}
	}
	return n
}

type marker struct{ event.Base }

func (marker) Kind() string { return "drivertest_marker" }

// waitDone waits for a context or channel to be done.
func waitDone(t *testing.T, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(Wait):
		t.Fatalf("%s did not happen within %v", what, Wait)
	}
}

type scenario struct {
	name  string
	media bool
	run   func(t *testing.T, h *harness)
}

var scenarios = []scenario{
	{name: "OneStartOneEnd_FarHangsUp", run: func(t *testing.T, h *harness) {
		far, l := h.call(t)
		id := l.Info().CallID
		h.until(t, "CallAnswered", func(e event.Event) bool { _, ok := e.(event.CallAnswered); return ok && e.Call() == id })
		far.Hangup()
		waitDone(t, "the leg's Context ending after the far end hung up", l.Context().Done())
		end := h.endedOnce(t, id)
		if end.By != "caller" {
			t.Errorf("CallEnded by %q, want caller", end.By)
		}
		if hi, ok := l.Ended(); !ok || hi.By != "caller" {
			t.Errorf("leg Ended() = %+v, %v; want by caller", hi, ok)
		}
	}},
	{name: "OneStartOneEnd_ApplianceHangsUp", run: func(t *testing.T, h *harness) {
		h.handle(func(ctx context.Context, l telephony.Leg) {
			_ = l.Answer(ctx)
			_ = l.Hangup(ctx, telephony.CauseNormal)
		})
		far, l := h.call(t)
		id := l.Info().CallID
		waitDone(t, "the leg's Context ending after the appliance hung up", l.Context().Done())
		waitDone(t, "the far end seeing the hangup", far.Done())
		end := h.endedOnce(t, id)
		if end.By != "ivr" {
			t.Errorf("CallEnded by %q, want ivr", end.By)
		}
	}},
	{name: "HandlerReturnsEndsCall", run: func(t *testing.T, h *harness) {
		h.handle(func(ctx context.Context, l telephony.Leg) { _ = l.Answer(ctx) })
		_, l := h.call(t)
		waitDone(t, "the leg's Context ending after ServeLeg returned", l.Context().Done())
		h.endedOnce(t, l.Info().CallID)
	}},
	{name: "AnswerHangupIdempotent", run: func(t *testing.T, h *harness) {
		errs := make(chan error, 5)
		h.handle(func(ctx context.Context, l telephony.Leg) {
			errs <- l.Answer(ctx)
			errs <- l.Answer(ctx)
			errs <- l.Hangup(ctx, telephony.CauseNormal)
			errs <- l.Hangup(ctx, telephony.CauseFailure)
			errs <- l.Answer(ctx)
		})
		_, l := h.call(t)
		for i, want := range []bool{true, true, true, true, false} {
			select {
			case err := <-errs:
				if (err == nil) != want {
					t.Errorf("step %d: err %v", i, err)
				}
			case <-time.After(Wait):
				t.Fatal("the handler did not run")
			}
		}
		if hi, _ := l.Ended(); hi.Cause != telephony.CauseNormal {
			t.Errorf("cause %q after a second Hangup, want the first's (normal)", hi.Cause)
		}
		h.endedOnce(t, l.Info().CallID)
	}},
	{name: "DialJoinsCall", run: func(t *testing.T, h *harness) {
		far, l := h.call(t)
		id := l.Info().CallID
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		out, err := h.core.Dial(ctx, h.rig.Callee, telephony.DialOptions{From: l.Info().From, CallID: id})
		if err != nil {
			t.Fatalf("dial into the call: %v", err)
		}
		if out.Info().CallID != id {
			t.Errorf("dialled leg's call %q, want %q", out.Info().CallID, id)
		}
		callee, err := h.rig.CalleeFar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// The dialled party hangs up: the caller's call goes on.
		callee.Hangup()
		waitDone(t, "the dialled leg's Context ending", out.Context().Done())
		h.settle(t)
		if n := count[event.CallEnded](h, id); n != 0 {
			t.Fatalf("the dialled party's hangup ended the call (%d CallEnded)", n)
		}
		if l.Context().Err() != nil {
			t.Fatal("the dialled party's hangup ended the caller's leg")
		}
		far.Hangup()
		h.endedOnce(t, id)
	}},
	{name: "DialNewCall", run: func(t *testing.T, h *harness) {
		// A caller first, so the driver is serving; the dial is a call of
		// its own beside it.
		far, l := h.call(t)
		defer far.Hangup()
		ctx, cancel := context.WithTimeout(context.Background(), Wait)
		defer cancel()
		out, err := h.core.Dial(ctx, h.rig.Callee, telephony.DialOptions{From: "96315"})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		id := out.Info().CallID
		if id == "" || id == l.Info().CallID {
			t.Fatalf("a dialled leg of a new call has call id %q", id)
		}
		_ = out.Hangup(ctx, telephony.CauseNormal)
		waitDone(t, "the dialled leg's Context ending", out.Context().Done())
		end := h.endedOnce(t, id)
		if end.By != "ivr" {
			t.Errorf("CallEnded by %q, want ivr", end.By)
		}
	}},
	{name: "LegEndEndsNoOtherCall", run: func(t *testing.T, h *harness) {
		farA, a := h.call(t)
		farB, b := h.call(t)
		if a.Info().CallID == b.Info().CallID {
			t.Fatal("two calls share a call id")
		}
		farA.Hangup()
		h.ended(t, a.Info().CallID)
		h.settle(t)
		if b.Context().Err() != nil || count[event.CallEnded](h, b.Info().CallID) != 0 {
			t.Fatal("one caller's hangup ended the other's call")
		}
		farB.Hangup()
		h.ended(t, b.Info().CallID)
	}},
	{name: "FramesEvery20ms", media: true, run: func(t *testing.T, h *harness) {
		type result struct {
			n       int
			elapsed time.Duration
			err     error
		}
		res := make(chan result, 1)
		h.handle(func(ctx context.Context, l telephony.Leg) {
			if err := l.Answer(ctx); err != nil {
				res <- result{err: err}
				return
			}
			r, w, err := l.Media()
			if err != nil {
				res <- result{err: err}
				return
			}
			var f media.Frame
			// The first frame starts the count: what came before it is the
			// call setting up.
			if err := r.ReadFrame(&f); err != nil {
				res <- result{err: err}
				return
			}
			const frames = 50
			start := time.Now()
			for i := range frames {
				if err := r.ReadFrame(&f); err != nil {
					res <- result{n: i, err: err}
					return
				}
				f.Silence()
				_ = w.WriteFrame(&f)
			}
			res <- result{n: frames, elapsed: time.Since(start)}
			<-l.Context().Done()
		})
		far, _ := h.call(t)
		defer far.Hangup()
		select {
		case r := <-res:
			if r.err != nil {
				t.Fatalf("after %d frames: %v", r.n, r.err)
			}
			// 50 frames are 1 s of audio. They may come late on a loaded
			// machine, but never much faster than real time, which would
			// mean a clock that does not pace the stream.
			if r.elapsed < 700*time.Millisecond {
				t.Errorf("%d frames in %v: faster than one every 20 ms", r.n, r.elapsed)
			}
		case <-time.After(Wait):
			t.Fatal("no frames")
		}
	}},
	{name: "KeysDeliveredOnce", media: true, run: func(t *testing.T, h *harness) {
		got := make(chan string, 1)
		const keys = "1234567890*#"
		h.handle(func(ctx context.Context, l telephony.Leg) {
			_ = l.Answer(ctx)
			s, err := telephony.NewSession(l, nil, nil)
			if err != nil {
				got <- "session: " + err.Error()
				return
			}
			var heard []byte
			limit := time.NewTimer(Wait)
			defer limit.Stop()
			for {
				select {
				case d := <-s.Digits():
					heard = append(heard, d.Key)
					if d.Key == '#' {
						// Anything arriving twice would come right after.
						settle := time.NewTimer(500 * time.Millisecond)
					more:
						for {
							select {
							case d := <-s.Digits():
								heard = append(heard, d.Key)
							case <-settle.C:
								break more
							}
						}
						got <- string(heard)
						<-l.Context().Done()
						return
					}
				case <-s.Done():
					got <- string(heard)
					return
				case <-limit.C:
					got <- string(heard)
					return
				}
			}
		})
		far, _ := h.call(t)
		defer far.Hangup()
		if err := far.Keys(keys); err != nil {
			t.Fatal(err)
		}
		select {
		case s := <-got:
			if s != keys {
				t.Errorf("the app got keys %q, want %q (each once)", s, keys)
			}
		case <-time.After(2 * Wait):
			t.Fatal("no keys")
		}
	}},
}

// checkOnce checks the call had one start, one answer at most and one end.
func checkOnce(t *testing.T, h *harness, id telephony.CallID) {
	t.Helper()
	if n := count[event.CallStarted](h, id); n != 1 {
		t.Errorf("%d CallStarted for the call, want 1", n)
	}
	if n := count[event.CallAnswered](h, id); n > 1 {
		t.Errorf("%d CallAnswered for the call, want at most 1", n)
	}
	if n := count[event.CallEnded](h, id); n != 1 {
		t.Errorf("%d CallEnded for the call, want 1", n)
	}
}
