//go:build linux

package sip

import (
	"net"
	"net/netip"
	"syscall"
	"unsafe"
)

// sender writes one stream's RTP datagrams. On Linux, to an IPv4 address, it
// calls sendto(2) directly as a raw system call on the socket: a datagram
// send on a non-blocking UDP socket never waits, and skipping the runtime's
// blocking-syscall path keeps the clock goroutine on its P. Through the
// ordinary path the scheduler's monitor hands the P to another goroutine
// whenever a send takes longer than a few microseconds (on loopback the
// kernel delivers the packet inside sendto), and with GOMAXPROCS=1 the clock
// then waits behind every goroutine that became runnable meanwhile: tens of
// milliseconds at a few hundred calls.
//
// It is owned by the clock goroutine.
type sender struct {
	conn *net.UDPConn
	raw  syscall.RawConn // nil: not an IPv4 socket, use conn
	fn   func(fd uintptr) bool

	// The datagram being sent, for fn.
	b   []byte
	sa  syscall.RawSockaddrInet4
	err syscall.Errno
}

func (w *sender) init(c *net.UDPConn) {
	w.conn = c
	rc, err := c.SyscallConn()
	if err != nil {
		return
	}
	v4 := false
	if err := rc.Control(func(fd uintptr) {
		sa, err := syscall.Getsockname(int(fd))
		_, ok := sa.(*syscall.SockaddrInet4)
		v4 = ok && err == nil
	}); err != nil || !v4 {
		return
	}
	w.raw, w.fn = rc, w.send
}

// writeTo sends b to to without blocking; a full socket buffer drops it.
func (w *sender) writeTo(b []byte, to netip.AddrPort) error {
	if w.raw == nil || !to.Addr().Is4() || len(b) == 0 {
		_, err := w.conn.WriteToUDPAddrPort(b, to)
		return err
	}
	w.b = b
	w.sa.Family = syscall.AF_INET
	port := (*[2]byte)(unsafe.Pointer(&w.sa.Port)) // network byte order
	port[0], port[1] = byte(to.Port()>>8), byte(to.Port())
	w.sa.Addr = to.Addr().As4()
	err := w.raw.Write(w.fn)
	w.b = nil
	if err != nil {
		return err
	}
	if w.err != 0 {
		return w.err
	}
	return nil
}

// send is fn: one sendto(2) on fd, never asking to wait for writability.
// A short write or a full buffer is the datagram lost, as on the wire.
func (w *sender) send(fd uintptr) bool {
	_, _, w.err = syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&w.b[0])), uintptr(len(w.b)), 0,
		uintptr(unsafe.Pointer(&w.sa)), unsafe.Sizeof(w.sa))
	return true
}

// receiver reads one stream's datagrams the same way, recvfrom(2) as a raw
// system call that never waits: the clock takes what each call's socket holds
// once per tick. It is owned by the clock goroutine.
type receiver struct {
	conn *net.UDPConn
	raw  syscall.RawConn // nil: not an IPv4 socket, use conn
	fn   func(fd uintptr) bool

	// The datagram being read, for fn.
	b     []byte
	n     int
	sa    syscall.RawSockaddrInet4
	salen uint32
	err   syscall.Errno
}

func (r *receiver) init(c *net.UDPConn) {
	var w sender
	w.init(c)
	r.conn, r.raw = c, w.raw
	if r.raw != nil {
		r.fn = r.recv
	}
}

// tryRead reads one datagram into b if one waits; ok is false when the
// socket is empty or failed.
func (r *receiver) tryRead(b []byte) (n int, src netip.AddrPort, ok bool) {
	if r.raw == nil || len(b) == 0 {
		return tryReadConn(r.conn, b)
	}
	r.b = b
	err := r.raw.Read(r.fn)
	r.b = nil
	if err != nil || r.err != 0 {
		return 0, netip.AddrPort{}, false
	}
	return r.n, r.src(), true
}

func (r *receiver) src() netip.AddrPort {
	port := (*[2]byte)(unsafe.Pointer(&r.sa.Port))
	return netip.AddrPortFrom(netip.AddrFrom4(r.sa.Addr), uint16(port[0])<<8|uint16(port[1]))
}

// recv is fn: one recvfrom(2) on fd, never asking to wait.
func (r *receiver) recv(fd uintptr) bool {
	r.salen = uint32(unsafe.Sizeof(r.sa))
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&r.b[0])), uintptr(len(r.b)),
		syscall.MSG_DONTWAIT, uintptr(unsafe.Pointer(&r.sa)), uintptr(unsafe.Pointer(&r.salen)))
	r.n, r.err = int(n), e
	return true
}
