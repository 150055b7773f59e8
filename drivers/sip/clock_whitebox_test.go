package sip

import (
	"context"
	"net"
	"testing"
	"time"

	"tracecall/telephony/media/clock"
)

// TestClockRemoveDuringTick: a call's stream removed and closed while the
// running clock may be ticking it is harmless (its socket is closed under
// the tick's feet), and starting and stopping streams never waits for a
// tick.
func TestClockRemoveDuringTick(t *testing.T) {
	sink := listenSink(t)
	d := &Driver{clock: clock.New(nil), rb: newReadBatches()}
	var streams []*stream
	for range 8 {
		s := newTestStream(t, sink)
		streams = append(streams, s)
		d.startStream(s)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- d.clock.Run(ctx) }()
	// Each stream goes once the clock has sent it a packet: from then on it
	// is being ticked, and the removal races the next tick.
	for _, s := range streams {
		for s.sent.Load() == 0 {
			waitPacket(t, sink)
		}
		d.stopStream(s)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := d.ClockStats(); st.Streams != 0 || st.Ticks == 0 {
		t.Errorf("clock stats %+v: want no stream left and some ticks", st)
	}
}

// waitPacket waits up to 5 s for the next datagram at sink.
func waitPacket(t *testing.T, sink *net.UDPConn) {
	t.Helper()
	var b [1500]byte
	_ = sink.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := sink.Read(b[:]); err != nil {
		t.Fatal(err)
	}
}
