package telephony_test

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"tracecall/drivers/sim"
	"tracecall/telephony"
	"tracecall/telephony/media/clock"
)

// benchPairs is how many caller–agent pairs the cost benchmarks join.
const benchPairs = 100

// benchJoin runs benchPairs simulated callers each joined to a simulated
// agent phone by join for two seconds, on one media clock as in the daemon,
// and reports the process's CPU time per pair per second of call (the
// simulated lines' own work on the clock included, the same for every
// benchmark: subtract BenchmarkIdleCost's for the joining's own).
func benchJoin(b *testing.B, join func(ctx context.Context, c *clock.Clock, caller, agent telephony.Leg)) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		clk := clock.New(nil)
		clockDone := make(chan struct{})
		go func() { defer close(clockDone); _ = clk.Run(ctx) }()
		legs := make(chan telephony.Leg, benchPairs)
		d, err := sim.New(sim.Config{Lines: benchPairs, RingTimeout: time.Minute, Clock: clk}, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = d.Serve(ctx, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
				if l.Answer(ctx) == nil {
					legs <- l
					<-l.Context().Done()
				}
			}))
		}()
		var wg sync.WaitGroup
		for i := range benchPairs {
			var c *sim.Caller
			for {
				if c, err = d.Call(ctx, sim.CallOptions{ANI: "1", DNIS: "2", DTMF: "5", Timeout: time.Minute}); err == nil {
					break
				}
				time.Sleep(time.Millisecond)
			}
			caller := <-legs
			agent, err := d.Dial(ctx, telephony.Address{Driver: "sim", User: fmt.Sprint(9000 + i)}, telephony.DialOptions{CallID: c.CallID()})
			if err != nil {
				b.Fatal(err)
			}
			wg.Go(func() { join(ctx, clk, caller, agent) })
		}
		time.Sleep(200 * time.Millisecond) // everyone settled
		before, start := cpuTime(), time.Now()
		time.Sleep(2 * time.Second)
		used, wall := cpuTime()-before, time.Since(start)
		cancel()
		wg.Wait()
		<-served
		<-clockDone
		b.ReportMetric(float64(used.Microseconds())/benchPairs/wall.Seconds(), "cpu-µs/pair-s")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRoomCost is what a caller talking to an agent costs: a room of
// two talkers, which passes frames straight through. Compare it with
// BenchmarkIdleCost, and with the Bridge it replaced (telephony/doc.go,
// "Cost", has the figures measured before the Bridge was removed):
//
//	go test -run '^$' -bench 'Cost$' -benchtime 1x -count 3 ./telephony
func BenchmarkRoomCost(b *testing.B) {
	benchJoin(b, func(ctx context.Context, c *clock.Clock, caller, agent telephony.Leg) {
		r := telephony.NewRoom(caller.Info().CallID, c)
		defer r.Close()
		_ = r.Join(caller, telephony.RoomTalk)
		_ = r.Join(agent, telephony.RoomTalk)
		<-ctx.Done()
	})
}

// BenchmarkIdleCost is the baseline: the same legs, joined to nothing.
func BenchmarkIdleCost(b *testing.B) {
	benchJoin(b, func(ctx context.Context, _ *clock.Clock, caller, agent telephony.Leg) { <-ctx.Done() })
}

// BenchmarkRoomMixedCost is two members through the mixer on the media
// clock (one listens), as a held caller or a listen-in would be.
func BenchmarkRoomMixedCost(b *testing.B) {
	benchJoin(b, func(ctx context.Context, c *clock.Clock, caller, agent telephony.Leg) {
		r := telephony.NewRoom(caller.Info().CallID, c)
		defer r.Close()
		_ = r.Join(caller, telephony.RoomTalk)
		_ = r.Join(agent, telephony.RoomListen)
		<-ctx.Done()
	})
}
