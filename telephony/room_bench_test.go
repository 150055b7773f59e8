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
)

// benchPairs is how many caller–agent pairs the cost benchmarks join.
const benchPairs = 100

// benchJoin runs benchPairs simulated callers each joined to a simulated
// agent phone by join for two seconds, and reports the process's CPU time
// per pair per second of call (the sim clock's own work included, the same
// for both).
func benchJoin(b *testing.B, join func(ctx context.Context, caller, agent telephony.Leg)) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		legs := make(chan telephony.Leg, benchPairs)
		d, err := sim.New(sim.Config{Lines: benchPairs, RingTimeout: time.Minute}, nil, nil)
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
			wg.Go(func() { join(ctx, caller, agent) })
		}
		time.Sleep(200 * time.Millisecond) // everyone settled
		before, start := cpuTime(), time.Now()
		time.Sleep(2 * time.Second)
		used, wall := cpuTime()-before, time.Since(start)
		cancel()
		wg.Wait()
		<-served
		b.ReportMetric(float64(used.Microseconds())/benchPairs/wall.Seconds(), "cpu-µs/pair-s")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBridgeCost and BenchmarkRoomCost compare a two-party Room with a
// Bridge on the same simulated legs:
//
//	go test -run '^$' -bench 'Cost$' -benchtime 1x ./telephony
func BenchmarkBridgeCost(b *testing.B) {
	benchJoin(b, func(ctx context.Context, caller, agent telephony.Leg) {
		_ = telephony.Bridge(ctx, caller, agent)
	})
}

func BenchmarkRoomCost(b *testing.B) {
	benchJoin(b, func(ctx context.Context, caller, agent telephony.Leg) {
		r := telephony.NewRoom(caller.Info().CallID)
		defer r.Close()
		_ = r.Join(caller, telephony.RoomTalk)
		_ = r.Join(agent, telephony.RoomTalk)
		<-ctx.Done()
	})
}

// BenchmarkIdleCost is the baseline: the same legs, joined to nothing.
func BenchmarkIdleCost(b *testing.B) {
	benchJoin(b, func(ctx context.Context, caller, agent telephony.Leg) { <-ctx.Done() })
}

// BenchmarkRoomMixedCost is two members through the mixer (one listens), as
// a held caller or a listen-in would be.
func BenchmarkRoomMixedCost(b *testing.B) {
	benchJoin(b, func(ctx context.Context, caller, agent telephony.Leg) {
		r := telephony.NewRoom(caller.Info().CallID)
		defer r.Close()
		_ = r.Join(caller, telephony.RoomTalk)
		_ = r.Join(agent, telephony.RoomListen)
		<-ctx.Done()
	})
}

// BenchmarkRoomMixedSharedCost is BenchmarkRoomMixedCost with every room on
// one RoomClock, as call control runs them.
func BenchmarkRoomMixedSharedCost(b *testing.B) {
	clock := telephony.NewRoomClock()
	benchJoin(b, func(ctx context.Context, caller, agent telephony.Leg) {
		r := telephony.NewRoom(caller.Info().CallID, telephony.WithRoomClock(clock))
		defer r.Close()
		_ = r.Join(caller, telephony.RoomTalk)
		_ = r.Join(agent, telephony.RoomListen)
		<-ctx.Done()
	})
}
