//go:build linux && (amd64 || arm64)

package sip

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"
)

// rtpSocket is one of a call's UDP sockets as the clock uses it. On Linux an
// IPv4 socket is taken off the Go runtime's network poller: open dups its
// descriptor and closes the *net.UDPConn, whose close deregisters it from the
// runtime's epoll set, and from then on the clock calls sendto(2) and
// recvmmsg(2) on the descriptor as raw, non-blocking system calls.
//
// Why: a socket the runtime polls makes every arriving packet an epoll event,
// and with the sockets idle between ticks (nobody reads them but the clock)
// each packet woke a sleeping thread in epoll_wait for nothing: ~15 % of the
// daemon's CPU at 400 calls went to those wakeups and the context switches
// behind them. And a raw system call keeps the clock on its P: through the
// runtime's syscall path the scheduler's monitor hands the P to another
// goroutine whenever a send takes more than a few microseconds (on loopback
// the kernel delivers the packet inside sendto), and with GOMAXPROCS=1 the
// clock then waits behind every goroutine that became runnable meanwhile.
//
// A socket that is not IPv4 (or whose descriptor could not be taken) stays a
// *net.UDPConn and goes through it.
//
// The clock goroutine sends and reads; the signalling closes, at any time:
// mu makes a close wait for an operation in progress, so the clock never
// touches a descriptor number after it has been closed (and maybe reused).
type rtpSocket struct {
	conn *net.UDPConn // not detached: use it

	// mu guards fd.
	mu sync.Mutex
	fd int // -1 once closed

	// sendto's address, owned by the sending goroutine.
	sa syscall.RawSockaddrInet4
}

// openSocket takes c for the clock; c must not be used afterwards.
func openSocket(c *net.UDPConn) *rtpSocket {
	s := &rtpSocket{conn: c, fd: -1}
	rc, err := c.SyscallConn()
	if err != nil {
		return s
	}
	fd := -1
	if err := rc.Control(func(sysfd uintptr) {
		sa, err := syscall.Getsockname(int(sysfd))
		if _, ok := sa.(*syscall.SockaddrInet4); !ok || err != nil {
			return
		}
		// A close-on-exec copy of the descriptor: the same socket, not
		// known to the poller.
		nfd, _, e := syscall.Syscall(syscall.SYS_FCNTL, sysfd, syscall.F_DUPFD_CLOEXEC, 0)
		if e == 0 {
			fd = int(nfd)
		}
	}); err != nil || fd < 0 {
		return s
	}
	// Closing the conn removes the socket from the runtime's epoll set
	// (EPOLL_CTL_DEL, before its descriptor is closed); the copy keeps the
	// socket open, and non-blocking (the flag is the socket's, not the
	// descriptor's).
	_ = c.Close()
	s.conn, s.fd = nil, fd
	return s
}

// detached reports whether the socket is off the runtime's poller.
func (s *rtpSocket) detached() bool { return s.conn == nil }

// writeTo sends b to to without blocking; a full socket buffer drops it.
func (s *rtpSocket) writeTo(b []byte, to netip.AddrPort) error {
	if s.conn != nil {
		_, err := s.conn.WriteToUDPAddrPort(b, to)
		return err
	}
	if !to.Addr().Is4() || len(b) == 0 {
		return syscall.EAFNOSUPPORT
	}
	s.sa.Family = syscall.AF_INET
	port := (*[2]byte)(unsafe.Pointer(&s.sa.Port)) // network byte order
	port[0], port[1] = byte(to.Port()>>8), byte(to.Port())
	s.sa.Addr = to.Addr().As4()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return net.ErrClosed
	}
	_, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)),
		syscall.MSG_DONTWAIT, uintptr(unsafe.Pointer(&s.sa)), unsafe.Sizeof(s.sa))
	if e != 0 {
		return e
	}
	return nil
}

// readBatch is the clock's scratch for taking a socket's waiting datagrams
// in one recvmmsg(2): one per clock, not one per call (the buffers are the
// bulk of it, and a call needs them only for its moment of the tick).
type readBatch struct {
	n     int  // datagrams in the batch
	conn  bool // read through a *net.UDPConn: sources in from
	from  [maxDrain]netip.AddrPort
	hdrs  [maxDrain]mmsghdr
	iov   [maxDrain]syscall.Iovec
	names [maxDrain]syscall.RawSockaddrInet4
	bufs  [maxDrain][maxPacket]byte
}

// mmsghdr is struct mmsghdr: a msghdr and the length received (the struct is
// padded to the msghdr's alignment, as C pads it).
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
}

func newReadBatch() *readBatch {
	rb := new(readBatch)
	for i := range rb.hdrs {
		rb.iov[i].Base = &rb.bufs[i][0]
		rb.iov[i].SetLen(maxPacket)
		h := &rb.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&rb.names[i]))
		h.Namelen = uint32(unsafe.Sizeof(rb.names[i]))
		h.Iov = &rb.iov[i]
		h.Iovlen = 1
	}
	return rb
}

// packet is the i'th datagram of the batch and its source.
func (rb *readBatch) packet(i int) ([]byte, netip.AddrPort) {
	n := min(int(rb.hdrs[i].len), maxPacket)
	if rb.conn {
		return rb.bufs[i][:n], rb.from[i]
	}
	sa := &rb.names[i]
	port := (*[2]byte)(unsafe.Pointer(&sa.Port))
	return rb.bufs[i][:n], netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(port[0])<<8|uint16(port[1]))
}

// readAll fills rb with what the socket holds, up to maxDrain datagrams,
// without waiting: one system call however many wait, and none left over
// to find the socket empty. A datagram longer than maxPacket is cut short
// (and then fails to parse).
func (s *rtpSocket) readAll(rb *readBatch) {
	// The kernel rewrote the name lengths of what it filled last time;
	// the other headers are as newReadBatch left them.
	if !rb.conn {
		for i := range rb.n {
			rb.hdrs[i].hdr.Namelen = uint32(unsafe.Sizeof(rb.names[i]))
			rb.hdrs[i].hdr.Flags = 0
		}
	}
	rb.n, rb.conn = 0, s.conn != nil
	if rb.conn {
		for rb.n < maxDrain {
			n, src, ok := tryReadConn(s.conn, rb.bufs[rb.n][:])
			if !ok {
				return
			}
			rb.hdrs[rb.n].len, rb.from[rb.n] = uint32(n), src
			rb.n++
		}
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return
	}
	n, _, e := syscall.RawSyscall6(syscall.SYS_RECVMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&rb.hdrs[0])), maxDrain,
		syscall.MSG_DONTWAIT, 0, 0)
	if e != 0 {
		return
	}
	rb.n = int(n)
}

// close closes the socket; the clock's next use of it does nothing.
func (s *rtpSocket) close() error {
	if s.conn != nil {
		return s.conn.Close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fd < 0 {
		return net.ErrClosed
	}
	err := syscall.Close(s.fd)
	s.fd = -1
	return err
}
