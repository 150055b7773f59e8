package sip

import (
	"tracecall/telephony/media/clock"
)

// The driver's calls move on the core's media clock (package
// telephony/media/clock, Config.Clock): each answered call's stream is on
// it from the answer until the call ends. The clock's phases keep each
// call's packet at the same offset into every tick, and its catch-up policy
// and lateness figures are the core's.

// clockStream is a call's stream as the clock ticks it. The receive scratch
// (recvmmsg's buffers) is the driver's, one per clock worker: two workers
// may run two phases at once.
type clockStream struct {
	s  *stream
	rb *[clock.MaxWorkers]*readBatch
}

// Send sends the app's frame (or silence) to the far end.
func (c clockStream) Send(t clock.Tick) bool { return c.s.send(t.Now) }

// Receive takes what the far end sent and hands the app a frame.
func (c clockStream) Receive(t clock.Tick) bool { return c.s.receive(c.rb[t.Worker]) }

// newReadBatches is a driver's receive scratch, one per clock worker.
func newReadBatches() *[clock.MaxWorkers]*readBatch {
	var rb [clock.MaxWorkers]*readBatch
	for i := range rb {
		rb[i] = newReadBatch()
	}
	return &rb
}

// startStream puts an answered call's stream on the clock.
func (d *Driver) startStream(s *stream) { d.clock.Add(clockStream{s, d.rb}) }

// stopStream takes s off the clock and closes it; it returns the call's
// final RTP counts. A phase already under way may tick s once more; its
// closed sockets make that harmless.
func (d *Driver) stopStream(s *stream) Stats {
	d.clock.Remove(clockStream{s, d.rb})
	s.close()
	return s.stats()
}

// ClockStats reports how the core's media clock, which this driver's calls
// share with every other driver's streams and the rooms, kept time.
func (d *Driver) ClockStats() clock.Stats { return d.clock.Stats() }
