package sip

import (
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"tracecall/telephony/media"
)

// newTestStream opens a stream on loopback that sends to sink.
func newTestStream(t testing.TB, sink *net.UDPConn) *stream {
	t.Helper()
	pool := newPortPool(netip.MustParseAddr("127.0.0.1"), 50000, 59999)
	conn, rtcp, port, err := pool.open()
	if err != nil {
		t.Fatal(err)
	}
	to := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	s := newStream(conn, rtcp, port, offerAnswer{law: media.LawALaw, audioPT: 8, eventPT: 101, remote: to, dir: dirSendRecv})
	t.Cleanup(s.close)
	return s
}

func listenSink(t testing.TB) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCountSeq(t *testing.T) {
	tests := []struct {
		name     string
		seqs     []uint16
		received uint64
		lost     uint64
	}{
		{"in order", []uint16{10, 11, 12, 13}, 4, 0},
		{"two lost", []uint16{10, 11, 14, 15}, 4, 2},
		{"reordered", []uint16{10, 12, 11, 13}, 4, 0},
		{"wraps", []uint16{65534, 65535, 0, 2}, 4, 1},
		{"duplicate", []uint16{10, 11, 11, 12}, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &stream{}
			for _, q := range tt.seqs {
				s.countSeq(q)
			}
			st := s.stats()
			if st.PacketsReceived != tt.received || st.PacketsLost != tt.lost {
				t.Errorf("received %d lost %d, want %d %d", st.PacketsReceived, st.PacketsLost, tt.received, tt.lost)
			}
		})
	}
}

func TestSenderReport(t *testing.T) {
	sink := listenSink(t)
	s := newTestStream(t, sink)
	s.mu.Lock()
	s.rtcpTo = sink.LocalAddr().(*net.UDPAddr).AddrPort()
	s.mu.Unlock()
	for range rtcpEvery {
		s.tick(time.Now(), newReadBatch())
	}
	buf := make([]byte, 1500)
	_ = sink.SetReadDeadline(time.Now().Add(2 * time.Second))
	var sr []byte
	for sr == nil {
		n, err := sink.Read(buf)
		if err != nil {
			t.Fatalf("no sender report: %v", err)
		}
		if n >= 2 && buf[1] == 200 {
			sr = buf[:n]
		}
	}
	if sr[0]>>6 != 2 || binary.BigEndian.Uint16(sr[2:]) != 6 || binary.BigEndian.Uint32(sr[4:]) != s.ssrc {
		t.Errorf("sender report header % x", sr[:8])
	}
	if got := binary.BigEndian.Uint32(sr[20:]); got != rtcpEvery {
		t.Errorf("packet count %d, want %d", got, rtcpEvery)
	}
	if len(sr) < 36 || sr[29] != 202 || (len(sr)-28)%4 != 0 {
		t.Errorf("no SDES after the report, or not padded: % x", sr[28:])
	}
}

// BenchmarkStreamTick is the per-call cost of one 20 ms tick: a frame to the
// app, a frame encoded and sent.
func BenchmarkStreamTick(b *testing.B) {
	sink := listenSink(b)
	go func() {
		buf := make([]byte, 1500)
		for {
			if _, err := sink.Read(buf); err != nil {
				return
			}
		}
	}()
	s := newTestStream(b, sink)
	var f media.Frame
	now, rb := time.Now(), newReadBatch()
	b.ReportAllocs()
	for b.Loop() {
		select {
		case s.tx <- f:
		default:
		}
		s.tick(now, rb)
		select {
		case <-s.rx:
		default:
		}
	}
}
