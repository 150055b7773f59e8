package sim_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tracecall/drivers/sim"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
	"tracecall/telephony/media"
	"tracecall/telephony/telephonytest"
)

// start runs a driver serving h until the test ends.
func start(t *testing.T, cfg sim.Config, h telephony.Handler) (*sim.Driver, *event.Bus) {
	t.Helper()
	bus := event.New(nil)
	d, err := sim.New(cfg, bus.Client("sim"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	core := telephonytest.Core(t, bus.Client("core"), d)
	go func() { done <- core.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	<-d.Serving()
	return d, bus
}

// keyCollector answers, reads keys until '#', plays a short tone, and hangs up.
func keyCollector(got chan<- string) telephony.Handler {
	return telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		if l.Info().To == "probe" {
			return
		}
		if err := l.Answer(ctx); err != nil {
			return
		}
		s, err := telephony.NewSession(l, nil, nil)
		if err != nil {
			return
		}
		var b strings.Builder
		for {
			select {
			case d := <-s.Digits():
				if d.Key == '#' {
					got <- b.String()
					tone, _ := media.NewDTMFTone('5', 200*time.Millisecond, 0, -10)
					_, _ = s.Play(ctx, toneSource{tone}, false)
					_ = l.Hangup(ctx, telephony.CauseNormal)
					return
				}
				b.WriteByte(d.Key)
			case <-s.Done():
				got <- b.String() + "(hung up)"
				return
			}
		}
	})
}

type toneSource struct{ g *media.ToneGenerator }

func (t toneSource) Frame(n int, f *media.Frame) bool { return t.g.Next(f) }

func TestCallerKeysReachTheApp(t *testing.T) {
	for _, oob := range []bool{false, true} {
		name := "inband"
		if oob {
			name = "out-of-band"
		}
		t.Run(name, func(t *testing.T) {
			got := make(chan string, 1)
			d, bus := start(t, sim.Config{Lines: 2}, keyCollector(got))
			w := eventtest.Watch(t, bus)
			c, err := d.Call(context.Background(), sim.CallOptions{
				ANI: "13800138000", DNIS: "ivr", DTMF: "1w23*#", OutOfBand: oob, Record: true, Timeout: 10 * time.Second,
			})
			if err != nil {
				t.Fatal(err)
			}
			started := eventtest.Expect(w, time.Second, func(e event.CallStarted) bool { return e.CallID == c.CallID() })
			if started.From != "13800138000" || started.To != "ivr" {
				t.Errorf("CallStarted = %+v", started)
			}
			if keys := <-got; keys != "123*" {
				t.Errorf("app got keys %q, want 123*", keys)
			}
			res, err := c.Wait(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !res.Answered || res.Hangup.By != "ivr" || res.Hangup.Cause != telephony.CauseNormal {
				t.Errorf("result = answered %v, hangup %+v; want answered, hung up by ivr", res.Answered, res.Hangup)
			}
			// The caller heard the 200 ms tone: real audio, not silence.
			if peak := peakAbs(res.Heard); peak < 1000 {
				t.Errorf("recording peak %d: the caller heard no tone", peak)
			}
			if len(res.Heard) < 8000 { // more than a second of call
				t.Errorf("recording has %d samples, want the whole call", len(res.Heard))
			}
			eventtest.Expect(w, time.Second, func(e event.CallEnded) bool { return e.CallID == c.CallID() && e.By == "ivr" })
		})
	}
}

func TestCallerTimeoutAndLines(t *testing.T) {
	hold := telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		if l.Info().To == "probe" {
			return
		}
		_ = l.Answer(ctx)
		s, _ := telephony.NewSession(l, nil, nil)
		<-s.Done()
	})
	d, _ := start(t, sim.Config{Lines: 1, FirstNumber: "96315000"}, hold)
	c, err := d.Call(context.Background(), sim.CallOptions{ANI: "1", DNIS: "ivr", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	ls := d.Lines()
	if len(ls) != 1 || ls[0].State != telephony.LineInCall || ls[0].Number != "96315000" || ls[0].CallID != c.CallID() {
		t.Errorf("lines during call = %+v", ls)
	}
	if _, err := d.Call(context.Background(), sim.CallOptions{ANI: "2", DNIS: "ivr"}); !errors.Is(err, telephony.ErrNoLine) {
		t.Errorf("second call on a one-line driver: err %v, want ErrNoLine", err)
	}
	res, _ := c.Wait(context.Background())
	if res.Hangup.By != "caller" {
		t.Errorf("hangup by %q, want caller (timeout)", res.Hangup.By)
	}
	if ls := d.Lines(); ls[0].State != telephony.LineIdle {
		t.Errorf("line after call = %+v, want idle", ls[0])
	}
	if st := d.ClockStats(); st.Ticks == 0 {
		t.Error("clock never ticked")
	}
}

func TestBadScriptIsRefused(t *testing.T) {
	d, err := sim.New(sim.Config{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, seq := range []string{"12x", "1#?", "七"} {
		if _, err := d.Call(context.Background(), sim.CallOptions{ANI: "1", DNIS: "ivr", DTMF: seq}); !errors.Is(err, sim.ErrBadScript) {
			t.Errorf("script %q: err %v, want ErrBadScript", seq, err)
		}
	}
	if _, err := d.Call(context.Background(), sim.CallOptions{DNIS: "ivr"}); err == nil {
		t.Error("call without ANI accepted")
	}
}

func TestShutdownHangsUpCalls(t *testing.T) {
	bus := event.New(nil)
	w := eventtest.Watch(t, bus)
	d, _ := sim.New(sim.Config{Lines: 1}, bus.Client("sim"), nil)
	hold := telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		_ = l.Answer(ctx)
		<-l.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	core := telephonytest.Core(t, bus.Client("core"), d)
	go func() { done <- core.Serve(ctx, hold) }()
	<-d.Serving()
	c, err := d.Call(context.Background(), sim.CallOptions{ANI: "1", DNIS: "ivr"})
	if err != nil {
		t.Fatal(err)
	}
	eventtest.Expect(w, time.Second, func(e event.CallAnswered) bool { return e.CallID == c.CallID() })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	e := eventtest.Expect(w, time.Second, func(e event.CallEnded) bool { return e.CallID == c.CallID() })
	if e.By != "system" || e.Cause != string(telephony.CauseShutdown) {
		t.Errorf("CallEnded = %+v, want by system, cause shutdown", e)
	}
}

func peakAbs(s []int16) int {
	m := 0
	for _, v := range s {
		m = max(m, abs(int(v)))
	}
	return m
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
