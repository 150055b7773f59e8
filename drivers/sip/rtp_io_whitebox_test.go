package sip

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestSenderReceiver: a datagram goes out through sender to where it is
// addressed, and receiver reads one back with its source, on IPv4 and IPv6
// sockets alike (IPv6 takes the socket's own path).
func TestSenderReceiver(t *testing.T) {
	tests := []struct {
		name, network, addr string
	}{
		{"ipv4", "udp4", "127.0.0.1:0"},
		{"ipv6", "udp6", "[::1]:0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := net.ListenUDP(tt.network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(tt.addr)))
			if err != nil {
				t.Skipf("no %s loopback: %v", tt.network, err)
			}
			defer a.Close()
			b, err := net.ListenUDP(tt.network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(tt.addr)))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			var w sender
			w.init(a)
			var r receiver
			r.init(b)
			aAddr := a.LocalAddr().(*net.UDPAddr).AddrPort()
			bAddr := b.LocalAddr().(*net.UDPAddr).AddrPort()
			for i, msg := range []string{"first", "second datagram"} {
				if err := w.writeTo([]byte(msg), bAddr); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
				buf := make([]byte, 64)
				n, src := readWithin(t, &r, buf)
				src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
				if string(buf[:n]) != msg || src != aAddr {
					t.Errorf("read %q from %v, want %q from %v", buf[:n], src, msg, aAddr)
				}
			}
		})
	}
}

// readWithin polls r until a datagram comes, for at most 2 s.
func readWithin(t *testing.T, r *receiver, b []byte) (int, netip.AddrPort) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(time.Millisecond) {
		if n, src, ok := r.tryRead(b); ok {
			return n, src
		}
		if time.Now().After(deadline) {
			t.Fatal("no datagram")
		}
	}
}

// TestReceiverEmptyOrClosed: reading an empty or closed socket returns at
// once with nothing: the clock never waits on a call.
func TestReceiverEmptyOrClosed(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var r receiver
	r.init(c)
	buf := make([]byte, 64)
	if n, _, ok := r.tryRead(buf); ok {
		t.Errorf("empty socket: read %d bytes", n)
	}
	c.Close()
	if n, _, ok := r.tryRead(buf); ok {
		t.Errorf("closed socket: read %d bytes", n)
	}
}

// TestStreamLoopback: a stream's packets reach the far end, and the far end's
// audio comes back, taken by drain (as on each tick), into the jitter buffer.
func TestStreamLoopback(t *testing.T) {
	sink := listenSink(t)
	s := newTestStream(t, sink)
	s.tick(time.Now())
	buf := make([]byte, 1500)
	_ = sink.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, from, err := sink.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("no packet from the stream: %v", err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil || p.PayloadType != 8 || len(p.Payload) != 160 {
		t.Fatalf("sent %d bytes, pt %d, payload %d, err %v", n, p.PayloadType, len(p.Payload), err)
	}
	back := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: 7, Timestamp: 1600, SSRC: 42}, Payload: make([]byte, 160)}
	raw, _ := back.Marshal()
	if _, err := sink.WriteToUDPAddrPort(raw, from); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(2 * time.Second); s.received.Load() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the clock never took the packet")
		}
		s.drain()
	}
	s.mu.Lock()
	count, latched := s.jb.count, s.latched
	s.mu.Unlock()
	if count != 1 || !latched {
		t.Errorf("jitter buffer holds %d frames, latched %v; want 1 and latched", count, latched)
	}
}
