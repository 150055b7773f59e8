package sip

import (
	"errors"
	"net/netip"
	"testing"
)

// TestCheckMediaAddr: where an SDP from a given signalling address may send
// our RTP.
func TestCheckMediaAddr(t *testing.T) {
	d := &Driver{mediaNets: parsePrefixes([]string{"192.0.2.0/24", "10.9.0.0/16", "2001:db8::/32", "198.51.100.77"})}
	tests := []struct {
		name, remote, signalling string
		ok                       bool
	}{
		{"no address (hold, or a host name)", "", "203.0.113.5", true},
		{"the signalling's own address", "203.0.113.5", "203.0.113.5", true},
		{"the signalling's own address, IPv6", "2001:db8:1::5", "2001:db8:1::5", true},
		{"mapped IPv4 is the same address", "::ffff:203.0.113.5", "203.0.113.5", true},
		{"an allowed network", "10.9.3.4", "203.0.113.5", true},
		{"an allowed single address", "198.51.100.77", "203.0.113.5", true},
		{"an allowed IPv6 network", "2001:db8:5::1", "203.0.113.5", true},
		{"a third party", "198.51.100.78", "203.0.113.5", false},
		{"a third party in the signalling's /24", "203.0.113.6", "203.0.113.5", false},
		{"limited broadcast", "255.255.255.255", "203.0.113.5", false},
		{"limited broadcast from loopback", "255.255.255.255", "127.0.0.1", false},
		{"directed broadcast of an allowed network", "192.0.2.255", "203.0.113.5", false},
		{"directed broadcast of an allowed /16", "10.9.255.255", "203.0.113.5", false},
		{"multicast", "224.0.0.251", "203.0.113.5", false},
		{"multicast from loopback", "239.255.255.250", "127.0.0.1", false},
		{"IPv6 multicast", "ff02::1", "2001:db8:1::5", false},
		{"loopback named by a remote peer", "127.0.0.1", "203.0.113.5", false},
		{"IPv6 loopback named by a remote peer", "::1", "2001:db8:1::5", false},
		{"loopback named over loopback", "127.0.0.1", "127.0.0.1", true},
		{"other loopback named over loopback", "127.0.0.53", "127.0.0.1", true},
		{"no signalling address", "203.0.113.5", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var remote netip.AddrPort
			if tt.remote != "" {
				remote = netip.AddrPortFrom(netip.MustParseAddr(tt.remote), 4000)
			}
			var sig netip.Addr
			if tt.signalling != "" {
				sig = netip.MustParseAddr(tt.signalling)
			}
			err := d.checkMediaAddr(remote, sig)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, errMediaAddr)) {
				t.Errorf("checkMediaAddr(%s from %s) = %v, want ok %v", tt.remote, tt.signalling, err, tt.ok)
			}
		})
	}
}

// TestNegotiateFromHold: an offer of 0.0.0.0 is hold (RFC 3264 section 8.4),
// accepted from anywhere; we send it nothing.
func TestNegotiateFromHold(t *testing.T) {
	d := &Driver{}
	offer, err := parseSDP([]byte("v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 8\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	oa, err := d.negotiateFrom(offer, PreferPCMA, netip.MustParseAddr("203.0.113.5"))
	if err != nil || !oa.hold() {
		t.Errorf("negotiateFrom(0.0.0.0) = %+v, %v; want hold", oa, err)
	}
}
