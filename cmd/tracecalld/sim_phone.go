package main

import (
	"context"
	"time"

	"tracecall/drivers/sim"
	"tracecall/web"
)

// simPhoneTimeout bounds a call placed from a phone over the API.
const simPhoneTimeout = time.Minute

// SimPhone runs a simulated agent phone for the API (tracectl sim phone):
// the phone takes the answer delay asked for until ctx ends, then gets its
// own back.
func (s simAdapter) SimPhone(ctx context.Context, p web.SimPhone) (<-chan web.SimPhoneEvent, error) {
	phone := s.d.EnsurePhone(p.Ext)
	own := phone.Options()
	if p.SetAnswerAfter {
		o := own
		o.AnswerAfter = p.AnswerAfter
		s.d.AddPhone(p.Ext, o)
		context.AfterFunc(ctx, func() { s.d.AddPhone(p.Ext, own) })
	}
	events := phone.Watch(ctx)
	if p.Dial != "" {
		if _, err := phone.Call(ctx, sim.CallOptions{CallID: p.DialCallID, DNIS: p.Dial, Timeout: simPhoneTimeout}); err != nil {
			return nil, err
		}
	}
	out := make(chan web.SimPhoneEvent, 16)
	go func() {
		defer close(out)
		for e := range events {
			select {
			case out <- web.SimPhoneEvent{Type: e.Type, CallID: e.CallID, From: e.From, To: e.To,
				By: e.By, Cause: string(e.Cause), At: e.At}:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
