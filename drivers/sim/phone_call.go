package sim

import (
	"context"
	"fmt"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// Call places a call from the phone, as an agent lifting the handset and
// dialling o.DNIS: a feature code such as *21, or the hotline. The appliance's
// handler is handed an inbound leg on the phone's own line ("sim/phone/EXT")
// whose calling number (ANI) is the phone's extension; o.ANI is ignored. The
// rest of o works as for Driver.Call (keys after the answer, Timeout,
// Record). The phone is busy until the call ends; ErrBusy (wrapping
// telephony.ErrUnavailable) if it is on a call already.
func (p *Phone) Call(ctx context.Context, o CallOptions) (*Caller, error) {
	o.ANI = p.ext
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	d := p.d
	c := &Caller{opts: o, script: []byte(o.DTMF), done: make(chan struct{})}
	c.waitFrames = int(o.LeadIn / (media.FrameDuration * time.Millisecond))
	// Lock order as in ring: p.mu, released, then d.mu.
	now := time.Now()
	l := newLeg(d, p.line, c, now)
	// The phone is one of the appliance's own desk phones, driven by a
	// signed-in user of the panel or tracectl: its extension is vouched for
	// (feature codes act on it), unlike the number a simulated line's
	// caller claims.
	l.info.FromVerified, l.info.FromAsserted = true, true
	info := l.info
	p.mu.Lock()
	if p.leg != nil {
		p.mu.Unlock()
		l.Cancel()
		return nil, fmt.Errorf("sim: phone %s: %w: %w", p.ext, ErrBusy, telephony.ErrUnavailable)
	}
	p.leg, p.last = l, c
	p.mu.Unlock()

	d.mu.Lock()
	if d.handler == nil {
		d.mu.Unlock()
		p.mu.Lock()
		p.leg = nil
		p.mu.Unlock()
		l.Cancel()
		return nil, fmt.Errorf("sim: phone %s: %w: driver not serving", p.ext, telephony.ErrUnavailable)
	}
	h, hctx := d.handler, context.WithoutCancel(d.serving)
	d.wg.Add(1)
	p.line.leg, p.line.since = l, now
	d.publishLine(p.line, telephony.LineRinging, now)
	d.mu.Unlock()

	c.onAnswer = func(at time.Time) {
		p.notify(PhoneEvent{Type: PhoneAnswered, CallID: info.CallID, From: info.From, To: info.To, At: at})
	}
	p.notify(PhoneEvent{Type: PhoneDialling, CallID: info.CallID, From: info.From, To: info.To, At: now})
	// The leg is a line's as far as the handler and the call's events go;
	// the phone is free again once it ends.
	go func() {
		<-l.Context().Done()
		p.idle(l)
	}()
	go func() {
		defer d.wg.Done()
		h.ServeLeg(hctx, l)
		l.end("ivr", telephony.CauseNormal)
	}()
	d.follow(ctx, c, l, o)
	return c, nil
}
