package throttle_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"tracecall/throttle"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newThrottle(c *clock, maxKeys int) *throttle.Throttle {
	return throttle.New(throttle.Config{Free: 3, Base: time.Second, Max: 8 * time.Second, Forget: time.Hour, MaxKeys: maxKeys, Now: c.now})
}

func TestDelaysGrowToMax(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(c, 10)
	want := []time.Duration{0, 0, 0, 1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second}
	for i, w := range want {
		if got := th.Fail("10.0.0.9"); got != w {
			t.Errorf("failure %d: wait %v, want %v", i+1, got, w)
		}
		if got := th.Wait("10.0.0.9"); got != w {
			t.Errorf("after failure %d: Wait = %v, want %v", i+1, got, w)
		}
		c.t = c.t.Add(w)
	}
	if got := th.Wait("10.0.0.9"); got != 0 {
		t.Errorf("after the wait: Wait = %v, want 0", got)
	}
	if got := th.Wait("10.0.0.8"); got != 0 {
		t.Errorf("another key waits %v", got)
	}
}

func TestSuccessAndIdleForget(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(c, 10)
	for range 5 {
		th.Fail("a")
		th.Fail("b")
	}
	th.Succeed("a")
	if got := th.Fail("a"); got != 0 {
		t.Errorf("after success, first failure waits %v", got)
	}
	c.t = c.t.Add(2 * time.Hour)
	if got := th.Fail("b"); got != 0 {
		t.Errorf("after two idle hours, first failure waits %v", got)
	}
	th.Fail("a")
	if s := th.Snapshot(); len(s) != 2 || s[0].Key != "a" {
		t.Errorf("snapshot %+v, want a (2 failures) then b (the idle one forgotten: a fresh 1)", s)
	}
	th.Reset("a")
	if s := th.Snapshot(); len(s) != 1 || s[0].Key != "b" {
		t.Errorf("after Reset(a): %+v", s)
	}
	th.Reset()
	if s := th.Snapshot(); len(s) != 0 {
		t.Errorf("after Reset(): %+v", s)
	}
}

func TestBoundedTable(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(c, 100)
	for i := range 10000 {
		c.t = c.t.Add(time.Millisecond)
		th.Fail(fmt.Sprintf("198.51.100.%d/%d", i%250, i))
	}
	if n := len(th.Snapshot()); n > 100 {
		t.Errorf("table holds %d keys, bound 100", n)
	}
}

func TestRecord(t *testing.T) {
	c := &clock{t: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(c, 10)
	tests := []struct {
		note      string
		wantWait  time.Duration
		wantBegan bool
	}{
		{"admin", 0, false},
		{"zhang", 0, false},
		{"admin", 0, false},
		{"li", time.Second, true}, // the fourth failure starts the first wait
		{"admin", 2 * time.Second, false},
		{"", 4 * time.Second, false},
	}
	for i, tt := range tests {
		f := th.Record("10.0.0.9", tt.note)
		if f.Failures != i+1 || f.Wait != tt.wantWait || f.Began != tt.wantBegan {
			t.Errorf("failure %d: %+v, want %d failures, wait %v, began %v", i+1, f, i+1, tt.wantWait, tt.wantBegan)
		}
	}
	if n := th.Failures("10.0.0.9"); n != len(tests) {
		t.Errorf("Failures = %d, want %d", n, len(tests))
	}
	if n := th.Failures("10.0.0.8"); n != 0 {
		t.Errorf("a clean key has %d failures", n)
	}
	s := th.Snapshot()
	if len(s) != 1 || !slices.Equal(s[0].Notes, []string{"zhang", "li", "admin"}) {
		t.Errorf("snapshot %+v, want notes zhang, li, admin (each once, most recent last)", s)
	}
	for i := range 2 * throttle.MaxNotes {
		th.Record("10.0.0.9", fmt.Sprint("user", i))
	}
	s = th.Snapshot()
	if len(s[0].Notes) != throttle.MaxNotes || s[0].Notes[throttle.MaxNotes-1] != fmt.Sprint("user", 2*throttle.MaxNotes-1) {
		t.Errorf("notes %v, want the %d most recent", s[0].Notes, throttle.MaxNotes)
	}
	if got := th.Config(); got.Free != 3 || got.Max != 8*time.Second {
		t.Errorf("Config() = %+v", got)
	}
}

func TestGateOneAttemptPerKey(t *testing.T) {
	var g throttle.Gate
	leave, ok := g.Enter("10.0.0.9")
	if !ok {
		t.Fatal("first attempt refused")
	}
	if _, ok := g.Enter("10.0.0.9"); ok {
		t.Error("second attempt for the same key admitted while the first is in progress")
	}
	other, ok := g.Enter("10.0.0.10")
	if !ok {
		t.Error("another key refused")
	}
	other()
	leave()
	leave() // twice: harmless
	again, ok := g.Enter("10.0.0.9")
	if !ok {
		t.Error("key refused after its attempt ended")
	}
	again()
}
