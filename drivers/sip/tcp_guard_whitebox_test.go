package sip

import (
	"strings"
	"testing"
)

// TestTCPFramer: where the framer sees messages end, whatever the chunks
// TCP delivers them in.
func TestTCPFramer(t *testing.T) {
	invite := "INVITE sip:ivr@h SIP/2.0\r\nVia: SIP/2.0/TCP a\r\nContent-Length: 5\r\n\r\nhello"
	tests := []struct {
		name   string
		stream string
		ended  int
		idle   bool
	}{
		{"keep-alives", "\r\n\r\n\r\n", 0, true},
		{"no body", "OPTIONS sip:h SIP/2.0\r\nVia: x\r\n\r\n", 1, true},
		{"body", invite, 1, true},
		{"two and a keep-alive", invite + "\r\n\r\n" + invite, 2, true},
		{"half a header section", "INVITE sip:ivr@h SIP/2.0\r\nVia: SIP/2.0/TCP a\r\n", 0, false},
		{"half a body", strings.TrimSuffix(invite, "llo"), 0, false},
		{"compact, spaced, bare LF", "BYE sip:h SIP/2.0\nl :  3 \n\nabc", 1, true},
		{"case", "BYE sip:h SIP/2.0\r\ncontent-LENGTH:2\r\n\r\nab", 1, true},
		{"junk length waits", "BYE sip:h SIP/2.0\r\nContent-Length: 99999999999999\r\n\r\nab", 0, false},
		{"unreadable length is none", "BYE sip:h SIP/2.0\r\nContent-Length: x\r\n\r\n", 1, true},
		{"long line ignored", "BYE sip:h SIP/2.0\r\nX-Long: " + strings.Repeat("a", 100) + "\r\nContent-Length: 1\r\n\r\nz", 1, true},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 2, 7, len(tt.stream)} {
			var f tcpFramer
			ended := 0
			for s := tt.stream; len(s) > 0; {
				n := min(chunk, len(s))
				ended += f.feed([]byte(s[:n]))
				s = s[n:]
			}
			if ended != tt.ended || f.idle() != tt.idle {
				t.Errorf("%s in chunks of %d: %d ended, idle %v; want %d, %v", tt.name, chunk, ended, f.idle(), tt.ended, tt.idle)
			}
		}
	}
}

// FuzzTCPFramer: any stream, in any two chunks, frames as it does whole,
// and a whole message after it ends once the framer is back between
// messages.
func FuzzTCPFramer(f *testing.F) {
	f.Add([]byte("INVITE sip:ivr@h SIP/2.0\r\nContent-Length: 2\r\n\r\nab"), 10)
	f.Add([]byte("\r\n\r\nl: 1\n\nx"), 3)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		var whole, split tcpFramer
		n := whole.feed(b)
		cut = min(max(cut, 0), len(b))
		m := split.feed(b[:cut]) + split.feed(b[cut:])
		if n != m || whole != split {
			t.Fatalf("whole: %d %+v; cut at %d: %d %+v", n, whole, cut, m, split)
		}
		if whole.idle() {
			if got := whole.feed([]byte("OPTIONS sip:h SIP/2.0\r\nContent-Length: 0\r\n\r\n")); got != 1 || !whole.idle() {
				t.Fatalf("a message after: %d ended, idle %v", got, whole.idle())
			}
		}
	})
}
