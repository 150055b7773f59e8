package offer_test

import (
	"context"
	"sync"
	"testing"

	"tracecall/acd"
	"tracecall/acd/offer"
	"tracecall/telephony"
	"tracecall/telephony/telephonytest"
)

// driver is a fake whose Dial answers with leg, or fails with err.
type driver struct {
	leg *telephonytest.Leg
	err error
}

func (d *driver) Name() string                                         { return "fake" }
func (d *driver) Serve(ctx context.Context, _ telephony.Handler) error { <-ctx.Done(); return nil }
func (d *driver) Dial(context.Context, telephony.Address, telephony.DialOptions) (telephony.Leg, error) {
	if d.err != nil {
		return nil, d.err
	}
	return d.leg, nil
}

// results records what the Offerer reports to the ACD.
type results struct {
	mu       sync.Mutex
	offerErr error
	reported []bool
	ended    int
}

func (r *results) OfferResult(_ context.Context, _ telephony.CallID, _ string, answered bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reported = append(r.reported, answered)
	return r.offerErr
}

func (r *results) CallEnded(context.Context, telephony.CallID) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended++
	return nil
}

func TestOffer(t *testing.T) {
	tests := []struct {
		name         string
		dialErr      error
		offerErr     error
		await        bool
		wantReported []bool
		wantLeg      bool // delivered to the waiter
		wantHungUp   bool // the agent's leg was dropped
		wantEnded    int
	}{
		{name: "answered and connected", await: true, wantReported: []bool{true}, wantLeg: true},
		{name: "phone refused", dialErr: telephony.ErrUnavailable, await: true, wantReported: []bool{false}},
		{name: "answered after the offer ended", offerErr: acd.ErrNoOffer, await: true, wantReported: []bool{true}, wantHungUp: true},
		{name: "caller gone", wantReported: []bool{true}, wantHungUp: true, wantEnded: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leg := telephonytest.NewLeg(telephony.LegInfo{ID: "agent", CallID: "c1"}, false)
			t.Cleanup(leg.Close)
			res := &results{offerErr: tt.offerErr}
			o := offer.New(telephonytest.Core(t, nil, &driver{leg: leg, err: tt.dialErr}), nil)
			o.Attach(res)
			var legs <-chan telephony.Leg
			if tt.await {
				var done func()
				legs, _, done = o.Await("c1")
				defer done()
			}
			o.Offer(context.Background(), acd.Agent{ID: "8001", Extension: telephony.Address{Driver: "fake", User: "8001"}}, acd.Call{ID: "c1", Queue: "trace"})

			if len(res.reported) != len(tt.wantReported) || (len(res.reported) > 0 && res.reported[0] != tt.wantReported[0]) {
				t.Errorf("reported %v, want %v", res.reported, tt.wantReported)
			}
			got := false
			select {
			case <-legs:
				got = true
			default:
			}
			if got != tt.wantLeg {
				t.Errorf("leg delivered %v, want %v", got, tt.wantLeg)
			}
			if _, ended := leg.Ended(); ended != tt.wantHungUp {
				t.Errorf("agent leg hung up %v, want %v", ended, tt.wantHungUp)
			}
			if res.ended != tt.wantEnded {
				t.Errorf("CallEnded %d times, want %d", res.ended, tt.wantEnded)
			}
		})
	}
}

func TestDivertAndDone(t *testing.T) {
	o := offer.New(telephonytest.Core(t, nil), nil)
	o.Attach(&results{})
	legs, diverted, done := o.Await("c1")
	o.Divert(context.Background(), acd.Call{ID: "c1"}, acd.Overflow{Action: acd.OverflowGoodbye})
	if got := <-diverted; got.Action != acd.OverflowGoodbye {
		t.Fatalf("diverted to %v, want goodbye", got)
	}
	// A leg delivered but never taken is hung up by done.
	leg := telephonytest.NewLeg(telephony.LegInfo{ID: "agent", CallID: "c1"}, false)
	o2 := offer.New(telephonytest.Core(t, nil, &driver{leg: leg}), nil)
	o2.Attach(&results{})
	_, _, done2 := o2.Await("c1")
	o2.Offer(context.Background(), acd.Agent{ID: "8001", Extension: telephony.Address{Driver: "fake", User: "8001"}}, acd.Call{ID: "c1"})
	done2()
	if _, ended := leg.Ended(); !ended {
		t.Error("an agent leg nobody took was left up")
	}
	done()
	if len(legs) != 0 {
		t.Error("a leg arrived for a call that was only diverted")
	}
	// After done, a divert has nowhere to go and is dropped.
	o.Divert(context.Background(), acd.Call{ID: "c1"}, acd.Overflow{Action: acd.OverflowGoodbye})
	if len(diverted) != 0 {
		t.Error("divert delivered after done")
	}
}
