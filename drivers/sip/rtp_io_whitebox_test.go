package sip

import (
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// TestSocket: a datagram goes out through an rtpSocket to where it is
// addressed, and another reads it back with its source, on IPv4 and IPv6
// sockets alike (IPv6 keeps the runtime's path; IPv4 leaves the poller on
// Linux).
func TestSocket(t *testing.T) {
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
				t.Fatalf("no %s loopback (the appliance listens on both): %v", tt.network, err)
			}
			b, err := net.ListenUDP(tt.network, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(tt.addr)))
			if err != nil {
				a.Close()
				t.Fatal(err)
			}
			aAddr := a.LocalAddr().(*net.UDPAddr).AddrPort()
			bAddr := b.LocalAddr().(*net.UDPAddr).AddrPort()
			w, r := openSocket(a), openSocket(b)
			defer w.close()
			defer r.close()
			rb := newReadBatch()
			msgs := []string{"first", "second datagram", "third"}
			for i, msg := range msgs {
				if err := w.writeTo([]byte(msg), bAddr); err != nil {
					t.Fatalf("write %d: %v", i, err)
				}
			}
			var got []string
			for deadline := time.Now().Add(2 * time.Second); len(got) < len(msgs); time.Sleep(time.Millisecond) {
				r.readAll(rb)
				for i := range rb.n {
					b, src := rb.packet(i)
					src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
					if src != aAddr {
						t.Errorf("datagram %q from %v, want from %v", b, src, aAddr)
					}
					got = append(got, string(b))
				}
				if time.Now().After(deadline) {
					t.Fatalf("read %q, want %q", got, msgs)
				}
			}
			if !slices.Equal(got, msgs) {
				t.Errorf("read %q, want %q", got, msgs)
			}
		})
	}
}

// TestSocketEmptyOrClosed: reading an empty or closed socket returns at once
// with nothing, and sending on a closed one fails without touching a
// descriptor: the clock never waits on a call, and the signalling may close
// a call's sockets while a tick runs.
func TestSocketEmptyOrClosed(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	to := c.LocalAddr().(*net.UDPAddr).AddrPort()
	s := openSocket(c)
	rb := newReadBatch()
	if s.readAll(rb); rb.n != 0 {
		t.Errorf("empty socket: read %d datagrams", rb.n)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if s.readAll(rb); rb.n != 0 {
		t.Errorf("closed socket: read %d datagrams", rb.n)
	}
	if err := s.writeTo([]byte("x"), to); err == nil {
		t.Error("closed socket: write succeeded")
	}
	if err := s.close(); err == nil {
		t.Error("second close succeeded")
	}
}

// TestStreamLoopback: a stream's packets reach the far end, and the far end's
// audio comes back, taken by drain (as on each tick), into the jitter buffer.
func TestStreamLoopback(t *testing.T) {
	sink := listenSink(t)
	s := newTestStream(t, sink)
	s.tick(time.Now(), newReadBatch())
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
		s.drain(newReadBatch())
	}
	s.mu.Lock()
	count, latched := s.jb.count, s.latched
	s.mu.Unlock()
	if count != 1 || !latched {
		t.Errorf("jitter buffer holds %d frames, latched %v; want 1 and latched", count, latched)
	}
}
