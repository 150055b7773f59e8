package sim_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"tracecall/drivers/sim"
	"tracecall/telephony"
	"tracecall/telephony/media/clock"
)

// TestKeysSurviveAnAppThatDoesNotRead: a caller keys a code in band while the
// app reads nothing for three seconds (busy, or starved of CPU), far more than
// the leg's frame queue holds; once it reads, every key is there, once, in
// order. The clock heard the tones as it took the frames.
func TestKeysSurviveAnAppThatDoesNotRead(t *testing.T) {
	const code = "11010600524031500425#"
	synctest.Test(t, func(t *testing.T) {
		got := make(chan string, 1)
		h := telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
			if err := l.Answer(ctx); err != nil {
				return
			}
			time.Sleep(3 * time.Second) // the app is busy: nobody reads the frames
			s, err := telephony.NewSession(l, nil, nil)
			if err != nil {
				return
			}
			var keys string
			for {
				select {
				case d := <-s.Digits():
					if keys += string(d.Key); d.Key == '#' {
						got <- keys
						_ = l.Hangup(ctx, telephony.CauseNormal)
						return
					}
				case <-s.Done():
					got <- keys + "(hung up)"
					return
				}
			}
		})
		// The clock is stepped here, on the bubble's time: run, it would
		// sleep its threads in the kernel, which the bubble cannot see.
		clk := clock.New(nil)
		d, err := sim.New(sim.Config{Lines: 1, Clock: clk}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		stepped := make(chan struct{})
		defer func() { cancel(); <-stepped }()
		go func() {
			defer close(stepped)
			for ctx.Err() == nil {
				clk.Step(time.Now())
				time.Sleep(20 * time.Millisecond)
			}
		}()
		go func() { _ = d.Serve(ctx, h) }()
		synctest.Wait() // Serve has taken the handler and started its clock
		c, err := d.Call(ctx, sim.CallOptions{ANI: "13800138000", DNIS: "ivr", DTMF: code, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		if keys := <-got; keys != code {
			t.Errorf("the app got %q, want %q", keys, code)
		}
		if _, err := c.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if st := d.ClockStats(); st.Overruns == 0 {
			t.Errorf("clock %+v: no frame overran the app's queue, the test starved nothing", st)
		}
		cancel()
		<-stepped
		synctest.Wait()
	})
}
