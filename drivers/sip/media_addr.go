package sip

import (
	"fmt"
	"net"
	"net/netip"
)

// Where RTP may go.
//
// An SDP offer or answer says where to send the call's audio, and anyone may
// write any address there: accepted as it stands, a single INVITE would make
// the appliance send 50 packets a second at a third party, or at the
// broadcast address of its LAN. The driver sends media only to the address
// the SDP's signalling came from (the INVITE's, re-INVITE's, UPDATE's or
// ACK's source; for calls it dialled, the source of the 200), or into
// Config.MediaNetworks (a trunk's media gateways, the phones behind a trusted
// PBX). Everything else is refused with 488 Not Acceptable Here and a Warning
// saying why; an answer in an ACK or a 200 ends the call instead, since it
// cannot be refused. The unspecified address (0.0.0.0, ::) is hold (RFC 3264
// section 8.4): nothing is sent, and it is accepted. The broadcast address
// 255.255.255.255, multicast, and the highest address of an IPv4 network in
// MediaNetworks (its directed broadcast) are refused whatever the config
// says. A loopback address stands only when the signalling came over loopback
// too; a peer that signals over loopback is on this host, and may name any
// of the host's own addresses (a softphone beside the daemon announces its
// LAN address).

// limitedBroadcast is 255.255.255.255.
var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// checkMediaAddr reports why our RTP may not go to remote, the address an SDP
// from signalling asks for; nil when it may. An invalid remote is no address
// (hold, or a host name we do not resolve): nothing is sent.
func (d *Driver) checkMediaAddr(remote netip.AddrPort, signalling netip.Addr) error {
	if !remote.IsValid() {
		return nil
	}
	a, sig := remote.Addr().Unmap(), signalling.Unmap()
	switch {
	case a == limitedBroadcast:
		return fmt.Errorf("%w: %s is the broadcast address", errMediaAddr, a)
	case a.IsMulticast():
		return fmt.Errorf("%w: %s is a multicast address", errMediaAddr, a)
	case a.IsLoopback():
		if sig.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%w: %s is loopback, named by %s", errMediaAddr, a, sig)
	case a == sig, sig.IsLoopback() && isLocal(a):
		return nil
	case d.mediaNets.contains(a):
		if d.mediaNets.directedBroadcast(a) {
			return fmt.Errorf("%w: %s is the broadcast address of a network in sip.media_networks", errMediaAddr, a)
		}
		return nil
	}
	return fmt.Errorf("%w: %s is neither where the signalling came from (%s) nor in sip.media_networks", errMediaAddr, a, sig)
}

// negotiateFrom is negotiate for an offer or answer whose signalling came
// from signalling: it refuses one that points our media elsewhere
// (checkMediaAddr).
func (d *Driver) negotiateFrom(s *sdpSession, prefer string, signalling netip.Addr) (offerAnswer, error) {
	oa, err := negotiate(s, prefer)
	if err != nil {
		return oa, err
	}
	if err := d.checkMediaAddr(oa.remote, signalling); err != nil {
		return offerAnswer{}, err
	}
	oa.signalling = signalling
	return oa, nil
}

// directedBroadcast reports whether a is the highest address of one of p's
// IPv4 networks of /30 or wider, which the network takes as its broadcast.
func (p prefixes) directedBroadcast(a netip.Addr) bool {
	if !a.Is4() {
		return false
	}
	for _, n := range p {
		if !n.Addr().Is4() || n.Bits() > 30 || !n.Contains(a) {
			continue
		}
		b := n.Masked().Addr().As4()
		host := uint32(1)<<(32-n.Bits()) - 1
		v := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) | host
		if a == netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}) {
			return true
		}
	}
	return false
}

// isLocal reports whether a is an address of one of this host's interfaces.
func isLocal(a netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ia := range addrs {
		if n, ok := ia.(*net.IPNet); ok {
			if b, ok := netip.AddrFromSlice(n.IP); ok && b.Unmap() == a {
				return true
			}
		}
	}
	return false
}
