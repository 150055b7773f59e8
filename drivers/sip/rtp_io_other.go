//go:build !linux || !(amd64 || arm64)

package sip

import (
	"net"
	"net/netip"
)

// rtpSocket is one of a call's UDP sockets as the clock uses it; here it
// goes through the *net.UDPConn (rtp_io_linux.go takes it off the poller).
type rtpSocket struct{ conn *net.UDPConn }

func openSocket(c *net.UDPConn) *rtpSocket { return &rtpSocket{conn: c} }

func (s *rtpSocket) detached() bool { return false }

// writeTo sends b to to.
func (s *rtpSocket) writeTo(b []byte, to netip.AddrPort) error {
	_, err := s.conn.WriteToUDPAddrPort(b, to)
	return err
}

// readBatch is the clock's scratch for taking a socket's waiting datagrams.
type readBatch struct {
	n    int
	lens [maxDrain]int
	from [maxDrain]netip.AddrPort
	bufs [maxDrain][maxPacket]byte
}

func newReadBatch() *readBatch { return new(readBatch) }

// packet is the i'th datagram of the batch and its source.
func (rb *readBatch) packet(i int) ([]byte, netip.AddrPort) {
	return rb.bufs[i][:rb.lens[i]], rb.from[i]
}

// readAll fills rb with what the socket holds, up to maxDrain datagrams,
// without waiting.
func (s *rtpSocket) readAll(rb *readBatch) {
	for rb.n = 0; rb.n < maxDrain; rb.n++ {
		n, src, ok := tryReadConn(s.conn, rb.bufs[rb.n][:])
		if !ok {
			return
		}
		rb.lens[rb.n], rb.from[rb.n] = n, src
	}
}

func (s *rtpSocket) close() error { return s.conn.Close() }
