package sip

import (
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tracecall/telephony/media"
	"tracecall/telephony/media/clock"
)

// BenchmarkClockTick is the clock's work for one 20 ms tick over n answered
// calls on loopback, as in the load test: each call sends one frame (encode,
// sendto) and takes the one packet its far end sent since the last tick
// (recvmmsg, decode, jitter buffer, a frame to the app). The far end's
// sending is outside the timing. Figures: ns/call is one call's share of a
// tick, and core%/800 what a core spends on the clock at 800 calls
// (ns/call × 800 × 50 ticks a second).
func BenchmarkClockTick(b *testing.B) {
	for _, n := range []int{1, 100, 800} {
		b.Run(fmt.Sprintf("calls=%d", n), func(b *testing.B) { benchClockTick(b, n) })
	}
}

func benchClockTick(b *testing.B, n int) {
	far, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer far.Close()
	_ = far.SetReadBuffer(1 << 20) // nobody reads it: the kernel drops the excess
	farAddr := far.LocalAddr().(*net.UDPAddr).AddrPort()

	c := clock.New(nil)
	rb := newReadBatches()
	var streams []*stream
	pool := newPortPool(netip.MustParseAddr("127.0.0.1"), 40000, 40000+4*n+100)
	to := make([]netip.AddrPort, n)
	for i := range n {
		conn, rtcp, port, err := pool.open()
		if err != nil {
			b.Fatal(err)
		}
		s := newStream(conn, rtcp, port, offerAnswer{law: media.LawALaw, audioPT: 8, eventPT: 101, remote: farAddr, dir: dirSendRecv})
		defer s.close()
		streams = append(streams, s)
		c.Add(clockStream{s, rb})
		to[i] = netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(port))
	}
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 8, SSRC: 7}, Payload: make([]byte, media.FrameSamples)}
	buf := make([]byte, 12+media.FrameSamples)
	farSend := func(k int) {
		pkt.SequenceNumber, pkt.Timestamp = uint16(k), uint32(k*media.FrameSamples)
		m, _ := pkt.MarshalTo(buf)
		for _, a := range to {
			_, _ = far.WriteToUDPAddrPort(buf[:m], a)
		}
	}
	now := time.Now()
	for k := range 3 { // fill the jitter buffers
		farSend(k)
		c.Step(now)
	}
	k := 3
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		farSend(k)
		k++
		b.StartTimer()
		c.Step(now)
	}
	b.StopTimer()
	perCall := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(n)
	b.ReportMetric(perCall, "ns/call")
	b.ReportMetric(perCall*800*50/1e9*100, "core%/800")
	st := streams[0].stats()
	if st.PacketsReceived == 0 || st.PacketsSent == 0 {
		b.Errorf("call 0 sent %d and received %d packets", st.PacketsSent, st.PacketsReceived)
	}
}
