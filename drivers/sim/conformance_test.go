package sim_test

import (
	"context"
	"testing"
	"time"

	"tracecall/drivers/drivertest"
	"tracecall/drivers/sim"
	"tracecall/telephony"
	"tracecall/telephony/event"
)

// TestConformance runs the driver conformance suite: in-band and
// out-of-band callers, and a phone as the dialled party.
func TestConformance(t *testing.T) {
	for _, oob := range []bool{false, true} {
		name := "inband"
		if oob {
			name = "outofband"
		}
		t.Run(name, func(t *testing.T) {
			drivertest.Run(t, func(t *testing.T, pub *event.Client) drivertest.Rig {
				d, err := sim.New(sim.Config{Lines: 4}, pub, nil)
				if err != nil {
					t.Fatal(err)
				}
				phone := d.AddPhone("8001", sim.PhoneOptions{AnswerAfter: 100 * time.Millisecond})
				ctx, cancel := context.WithCancel(context.Background())
				t.Cleanup(cancel)
				watch := phone.Watch(ctx)
				return drivertest.Rig{
					Driver: d,
					Call: func(ctx context.Context) (drivertest.Far, error) {
						c, err := d.Call(context.Background(), sim.CallOptions{ANI: "13800138000", DNIS: "ivr", OutOfBand: oob, Timeout: time.Minute})
						if err != nil {
							return nil, err
						}
						return caller{c}, nil
					},
					Callee: telephony.Address{Driver: "sim", User: "8001"},
					CalleeFar: func(ctx context.Context) (drivertest.Far, error) {
						return newPhoneFar(ctx, phone, watch)
					},
				}
			})
		})
	}
}

type caller struct{ c *sim.Caller }

func (c caller) Keys(k string) error   { return c.c.Keys(k) }
func (c caller) Hangup()               { c.c.Hangup() }
func (c caller) Done() <-chan struct{} { return c.c.Done() }

// phoneFar is a phone that answered a dialled call.
type phoneFar struct {
	p    *sim.Phone
	done chan struct{}
}

// newPhoneFar waits for the phone to answer and follows it to its hangup.
func newPhoneFar(ctx context.Context, p *sim.Phone, watch <-chan sim.PhoneEvent) (drivertest.Far, error) {
	for {
		select {
		case e := <-watch:
			if e.Type != sim.PhoneAnswered {
				continue
			}
			f := &phoneFar{p: p, done: make(chan struct{})}
			go func() {
				defer close(f.done)
				for e := range watch {
					if e.Type == sim.PhoneHangup {
						return
					}
				}
			}()
			return f, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (f *phoneFar) Keys(string) error     { return nil }
func (f *phoneFar) Hangup()               { f.p.Hangup() }
func (f *phoneFar) Done() <-chan struct{} { return f.done }
