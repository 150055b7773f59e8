package sip

import (
	"bytes"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestSourceLimiter(t *testing.T) {
	a := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 5060}
	b := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 2), Port: 5060}
	trunk := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 9), Port: 5060}
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	type step struct {
		from  net.Addr
		at    time.Duration
		n     int // messages sent at that moment
		wantN int // how many get through
	}
	tests := []struct {
		name  string
		steps []step
		logs  int
	}{
		{"burst passes", []step{{a, 0, 20, 20}}, 0},
		{"past the burst is dropped", []step{{a, 0, 25, 20}}, 1},
		{"the rate refills", []step{{a, 0, 20, 20}, {a, time.Second, 15, 10}}, 1},
		{"a full bucket stays full", []step{{a, 0, 1, 1}, {a, time.Hour, 25, 20}}, 1},
		{"another source is not hurt", []step{{a, 0, 100, 20}, {b, 0, 20, 20}}, 1},
		{"one log line per period", []step{{a, 0, 100, 20}, {a, time.Second, 100, 10}, {a, 11 * time.Second, 100, 20}}, 2},
		{"the trunk is exempt", []step{{trunk, 0, 1000, 1000}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			sl := newSourceLimiter(10, 20, []netip.Addr{netip.MustParseAddr("192.0.2.9")}, slog.New(slog.NewTextHandler(&logs, nil)))
			for i, s := range tt.steps {
				got := 0
				for range s.n {
					if sl.allow(s.from, t0.Add(s.at)) {
						got++
					}
				}
				if got != s.wantN {
					t.Errorf("step %d: %d of %d through, want %d", i, got, s.n, s.wantN)
				}
			}
			if n := strings.Count(logs.String(), "sip source over its rate"); n != tt.logs {
				t.Errorf("%d log lines, want %d:\n%s", n, tt.logs, logs.String())
			}
			if tt.logs > 0 && !strings.Contains(logs.String(), "source=192.0.2.1") {
				t.Errorf("log does not name the source:\n%s", logs.String())
			}
		})
	}
}

// TestSourceLimiterTableFull: a flood from ever new (spoofed) addresses
// neither grows the table past maxSources nor starves a known source.
func TestSourceLimiterTableFull(t *testing.T) {
	sl := newSourceLimiter(10, 20, nil, slog.New(slog.DiscardHandler))
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	known := &net.UDPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 5060}
	sl.allow(known, t0)
	for i := range 3 * maxSources {
		ip := net.IPv4(172, 16, byte(i>>8), byte(i))
		sl.allow(&net.UDPAddr{IP: ip, Port: 5060}, t0)
	}
	if n := len(sl.sources); n > maxSources {
		t.Errorf("%d sources kept, want at most %d", n, maxSources)
	}
	if !sl.allow(known, t0.Add(time.Second)) {
		t.Error("a known source was limited by others' flood")
	}
}

func TestLogGate(t *testing.T) {
	var g logGate
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	steps := []struct {
		source, msg    string
		at             time.Duration
		want           bool
		wantSuppressed uint64
	}{
		{"192.0.2.1:5060", "wrong password", 0, true, 0},
		{"192.0.2.1:5061", "wrong password", time.Second, false, 0},     // same address, other port
		{"192.0.2.1:5060", "unknown user", time.Second, true, 0},        // another kind of refusal
		{"192.0.2.2:5060", "wrong password", time.Second, true, 0},      // another address
		{"192.0.2.1:5060", "wrong password", 2 * time.Second, false, 0}, // still within 10 s
		{"192.0.2.1:5060", "wrong password", 11 * time.Second, true, 2}, // with what it held back
		{"192.0.2.1:5060", "wrong password", 12 * time.Second, false, 0},
	}
	for i, s := range steps {
		ok, n := g.allow(s.source, s.msg, t0.Add(s.at))
		if ok != s.want || n != s.wantSuppressed {
			t.Errorf("step %d: allow = %v, %d; want %v, %d", i, ok, n, s.want, s.wantSuppressed)
		}
	}
}
