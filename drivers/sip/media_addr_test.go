package sip_test

import (
	"net"
	"strings"
	"testing"

	"tracecall/drivers/sip"
)

// offerAt is an SDP offer whose c= line names addr.
func offerAt(addr string, port int) string {
	return strings.ReplaceAll(offer(port, "8 0 101", g711Offer...), "IN IP4 127.0.0.1", "IN IP4 "+addr)
}

// TestMediaAddressRefused: an INVITE whose SDP points our RTP anywhere but
// where its signalling came from, or a network the config allows, gets 488
// with a Warning saying why, and never becomes a leg. Hold (0.0.0.0) is fine.
func TestMediaAddressRefused(t *testing.T) {
	infos := make(legInfos, 16)
	d := servePhonesWith(t, sip.Config{MediaNetworks: []string{"192.0.2.128/25"}, Peers: loopbackPeer}, nil, infos)
	tests := []struct {
		name, addr string
		want       int    // 486: taken (the handler refuses busy); 488: refused
		warning    string // in the 488's Warning
	}{
		{"where the signalling came from", "127.0.0.1", 486, ""},
		{"other loopback, signalling over loopback", "127.0.0.2", 486, ""},
		{"hold", "0.0.0.0", 486, ""},
		{"an allowed network", "192.0.2.200", 486, ""},
		{"a third party", "198.51.100.7", 488, "198.51.100.7 is neither where the signalling came from"},
		{"limited broadcast", "255.255.255.255", 488, "broadcast"},
		{"an allowed network's broadcast", "192.0.2.255", 488, "broadcast"},
		{"multicast", "224.0.0.1", 488, "multicast"},
		{"next to an allowed network", "192.0.2.127", 488, "neither"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUAC(t, "udp", d.Addr())
			m := u.invite(offerAt(tt.addr, 4000), tt.want)
			if w := m.header("Warning"); tt.warning != "" && !strings.Contains(w, tt.warning) {
				t.Errorf("Warning %q, want it to say %q", w, tt.warning)
			}
			select {
			case info := <-infos:
				if tt.want == 488 {
					t.Errorf("a leg reached the handler: %+v", info)
				}
			default:
				if tt.want != 488 {
					t.Error("no leg reached the handler")
				}
			}
		})
	}
}

// TestMediaAddressInDialog: within a call, a re-INVITE or UPDATE that moves
// our RTP to a third party or to broadcast is refused 488 and the call goes
// on as it was; hold by 0.0.0.0 still works. (A late offer whose ACK answers
// with a third party's address: TestLateOffer.)
func TestMediaAddressInDialog(t *testing.T) {
	k := newKeyHolder(0)
	d := servePhonesWith(t, sip.Config{Peers: loopbackPeer}, nil, k)
	media := listenRTP(t)
	port := media.LocalAddr().(*net.UDPAddr).Port
	u := newUAC(t, "udp", d.Addr())
	u.invite(offerAt("127.0.0.1", port), 200)
	u.ack(1)
	<-k.legs
	_ = readRTP(t, media)

	for _, tt := range []struct{ method, addr string }{
		{"INVITE", "198.51.100.7"},
		{"UPDATE", "198.51.100.7"},
		{"INVITE", "255.255.255.255"},
		{"UPDATE", "239.1.2.3"},
	} {
		u.cseq++
		branch := u.send(tt.method, u.cseq, "", nil, offerAt(tt.addr, port))
		m := u.expect(488)
		if tt.method == "INVITE" { // the ACK of a failure is the INVITE's transaction's
			u.send("ACK", u.cseq, branch, nil, "")
		}
		if !strings.Contains(m.header("Warning"), tt.addr) {
			t.Errorf("%s to %s: Warning %q, want it to name the address", tt.method, tt.addr, m.header("Warning"))
		}
		if !audioFlows(media) {
			t.Fatalf("audio stopped after a refused %s to %s", tt.method, tt.addr)
		}
	}
	hold := u.next("INVITE", 200, nil, offerAt("0.0.0.0", port))
	u.ack(u.cseq)
	if !strings.Contains(hold.body, "m=audio ") {
		t.Errorf("hold answer:\n%s", hold.body)
	}
	if audioFlows(media) {
		t.Error("audio still flowing on hold (0.0.0.0)")
	}
	u.next("BYE", 200, nil, "")
	<-k.ended
}
