package clock_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"tracecall/telephony/media/clock"
)

// recorder is a stream that notes what the clock did with it.
type recorder struct {
	name string
	log  *journal
	// under and over are what Send and Receive report.
	under, over bool
}

func (r *recorder) Send(t clock.Tick) bool {
	r.log.add(r.name+" send", t)
	return r.under
}

func (r *recorder) Receive(t clock.Tick) bool {
	r.log.add(r.name+" receive", t)
	return r.over
}

// journal collects the calls in order and signals each one.
type journal struct {
	mu    sync.Mutex
	calls []string
	ticks []clock.Tick
	c     chan string
}

func newJournal() *journal { return &journal{c: make(chan string, 1024)} }

func (j *journal) add(s string, t clock.Tick) {
	j.mu.Lock()
	j.calls = append(j.calls, s)
	j.ticks = append(j.ticks, t)
	j.mu.Unlock()
	select {
	case j.c <- s:
	default:
	}
}

// wait waits for n calls named s.
func (j *journal) wait(t *testing.T, s string, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for n > 0 {
		select {
		case got := <-j.c:
			if got == s {
				n--
			}
		case <-timeout:
			t.Fatalf("waited 5 s for %d more %q", n, s)
		}
	}
}

// TestStep: a tick sends every stream its frame before any receives within
// a phase, phase by phase, and the figures count the work.
func TestStep(t *testing.T) {
	j := newJournal()
	c := clock.New(nil)
	a := &recorder{name: "a", log: j, under: true}
	b := &recorder{name: "b", log: j}
	e := &recorder{name: "e", log: j, over: true}
	c.Add(a)
	c.Add(b)
	c.Add(e)
	now := time.Now()
	c.Step(now)
	want := []string{"a send", "a receive", "b send", "b receive", "e send", "e receive"}
	if len(j.calls) != len(want) {
		t.Fatalf("calls %v, want %v", j.calls, want)
	}
	for i := range want {
		if j.calls[i] != want[i] {
			t.Fatalf("calls %v, want %v", j.calls, want)
		}
		if !j.ticks[i].Now.Equal(now) || j.ticks[i].Worker != 0 {
			t.Errorf("tick %+v, want now on worker 0", j.ticks[i])
		}
	}
	st := c.Stats()
	if st.Ticks != 1 || st.Frames != 3 || st.Underruns != 1 || st.Overruns != 1 || st.Streams != 3 {
		t.Errorf("stats %+v", st)
	}
}

// TestStepOnePhase: streams sharing a phase all send before the first of
// them receives.
func TestStepOnePhase(t *testing.T) {
	j := newJournal()
	c := clock.New(nil)
	var rs []*recorder
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		r := &recorder{name: n, log: j}
		rs = append(rs, r)
		c.Add(r)
	}
	for _, r := range rs[1:4] {
		c.Remove(r)
	}
	c.Step(time.Now())
	want := []string{"a send", "e send", "a receive", "e receive"}
	if len(j.calls) != len(want) {
		t.Fatalf("calls %v, want %v", j.calls, want)
	}
	for i := range want {
		if j.calls[i] != want[i] {
			t.Fatalf("calls %v, want %v", j.calls, want)
		}
	}
}

// TestRun: a running clock ticks its streams every 20 ms once they are
// added, and stops ticking a stream once it is removed; a second Run is
// refused while the first runs.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	c := clock.New(nil)
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()

	j := newJournal()
	a := &recorder{name: "a", log: j}
	start := time.Now()
	c.Add(a)
	j.wait(t, "a receive", 5)
	if d := time.Since(start); d < 4*clock.Period {
		t.Errorf("5 ticks in %v, want at least %v", d, 4*clock.Period)
	}
	c.Remove(a)
	if err := c.Run(ctx); err == nil {
		t.Error("a second Run while running returned nil")
	}
	b := &recorder{name: "b", log: j}
	c.Add(b)
	j.wait(t, "b receive", 3)
	c.Remove(b)

	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := c.Stats()
	if st.Ticks < 6 || st.Frames < 8 || st.Streams != 0 {
		t.Errorf("stats %+v", st)
	}
	if st.LateP99 > st.LateMax || st.LateP50 > st.LateP99 {
		t.Errorf("lateness p50 %v, p99 %v, max %v: not in order", st.LateP50, st.LateP99, st.LateMax)
	}
	for i, tk := range j.ticks {
		if tk.Worker < 0 || tk.Worker >= clock.MaxWorkers {
			t.Fatalf("call %d on worker %d", i, tk.Worker)
		}
	}
}
