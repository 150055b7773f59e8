package cdr

import (
	"slices"

	"tracecall/telephony/event"
)

// A caller who asks to be called back keeps one record, under the call's id,
// from the first ring to the end of the callback: the core keeps the call
// open from the request to the callback's end, so the call ends once. Its
// Type becomes TypeCallback and its disposition CallbackPending at the
// request; the agent who takes the request and the callback's answer update
// it; at the call's end it is Answered (the caller was called back and
// connected), CallbackFailed (every try went unanswered) or, when the call
// ended with the request still pending (the daemon stopped), Interrupted.

// TypeCallback is the Type of a call whose caller asked to be called back.
const TypeCallback = "callback"

// Dispositions of a callback request.
const (
	CallbackPending = "callback_pending" // the caller hung up to be called back; not done yet
	CallbackFailed  = "callback_failed"  // the caller did not answer any try
)

// callback applies e when it belongs to a callback request and reports
// whether it did; apply handles every other event.
func (w *Writer) callback(e event.Event) bool {
	id := e.Call()
	if req, ok := e.(event.CallbackRequested); ok {
		if o := w.open[id]; o != nil {
			o.call.Apply(req)
			r := o.r
			r.Type, r.Updated = TypeCallback, req.At
			r.Queue = req.Queue
			r.Disposition = CallbackPending
			r.Phase = string(o.call.Phase())
			if w.callbacks == nil {
				w.callbacks = make(map[event.CallID]*callbackState)
			}
			w.callbacks[id] = &callbackState{}
			w.held.hold(id, r)
		}
		return true
	}
	cb, ok := w.callbacks[id]
	if !ok {
		return false
	}
	o := w.open[id]
	if o == nil {
		delete(w.callbacks, id)
		return false
	}
	r := o.r
	switch e := e.(type) {
	case event.CallTaken:
		// As for any call, but the record stays a callback.
		r.Queue, r.Agent, r.QueueWait = e.Queue, e.Agent, e.Wait.Seconds()
		r.Answer, r.ServiceLevelTime = e.At, e.ServiceLevel.Seconds()
	case event.CallbackAttempted:
		if e.Result == "answered" {
			cb.answered = true
		}
	case event.CallbackFailed:
		r.Disposition = CallbackFailed
		cb.failed = true
	case event.CallOffered:
		if !slices.Contains(r.AgentsTried, e.Agent) {
			r.AgentsTried = append(r.AgentsTried, e.Agent)
		}
	case event.CallEnded:
		r.End = e.At
		r.Duration = e.At.Sub(r.Start).Seconds()
		r.InProgress, r.Phase = false, ""
		r.HangupBy, r.Cause = e.By, e.Cause
		switch {
		case cb.answered:
			r.Disposition = Answered
		case cb.failed:
			r.Disposition = CallbackFailed
		default:
			r.Disposition = Interrupted
		}
		delete(w.open, id)
		delete(w.callbacks, id)
	case event.CallOfferMissed, event.CallQueued, event.CallAbandonedQueue:
	default:
		return false // the usual handling: IVR steps, codes, answers
	}
	if _, ended := e.(event.CallEnded); !ended {
		o.call.Apply(e)
		r.Phase = string(o.call.Phase())
	}
	r.Updated = e.When()
	w.held.hold(id, r)
	return true
}

// callbackState is what the writer follows of a callback request.
type callbackState struct {
	answered bool // a try was answered
	failed   bool // the ACD gave up
}
