package cdr

import (
	"slices"

	"tracecall/store"
	"tracecall/telephony/event"
)

// A caller who asks to be called back keeps one record, under the call's id,
// from the first ring to the end of the callback: its Type becomes
// TypeCallback; when the caller hangs up its disposition is CallbackPending;
// the agent who takes the request and the callback's end update it (then
// Answered, with the end and duration of the callback), or every try going
// unanswered makes it CallbackFailed. A restart forgets pending requests (the
// ACD keeps them in memory), so their records stay CallbackPending.

// TypeCallback is the Type of a call whose caller asked to be called back.
const TypeCallback = "callback"

// Dispositions of a callback request.
const (
	CallbackPending = "callback_pending" // the caller hung up to be called back; not done yet
	CallbackFailed  = "callback_failed"  // the caller did not answer any try
)

// callback applies e when it belongs to a callback request and reports
// whether it did; apply handles every other event.
func (w *Writer) callback(e event.Event, dirty map[event.CallID]*store.CallRecord) bool {
	id := e.Call()
	if req, ok := e.(event.CallbackRequested); ok {
		if o := w.open[id]; o != nil {
			o.call.Apply(req)
			r := o.r
			r.Type, r.Updated = TypeCallback, req.At
			r.Queue = req.Queue
			if w.callbacks == nil {
				w.callbacks = make(map[event.CallID]*store.CallRecord)
			}
			w.callbacks[id] = r
			dirty[id] = r
		}
		return true
	}
	r, ok := w.callbacks[id]
	if !ok {
		return false
	}
	_, open := w.open[id] // the caller is still on the line
	switch e := e.(type) {
	case event.CallTaken:
		// As for any call, but the record stays a callback.
		r.Queue, r.Agent, r.QueueWait = e.Queue, e.Agent, e.Wait.Seconds()
		r.Answer, r.ServiceLevelTime = e.At, e.ServiceLevel.Seconds()
		r.Updated = e.At
	case event.CallbackAttempted:
		r.Updated = e.At
	case event.CallbackFailed:
		r.Disposition, r.Updated = CallbackFailed, e.At
		if !open {
			delete(w.callbacks, id)
		}
	case event.CallEnded:
		r.End, r.Updated = e.At, e.At
		r.Duration = e.At.Sub(r.Start).Seconds()
		r.InProgress, r.Phase = false, ""
		r.HangupBy, r.Cause = e.By, e.Cause
		switch {
		case !open:
			r.Disposition = Answered // the callback call itself ended
			delete(w.callbacks, id)
		case r.Disposition == CallbackFailed:
			delete(w.open, id)
			delete(w.callbacks, id)
		default:
			r.Disposition = CallbackPending
			delete(w.open, id)
		}
	default:
		if open {
			return false // the usual handling while the caller is on the line
		}
		switch e := e.(type) {
		case event.CallOffered:
			if !slices.Contains(r.AgentsTried, e.Agent) {
				r.AgentsTried = append(r.AgentsTried, e.Agent)
			}
			r.Updated = e.At
		case event.CallOfferMissed:
			r.Updated = e.At
		case event.CallBridged:
			r.Updated = e.At
		case event.CallUnbridged:
			r.Updated = e.At
		default:
			return true
		}
	}
	dirty[id] = r
	return true
}
