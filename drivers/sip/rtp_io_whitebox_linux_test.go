//go:build amd64 || arm64

package sip

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"unsafe"
)

// BenchmarkSocketRead is what taking one call's input costs the clock per
// tick, by how many datagrams wait (one is the norm): readAll's single
// recvmmsg against the recvfrom-until-empty loop it replaced, which paid one
// more system call per call and tick just to find the socket empty.
// Figures: syscalls/op for each.
func BenchmarkSocketRead(b *testing.B) {
	for _, waiting := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("recvmmsg/waiting=%d", waiting), func(b *testing.B) {
			benchSocketRead(b, waiting, func(s *rtpSocket, rb *readBatch) int {
				s.readAll(rb)
				return 1
			})
		})
		b.Run(fmt.Sprintf("recvfrom/waiting=%d", waiting), func(b *testing.B) {
			benchSocketRead(b, waiting, func(s *rtpSocket, rb *readBatch) int {
				// As the clock did before: raw recvfrom(2) until EAGAIN.
				var sa syscall.RawSockaddrInet4
				calls := 0
				for {
					calls++
					salen := uint32(unsafe.Sizeof(sa))
					_, _, e := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(s.fd), uintptr(unsafe.Pointer(&rb.bufs[0][0])),
						maxPacket, syscall.MSG_DONTWAIT, uintptr(unsafe.Pointer(&sa)), uintptr(unsafe.Pointer(&salen)))
					if e != 0 {
						return calls
					}
				}
			})
		})
	}
}

func benchSocketRead(b *testing.B, waiting int, read func(*rtpSocket, *readBatch) int) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	to := c.LocalAddr().(*net.UDPAddr).AddrPort()
	s := openSocket(c)
	defer s.close()
	if !s.detached() {
		b.Skip("socket not detached")
	}
	far := listenSink(b)
	pkt := make([]byte, 172)
	rb := newReadBatch()
	calls := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for range waiting {
			_, _ = far.WriteToUDPAddrPort(pkt, to)
		}
		b.StartTimer()
		calls += read(s, rb)
	}
	b.ReportMetric(float64(calls)/float64(b.N), "syscalls/op")
}

// TestSocketOffPoller: on Linux (amd64, arm64: this file's build) an IPv4 socket leaves the runtime's poller
// (the point of rtpSocket), an IPv6 one stays.
func TestSocketOffPoller(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	s := openSocket(c)
	defer s.close()
	if !s.detached() {
		t.Error("IPv4 socket still on the poller")
	}
	if _, err := c.WriteToUDPAddrPort([]byte("x"), c.LocalAddr().(*net.UDPAddr).AddrPort()); err == nil {
		t.Error("the conn given to openSocket still works")
	}
	c6, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatalf("no IPv6 loopback: %v", err)
	}
	s6 := openSocket(c6)
	defer s6.close()
	if s6.detached() {
		t.Error("IPv6 socket detached")
	}
}
