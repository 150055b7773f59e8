package sip

import (
	"net/netip"
	"testing"

	"github.com/pion/rtp"

	"tracecall/telephony/media"
)

// TestAttackLatchIgnoresThirdParty: the first RTP packet of a call latches
// where we send (symmetric RTP). Sent from an address that is neither the
// SDP's nor in media_networks (any host on the LAN, or a spoofed source),
// it steers the call's audio there and locks the real caller out: one
// packet hijacks the call and bypasses checkMediaAddr. Found against the
// running daemon: an attacker at 10.99.0.57 got 156 packets in 2 s of a
// trunk call to 96315, the caller 1.
func TestAttackLatchIgnoresThirdParty(t *testing.T) {
	sdp := netip.MustParseAddrPort("192.0.2.10:4000")
	s := newStreamState(offerAnswer{law: media.LawALaw, audioPT: 8, eventPT: 101, remote: sdp, dir: dirSendRecv})
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: 1, Timestamp: 160, SSRC: 7}, Payload: make([]byte, 160)}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s.packet(b, netip.MustParseAddrPort("198.51.100.7:5555"))
	s.mu.Lock()
	got := s.remote
	s.mu.Unlock()
	if got.Addr() != sdp.Addr() {
		t.Errorf("after one RTP packet from 198.51.100.7 we send to %s, want the SDP's %s", got, sdp.Addr())
	}
}
