//go:build !linux

package sip

import (
	"net"
	"net/netip"
)

// sender writes one stream's RTP datagrams through the socket.
type sender struct{ conn *net.UDPConn }

func (w *sender) init(c *net.UDPConn) { w.conn = c }

// writeTo sends b to to.
func (w *sender) writeTo(b []byte, to netip.AddrPort) error {
	_, err := w.conn.WriteToUDPAddrPort(b, to)
	return err
}

// receiver reads one stream's datagrams from the socket without waiting.
type receiver struct{ conn *net.UDPConn }

func (r *receiver) init(c *net.UDPConn) { r.conn = c }

// tryRead reads one datagram into b if one waits.
func (r *receiver) tryRead(b []byte) (int, netip.AddrPort, bool) { return tryReadConn(r.conn, b) }
