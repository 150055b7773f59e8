package sip

import (
	"errors"
	"strings"
	"testing"
)

// ev is one telephone-event packet: timestamp, marker, event code, end bit, duration.
type ev struct {
	ts     uint32
	marker bool
	code   byte
	end    bool
	dur    uint16
}

func (e ev) payload() []byte {
	b := []byte{e.code, 10, byte(e.dur >> 8), byte(e.dur)}
	if e.end {
		b[1] |= 0x80
	}
	return b
}

// press is the packets of one key press as RFC 4733 senders send them:
// marker on the first, duration growing every 20 ms, three end packets.
func press(ts uint32, code byte, frames int, marker bool) []ev {
	var out []ev
	for i := 1; i <= frames; i++ {
		out = append(out, ev{ts: ts, marker: marker && i == 1, code: code, dur: uint16(i * 160)})
	}
	for range 3 {
		out = append(out, ev{ts: ts, code: code, end: true, dur: uint16(frames * 160)})
	}
	return out
}

func TestEventDecoder(t *testing.T) {
	cat := func(evs ...[]ev) []ev {
		var out []ev
		for _, e := range evs {
			out = append(out, e...)
		}
		return out
	}
	// A 10 s press split in two segments (RFC 4733 section 2.5.1.3).
	long := []ev{{ts: 8000, marker: true, code: 7, dur: 160}, {ts: 8000, code: 7, dur: 0xffff},
		{ts: 8000 + 0xffff, code: 7, dur: 160}, {ts: 8000 + 0xffff, code: 7, dur: 14465, end: true}}
	tests := []struct {
		name string
		pkts []ev
		want string
	}{
		{"one press", press(1000, 5, 5, true), "5"},
		{"marker lost", press(1000, 5, 5, false), "5"},
		{"start lost: only end packets", press(1000, 5, 5, true)[5:], "5"},
		{"same key twice", cat(press(1000, 1, 5, true), press(2600, 1, 5, true)), "11"},
		{"same key twice, markers and ends lost", cat(press(1000, 1, 5, false)[:5], press(2600, 1, 5, false)[:5]), "11"},
		{"code", cat(press(0, 1, 5, true), press(1600, 10, 5, true), press(3200, 11, 5, true), press(4800, 15, 5, true)), "1*#D"},
		{"long press in segments", long, "7"},
		{"late end packet of the key before", cat(press(1000, 1, 5, true)[:5], press(2600, 2, 5, true)[:2], press(1000, 1, 5, true)[5:]), "12"},
		{"old key replayed after others", cat(press(1000, 1, 5, true), press(2600, 2, 5, true), press(1000, 1, 5, true)), "12"},
		{"flash and other events ignored", []ev{{ts: 100, marker: true, code: 16, dur: 160}, {ts: 300, marker: true, code: 40, end: true}}, ""},
		{"timestamp wraps", cat(press(0xffffff00, 3, 5, true), press(0x00000500, 4, 5, true)), "34"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d eventDecoder
			var got strings.Builder
			for _, e := range tt.pkts {
				if k, ok := d.packet(e.ts, e.marker, e.payload()); ok {
					got.WriteByte(k)
				}
			}
			if got.String() != tt.want {
				t.Errorf("keys = %q, want %q", got.String(), tt.want)
			}
		})
	}
	var d eventDecoder
	if _, ok := d.packet(1, true, []byte{1, 2, 3}); ok {
		t.Error("a 3-byte payload gave a key")
	}
}

func TestParseInfoDigit(t *testing.T) {
	tests := []struct {
		name, ct, body string
		key            byte
		ok             bool
		err            error
	}{
		{"dtmf-relay", "application/dtmf-relay", "Signal=5\r\nDuration=160\r\n", '5', true, nil},
		{"dtmf-relay spaced, lower case", "Application/DTMF-Relay; charset=utf-8", "signal = #\nduration= 100", '#', true, nil},
		{"dtmf-relay star as code", "application/dtmf-relay", "Signal=10\r\n", '*', true, nil},
		{"dtmf-relay hash as code", "application/dtmf-relay", "Signal=11\r\n", '#', true, nil},
		{"dtmf", "application/dtmf", "7", '7', true, nil},
		{"dtmf letter", "application/dtmf", "a\r\n", 'A', true, nil},
		{"dtmf-relay without signal", "application/dtmf-relay", "Duration=160\r\n", 0, true, errBadInfo},
		{"dtmf-relay bad signal", "application/dtmf-relay", "Signal=x\r\n", 0, true, errBadInfo},
		{"dtmf code out of range", "application/dtmf", "16", 0, true, errBadInfo},
		{"dtmf empty", "application/dtmf", "", 0, true, errBadInfo},
		{"dtmf huge", "application/dtmf", strings.Repeat("1", maxInfoBody+1), 0, true, errBadInfo},
		{"other type", "text/plain", "Signal=5", 0, false, nil},
		{"no type", "", "Signal=5", 0, false, nil},
		{"bad type", ";;;", "Signal=5", 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, ok, err := parseInfoDigit(tt.ct, []byte(tt.body))
			if key != tt.key || ok != tt.ok || !errors.Is(err, tt.err) {
				t.Errorf("parseInfoDigit = %q %v %v, want %q %v %v", key, ok, err, tt.key, tt.ok, tt.err)
			}
		})
	}
}

// FuzzParseInfoDigit: no body panics, and a key is always a DTMF key.
func FuzzParseInfoDigit(f *testing.F) {
	f.Add("application/dtmf-relay", []byte("Signal=5\r\nDuration=160\r\n"))
	f.Add("application/dtmf", []byte("#"))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		key, ok, err := parseInfoDigit(ct, body)
		if ok && err == nil && strings.IndexByte(eventKeys, key) < 0 {
			t.Fatalf("key %q is not a DTMF key", key)
		}
	})
}

// FuzzEventDecoder: no packet sequence panics, and keys are DTMF keys.
func FuzzEventDecoder(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 1, 5, 10, 0, 160})
	f.Fuzz(func(t *testing.T, b []byte) {
		var d eventDecoder
		for len(b) >= 9 {
			ts := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			if k, ok := d.packet(ts, b[4]&1 != 0, b[5:9]); ok && strings.IndexByte(eventKeys, k) < 0 {
				t.Fatalf("key %q", k)
			}
			b = b[9:]
		}
	})
}
