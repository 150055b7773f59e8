package telephony

import "time"

// A caller's leg may report one key press twice: as an RFC 4733 event (or a SIP
// INFO) and as the tone still in its audio, which the in-band detector hears.
// Gateways and phones set to send both are common, and the core listens to both
// (a leg that negotiated telephone-event may still key in band), so each press
// counts once, by this rule (KeyLog):
//
// A key is the repeat of an earlier one, and dropped, when the earlier one has the
// same key, came from another source (inband, rfc4733, info), was delivered no
// more than dupWindow before or after it (by Digit.At), and has not already been
// matched with a repeat. Of several such keys the nearest in time is matched.
//
// Each report of a press so pairs with one report of it from the other source, and
// presses stay apart even when two of the same key follow closely: Q.24 presses of
// one key are at least 80 ms apart (40 ms tone, 40 ms pause), while the detector
// names a tone 32 to 52 ms after it starts, when its RFC 4733 event is already
// there. Two reports from the same source are never merged: each source already
// tells its presses apart (the detector by the pause, RFC 4733 by the event's
// timestamp). The times are the driver's, taken where the key arrived, so a reader
// late by seconds still matches them right; a driver whose keys carry media time
// (RTP timestamps: the SIP driver's events and tones) matches them by that, which
// a stall of its own clock does not stretch.
const dupWindow = 200 * time.Millisecond

// KeyLog holds the keys delivered lately, to tell the second report of a press
// from a new press (the rule is dupWindow's). The Session keeps one, and so can a
// driver that queues keys from several sources, so that a press takes one place
// in its queue. The zero value is ready. A KeyLog is not safe for concurrent use.
type KeyLog struct {
	keys [8]loggedKey
	next int
}

type loggedKey struct {
	d       Digit
	matched bool
}

// Repeat reports whether d repeats a key already delivered, and matches the
// two; otherwise it logs d as delivered.
func (l *KeyLog) Repeat(d Digit) bool {
	best := -1
	var bestGap time.Duration
	for i := range l.keys {
		k := &l.keys[i]
		if k.d.Key != d.Key || k.d.Source == d.Source || k.matched || k.d.Key == 0 {
			continue
		}
		gap := d.At.Sub(k.d.At)
		if gap < 0 {
			gap = -gap
		}
		if gap <= dupWindow && (best < 0 || gap < bestGap) {
			best, bestGap = i, gap
		}
	}
	if best >= 0 {
		l.keys[best].matched = true
		return true
	}
	l.keys[l.next] = loggedKey{d: d}
	l.next = (l.next + 1) % len(l.keys)
	return false
}
