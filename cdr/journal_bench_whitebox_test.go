package cdr

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/telephony/event"
)

// BenchmarkCallLoad runs the writer on a store on disk (the test's temp
// directory, fsync on) under a fixed load, as the core drives it: rate call
// starts a second for loadFor, each waited on (Started) like the core
// waits before serving the call, answered 20 ms later, three IVR steps, and
// ended after hold. It reports the figures doc.go quotes, once per commit
// gap tried, whatever b.N (run it with -benchtime=1x):
//
//	start_p50_ms, start_p99_ms    the core's wait for a start to be on disk
//	answer_p50_ms, answer_p99_ms  from the answer's event to the commit
//	                              that has it on disk: what a kill -9 at
//	                              that moment costs the record (it is
//	                              then on record, interrupted, unanswered)
//	commits/s                     commits a second
//	cpu_%                         the process's CPU over the run (the load
//	                              generator and the bus included), % of one
//	                              core
//
//	go test ./cdr -run '^$' -bench CallLoad -benchtime=1x
//	LOAD_RATE=800 LOAD_SECONDS=10 LOAD_HOLD=8s go test ./cdr ...
func BenchmarkCallLoad(b *testing.B) {
	rate, secs, hold := envInt("LOAD_RATE", 800), envInt("LOAD_SECONDS", 6), 4*time.Second
	if d, err := time.ParseDuration(os.Getenv("LOAD_HOLD")); err == nil {
		hold = d
	}
	for _, gap := range []time.Duration{0, commitGap, 250 * time.Millisecond} {
		b.Run("gap="+gap.String(), func(b *testing.B) {
			for b.Loop() {
				callLoad(b, gap, rate, time.Duration(secs)*time.Second, hold)
			}
		})
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func callLoad(b *testing.B, gap time.Duration, rate int, loadFor, hold time.Duration) {
	db, err := store.Open(filepath.Join(b.TempDir(), "tracecall.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	bus := event.New(nil)
	defer bus.Close()
	pub := bus.Client("core")
	w := New(db, bus, nil)
	w.gap = gap
	var mu sync.Mutex // guards answered and answerLags
	answered := map[string]time.Time{}
	var answerLags []time.Duration
	w.onCommit = func(recs []*store.CallRecord) {
		now := time.Now()
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			if at, ok := answered[r.ID]; ok && !r.LineAnswer.IsZero() {
				answerLags = append(answerLags, now.Sub(at))
				delete(answered, r.ID)
			}
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()

	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	commits0 := w.Health().Commits
	began := time.Now()
	var wg sync.WaitGroup
	starts := make(chan time.Duration, rate*int(loadFor/time.Second)+rate)
	const tick = 10 * time.Millisecond
	per := rate * int(tick) / int(time.Second)
	next := began
	for n := 0; time.Since(began) < loadFor; {
		for range per {
			id := event.CallID(fmt.Sprintf("load-%07d", n))
			n++
			wg.Go(func() {
				at := time.Now()
				if err := w.Started(ctx, event.CallStarted{Base: event.Base{CallID: id, At: at}, From: "13800138000", To: "ivr", Direction: "inbound"}); err != nil {
					b.Error(err)
				}
				starts <- time.Since(at)
				pub.Publish(event.CallStarted{Base: event.Base{CallID: id, At: at}, From: "13800138000", To: "ivr", Direction: "inbound"})
				time.Sleep(20 * time.Millisecond)
				mu.Lock()
				answered[string(id)] = time.Now()
				mu.Unlock()
				pub.Publish(event.CallAnswered{Base: event.Base{CallID: id, At: time.Now()}})
				for _, node := range []string{"welcome", "menu", "query"} {
					pub.Publish(event.IVRStep{Base: event.Base{CallID: id, At: time.Now()}, Flow: "trace", Node: node, Type: "say"})
					time.Sleep(hold / 4)
				}
				pub.Publish(event.CallEnded{Base: event.Base{CallID: id, At: time.Now()}, By: "caller", Cause: "normal"})
			})
		}
		next = next.Add(tick)
		time.Sleep(time.Until(next))
	}
	wg.Wait()
	elapsed := time.Since(began)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	commits := w.Health().Commits - commits0
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	close(starts)
	var startLags []time.Duration
	for d := range starts {
		startLags = append(startLags, d)
	}
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
	b.ReportMetric(pct(startLags, 50), "start_p50_ms")
	b.ReportMetric(pct(startLags, 99), "start_p99_ms")
	b.ReportMetric(pct(answerLags, 50), "answer_p50_ms")
	b.ReportMetric(pct(answerLags, 99), "answer_p99_ms")
	b.ReportMetric(float64(commits)/elapsed.Seconds(), "commits/s")
	b.ReportMetric(100*cpu.Seconds()/elapsed.Seconds(), "cpu_%")
	b.ReportMetric(float64(len(startLags))/loadFor.Seconds(), "starts/s")
}

// pct is the p-th percentile of ds, in milliseconds.
func pct(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return -1
	}
	slices.Sort(ds)
	return float64(ds[(len(ds)-1)*p/100].Microseconds()) / 1000
}
