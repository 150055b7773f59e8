package sim

import (
	"context"
	"time"

	"tracecall/telephony"
)

// PhoneEvent is something that happened on a simulated phone, for whoever
// watches it (tracectl sim phone).
type PhoneEvent struct {
	Type   string // one of the Phone* types below
	CallID telephony.CallID
	From   string // calling number: the caller offered, or the phone's own extension
	To     string // dialled number: the phone's extension, or what the phone dialled
	By     string // PhoneHangup: "phone" (it hung up), "appliance" or "system"
	Cause  telephony.Cause
	At     time.Time
}

// Phone event types.
const (
	PhoneRinging  = "ringing"  // a call rings the phone
	PhoneDialling = "dialling" // the phone placed a call (Phone.Call)
	PhoneAnswered = "answered" // the phone picked up, or the appliance answered its call
	PhoneHangup   = "hangup"   // the call ended, from either side
)

// watchQueue bounds a watcher's backlog; a watcher that falls this far
// behind misses events rather than holding up the phone.
const watchQueue = 64

// Watch returns the phone's events from now until ctx ends, when the channel
// is closed.
func (p *Phone) Watch(ctx context.Context) <-chan PhoneEvent {
	ch := make(chan PhoneEvent, watchQueue)
	p.mu.Lock()
	p.watch = append(p.watch, ch)
	p.mu.Unlock()
	context.AfterFunc(ctx, func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		for i, w := range p.watch {
			if w == ch {
				p.watch = append(p.watch[:i], p.watch[i+1:]...)
				close(ch)
				return
			}
		}
	})
	return ch
}

// Options returns the phone's options, as AddPhone last set them.
func (p *Phone) Options() PhoneOptions {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.opts
}

func (p *Phone) notify(e PhoneEvent) {
	p.mu.Lock()
	p.notifyLocked(e)
	p.mu.Unlock()
}

// notifyLocked sends e to every watcher without blocking; p.mu is held.
func (p *Phone) notifyLocked(e PhoneEvent) {
	for _, w := range p.watch {
		select {
		case w <- e:
		default:
		}
	}
}

// hungUpBy says who ended a phone's call from the phone's side: a leg's
// "caller" is its far end, here the phone itself.
func hungUpBy(by string) string {
	switch by {
	case "caller":
		return "phone"
	case "ivr":
		return "appliance"
	}
	return by
}

// EnsurePhone returns the phone with extension ext, creating it with the
// configured AnswerAfter if there is none yet, as Dial would.
func (d *Driver) EnsurePhone(ext string) *Phone {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.phoneLocked(ext)
}
