//go:build unix

package sip

import (
	"net"
	"net/netip"
	"syscall"
)

// tryReadConn reads one datagram into b if one waits, through the socket's
// own descriptor with MSG_DONTWAIT: the path for sockets the raw one does
// not handle. ok is false when the socket is empty or failed.
func tryReadConn(c *net.UDPConn, b []byte) (n int, src netip.AddrPort, ok bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, netip.AddrPort{}, false
	}
	var from syscall.Sockaddr
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		n, from, rerr = syscall.Recvfrom(int(fd), b, syscall.MSG_DONTWAIT)
		return true
	}); err != nil || rerr != nil {
		return 0, netip.AddrPort{}, false
	}
	switch sa := from.(type) {
	case *syscall.SockaddrInet4:
		return n, netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port)), true
	case *syscall.SockaddrInet6:
		return n, netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port)), true
	}
	return n, netip.AddrPort{}, true
}
