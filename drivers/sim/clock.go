package sim

import (
	"tracecall/telephony/media"
	"tracecall/telephony/media/clock"
)

// legStream is an answered leg as the core's media clock ticks it: the
// caller hears what the appliance wrote, and says its next frame.
type legStream struct{ l *leg }

// Send hands the caller the appliance's frame, or silence (an underrun
// once the appliance has been writing).
func (s legStream) Send(clock.Tick) (under bool) {
	l, c := s.l, s.l.caller
	var f media.Frame
	select {
	case f = <-l.tx:
		c.started = true
	default:
		under = c.started
		f.Silence()
	}
	c.hear(&f)
	return under
}

// Receive hands the appliance the caller's next frame, after the leg's
// in-band detector has heard it (leg.arrive); a full queue drops it (an
// overrun), never a key.
func (s legStream) Receive(clock.Tick) (over bool) {
	l := s.l
	var f media.Frame
	l.caller.next(&f, l.oob)
	return l.arrive(&f)
}
