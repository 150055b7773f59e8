//go:build loadtest

package ivr_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
	"tracecall/telephony/telephonytest"

	"tracecall/drivers/sim"
	"tracecall/ivr"
	"tracecall/ivr/tts"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// TestSimLoad holds TRACECALL_LOAD simultaneous simulated callers in the trace
// flow, each keying a demo code in band, with real espeak-ng speech, and prints
// how well the 20 ms clock kept time. It is a load run, not a unit test: it
// is built only with the loadtest tag, which `make loadtest-sim CALLS=1000`
// sets (TRACECALL_LOAD, default 1000, is how many callers).
func TestSimLoad(t *testing.T) {
	n := 1000
	if v := os.Getenv("TRACECALL_LOAD"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			t.Fatalf("TRACECALL_LOAD=%q: want a number of callers above 0", v)
		}
	}
	hold := 20 * time.Second
	if v := os.Getenv("TRACECALL_LOAD_HOLD"); v != "" {
		hold, _ = time.ParseDuration(v)
	}
	cfg, err := loadShipped()
	if err != nil {
		t.Fatal(err)
	}
	speaker, err := tts.New(tts.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer speaker.Close()
	chain := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex)
	bus := event.New(nil)
	v, err := ivr.New(cfg.IVR, ivr.Deps{
		Chains:       chains{chain.TraceCode: chain},
		TraceOptions: trace.Options{CheckDigit: true, RetailMin: 20, RetailMax: 20},
		Speaker:      speaker,
		Events:       bus.Client("ivr"),
	})
	if err != nil {
		t.Fatal(err)
	}
	lookups := event.Subscribe[event.TraceLookup](bus.Client("load"), event.WithQueue(4*n+16))
	d, err := sim.New(sim.Config{Lines: n + 1}, bus.Client("sim"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	core := telephonytest.Core(t, nil, d)
	go func() { _ = core.Serve(ctx, v) }()
	<-d.Serving()
	time.Sleep(100 * time.Millisecond)

	// One call first, so the phrases are rendered and cached as on a warm appliance.
	dtmf := "1" + chain.TraceCode + "#"
	warm, err := d.Call(ctx, sim.CallOptions{ANI: "1", DNIS: "ivr", DTMF: dtmf, Timeout: 40 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := warm.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	for len(lookups.Events()) > 0 {
		<-lookups.Events()
	}
	before := d.ClockStats()
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	var wg sync.WaitGroup
	var failed int
	var mu sync.Mutex
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Spread call arrival over two seconds, as a trunk would.
			time.Sleep(time.Duration(i) * 2 * time.Second / time.Duration(n))
			c, err := d.Call(ctx, sim.CallOptions{ANI: fmt.Sprint(13800000000 + i), DNIS: "ivr", DTMF: dtmf, Timeout: hold})
			if err == nil {
				_, err = c.Wait(ctx)
			}
			if err != nil {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	wall := time.Since(t0)
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()-ru0.Utime.Nano()) + time.Duration(ru1.Stime.Nano()-ru0.Stime.Nano())
	st := d.ClockStats()
	found := 0
	for len(lookups.Events()) > 0 {
		if e := <-lookups.Events(); e.Result == "found" {
			found++
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	frames := st.Frames - before.Frames
	under := st.Underruns - before.Underruns
	fmt.Printf("sim load: %d calls held %v on %d CPUs\n", n, hold, runtime.NumCPU())
	fmt.Printf("  calls failed %d, codes found %d/%d\n", failed, found, n)
	fmt.Printf("  clock tick lateness p50 %v p99 %v max %v (whole run incl. warm-up)\n", st.LateP50, st.LateP99, st.LateMax)
	fmt.Printf("  frames %d, late frames (underruns) %d = %.4f%%\n", frames, under, 100*float64(under)/float64(max(frames, 1)))
	fmt.Printf("  CPU %.0f%% of one core (%.2f%% per call), heap in use %.1f MB\n",
		100*cpu.Seconds()/wall.Seconds(), 100*cpu.Seconds()/wall.Seconds()/float64(n), float64(ms.HeapInuse)/1e6)
	if failed > 0 || found != n {
		t.Errorf("%d calls failed, %d of %d codes found", failed, found, n)
	}
}
