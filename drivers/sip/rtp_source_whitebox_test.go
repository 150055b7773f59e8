package sip

import (
	"net/netip"
	"testing"

	"tracecall/telephony/media"
)

// TestRTPOnlyFromFarEnd: before a call's RTP has latched, only the address
// and port its SDP names, or any port of the address its signalling came
// from (NAT), are heard; a third party's packets, audio with tones or RFC
// 4733 events, are dropped and counted as foreign, key nothing and move
// nothing. Once latched, only the latched source is heard.
func TestRTPOnlyFromFarEnd(t *testing.T) {
	sdp := netip.MustParseAddrPort("192.0.2.10:4000")
	nat := netip.MustParseAddr("198.51.100.20") // the phone's router, where its INVITE came from
	third := netip.MustParseAddrPort("203.0.113.66:4000")
	tests := []struct {
		name      string
		from      []netip.AddrPort // the sources of the presses, in turn
		wantKeys  string
		wantForgn uint64 // packets dropped as foreign
		wantTo    netip.AddrPort
	}{
		{"the sdp's address", []netip.AddrPort{sdp}, "5", 0, sdp},
		{"behind nat: the signalling's address, another port", []netip.AddrPort{netip.AddrPortFrom(nat, 31000)}, "5", 0, netip.AddrPortFrom(nat, 31000)},
		{"a third party first", []netip.AddrPort{third, sdp}, "5", 5, sdp},
		{"the sdp's address, another port", []netip.AddrPort{netip.AddrPortFrom(sdp.Addr(), 4002)}, "", 5, sdp},
		{"after latching, the sdp's address is another source", []netip.AddrPort{netip.AddrPortFrom(nat, 31000), sdp}, "5", 5, netip.AddrPortFrom(nat, 31000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStreamState(offerAnswer{law: media.LawALaw, audioPT: 8, eventPT: 101, remote: sdp, signalling: nat, dir: dirSendRecv})
			seq := 0
			for i, src := range tt.from {
				// A press of 5 as an event (start, continued, end three
				// times), each source its own press.
				ts := uint32(800 + i*8000)
				for j, ev := range [][]byte{{5, 10, 0, 160}, {5, 10, 1, 64}, {5, 0x8a, 1, 224}, {5, 0x8a, 1, 224}, {5, 0x8a, 1, 224}} {
					seq++
					s.packet(eventPacket(t, seq, ts, j == 0, ev), src)
				}
			}
			keys := ""
			for len(s.digits) > 0 {
				keys += string((<-s.digits).Key)
			}
			st := s.stats()
			s.mu.Lock()
			to := s.remote
			s.mu.Unlock()
			if keys != tt.wantKeys || st.Foreign != tt.wantForgn || to != tt.wantTo {
				t.Errorf("keys %q, %d foreign, sending to %v; want %q, %d, %v", keys, st.Foreign, to, tt.wantKeys, tt.wantForgn, tt.wantTo)
			}
		})
	}
}
