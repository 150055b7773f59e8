package cdr

import (
	"time"

	"tracecall/telephony/event"
)

// The ACD hears that a caller hung up from the IVR, after the call's
// CallEnded, so its CallAbandonedQueue (with the wait it measured and the
// queue's service level time) comes after the record was closed. The writer
// keeps each ended record for lateFor and puts such events in it.

// lateFor is how long an ended record still takes the ACD's late events.
const lateFor = time.Minute

// late applies e, which came after o's call ended, and reports whether it
// changed the record.
func (w *Writer) late(o *record, e event.Event) bool {
	ab, ok := e.(event.CallAbandonedQueue)
	if !ok {
		return false
	}
	r := o.r
	if r.Agent != "" {
		return false // a transfer's queue, as in apply
	}
	o.call.Apply(ab)
	r.Queue, r.QueueWait, r.ServiceLevelTime = ab.Queue, ab.Wait.Seconds(), ab.ServiceLevel.Seconds()
	r.Disposition = disposition(r, o.call, o.end)
	return true
}

// forgetEnded drops the ended records kept longer than lateFor.
func (w *Writer) forgetEnded(now time.Time) {
	for id, o := range w.ended {
		if now.Sub(o.at) > lateFor {
			delete(w.ended, id)
		}
	}
}
