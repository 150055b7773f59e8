package sip_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"tracecall/telephony"
)

// TestLateOffer: an INVITE without SDP gets our offer in the 200 (PCMA,
// PCMU, telephone-event); the ACK's answer picks the codec, the address and
// whether RFC 4733 keys come (the driver listens for tones either way). An ACK
// without a usable answer ends the call.
func TestLateOffer(t *testing.T) {
	tests := []struct {
		name       string
		answer     func(port int) string
		wantPT     uint8
		wantEvents bool
	}{
		{"pcmu with telephone-event", func(port int) string { return offer(port, "0 101", g711Offer...) }, 0, true},
		{"pcma without telephone-event", func(port int) string { return offer(port, "8", "rtpmap:8 PCMA/8000") }, 8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeyHolder(1)
			d, _ := serveUntil(t, k)
			media := listenRTP(t)
			u := newUAC(t, "udp", d.Addr())
			ok := u.invite("", 200)
			for _, want := range []string{"m=audio ", " RTP/AVP 8 0 101\r\n", "a=rtpmap:8 PCMA/8000", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000"} {
				if !strings.Contains(ok.body, want) {
					t.Errorf("the 200's offer lacks %q:\n%s", want, ok.body)
				}
			}
			u.send("ACK", 1, "", nil, tt.answer(media.LocalAddr().(*net.UDPAddr).Port))
			l := <-k.legs
			if p := readRTP(t, media); p.PayloadType != tt.wantPT {
				t.Errorf("rtp payload type %d, want %d as answered", p.PayloadType, tt.wantPT)
			}
			if l.(telephony.InbandDTMF).InbandDTMF() {
				t.Error("InbandDTMF = true: the core would detect the tones again")
			}
			if tt.wantEvents {
				u.next("INFO", 200, []string{"Content-Type: application/dtmf"}, "5")
				if keys := <-k.keys; keys != "5i" {
					t.Errorf("keys %q, want 5 from info", keys)
				}
				bye := u.read()
				if bye.method != "BYE" {
					t.Fatalf("got %q, want the IVR's BYE", bye.start)
				}
				u.write(reply(bye, 200, "OK"))
			} else {
				u.next("BYE", 200, nil, "")
			}
			<-k.ended
		})
	}

	// An ACK without a usable answer ends the call: no SDP, or one that
	// points our media at a third party (media_addr.go).
	for _, tt := range []struct{ name, answer string }{
		{"ack without an answer", ""},
		{"ack answering with a third party's address", offerAt("198.51.100.7", 4000)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := waiter{ended: make(chan telephony.HangupInfo, 1)}
			d, _ := serveUntil(t, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
				if l.Answer(ctx) == nil {
					t.Error("Answer succeeded without a usable answer in the ACK")
				}
				w.ServeLeg(ctx, l)
			}))
			u := newUAC(t, "udp", d.Addr())
			u.invite("", 200)
			u.send("ACK", 1, "", nil, tt.answer)
			bye := u.read()
			if bye.method != "BYE" {
				t.Fatalf("got %q, want BYE", bye.start)
			}
			u.write(reply(bye, 200, "OK"))
			if h := <-w.ended; h.Cause != telephony.CauseMediaError {
				t.Errorf("ended %+v, want media error", h)
			}
			if n := len(d.Lines()); n != 0 {
				t.Errorf("%d lines busy", n)
			}
		})
	}
}
