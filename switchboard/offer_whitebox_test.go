package switchboard

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/telephony"
	"tracecall/telephony/telephonytest"
)

// dialer is a fake core: Dial answers each driver's address with its leg, or
// fails with its error.
type dialer struct {
	legs map[string]telephony.Leg
	errs map[string]error
}

func (d *dialer) CanDial(driver string) bool {
	_, leg := d.legs[driver]
	_, err := d.errs[driver]
	return leg || err
}

func (d *dialer) Dial(_ context.Context, to telephony.Address, _ telephony.DialOptions) (telephony.Leg, error) {
	if err, ok := d.errs[to.Driver]; ok {
		return nil, err
	}
	if l, ok := d.legs[to.Driver]; ok {
		return l, nil
	}
	return nil, telephony.ErrUnavailable
}

// fakeACD records what the board reports; the methods it does not override
// are not called by these tests (the nil ACD would panic).
type fakeACD struct {
	ACD
	offers     chan acd.Offer
	diversions chan acd.Diversion
	offerErr   error // what OfferResult answers
	retry      bool  // what CallbackResult answers
	outcomes   chan string

	// mu guards the fields below.
	mu        sync.Mutex
	reported  []bool
	ended     int
	requested []string
}

func newFakeACD() *fakeACD {
	return &fakeACD{offers: make(chan acd.Offer), diversions: make(chan acd.Diversion), outcomes: make(chan string, 1)}
}

func (a *fakeACD) Offers() <-chan acd.Offer         { return a.offers }
func (a *fakeACD) Diversions() <-chan acd.Diversion { return a.diversions }

func (a *fakeACD) OfferResult(_ context.Context, _ telephony.CallID, _ string, answered bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reported = append(a.reported, answered)
	return a.offerErr
}

func (a *fakeACD) CallEnded(context.Context, telephony.CallID) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ended++
	return nil
}

func (a *fakeACD) Callback(_ context.Context, id telephony.CallID, number string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.requested = append(a.requested, string(id)+" "+number)
	return nil
}

func (a *fakeACD) CallbackResult(_ context.Context, _ telephony.CallID, result string) (bool, error) {
	a.outcomes <- result
	return a.retry, nil
}

// offerOf is an offer of call c1 to agent 8001 on the "phones" driver, for
// as long as ctx lasts.
func offerOf(ctx context.Context) acd.Offer {
	o := acd.Offer{Agent: acd.Agent{ID: "8001", Extension: telephony.Address{Driver: "phones", User: "8001"}},
		Call: acd.Call{ID: "c1", Queue: "trace"}}
	return o.WithContext(ctx)
}

func TestRing(t *testing.T) {
	tests := []struct {
		name         string
		dialErr      error
		offerErr     error
		await        bool
		wantReported []bool
		wantAnswer   bool // delivered to the waiter, with the agent
		wantHungUp   bool // the agent's leg was dropped
		wantEnded    int
	}{
		{name: "answered and connected", await: true, wantReported: []bool{true}, wantAnswer: true},
		{name: "phone refused", dialErr: telephony.ErrUnavailable, await: true, wantReported: []bool{false}},
		{name: "answered after the offer ended", offerErr: acd.ErrNoOffer, await: true, wantReported: []bool{true}, wantHungUp: true},
		{name: "caller gone", wantReported: []bool{true}, wantHungUp: true, wantEnded: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leg := telephonytest.NewLeg(telephony.LegInfo{ID: "agent", CallID: "c1"}, false)
			t.Cleanup(leg.Close)
			a := newFakeACD()
			a.offerErr = tt.offerErr
			d := &dialer{legs: map[string]telephony.Leg{"phones": leg}}
			if tt.dialErr != nil {
				d = &dialer{errs: map[string]error{"phones": tt.dialErr}}
			}
			b, err := New(Config{}, Deps{ACD: a, Dialer: d, Clock: telephonytest.Clock(t)})
			if err != nil {
				t.Fatal(err)
			}
			var w *waiter
			if tt.await {
				w = b.await("c1")
				defer b.unwait("c1", w)
			}
			b.ring(t.Context(), offerOf(t.Context()))

			if len(a.reported) != len(tt.wantReported) || (len(a.reported) > 0 && a.reported[0] != tt.wantReported[0]) {
				t.Errorf("reported %v, want %v", a.reported, tt.wantReported)
			}
			got := false
			if w != nil {
				select {
				case ans := <-w.answers:
					got = true
					if ans.agent != "8001" || ans.leg != leg {
						t.Errorf("answer from agent %q on leg %v, want 8001 on the phone's leg", ans.agent, ans.leg.ID())
					}
				default:
				}
			}
			if got != tt.wantAnswer {
				t.Errorf("answer delivered %v, want %v", got, tt.wantAnswer)
			}
			if _, ended := leg.Ended(); ended != tt.wantHungUp {
				t.Errorf("agent leg hung up %v, want %v", ended, tt.wantHungUp)
			}
			if a.ended != tt.wantEnded {
				t.Errorf("CallEnded %d times, want %d", a.ended, tt.wantEnded)
			}
		})
	}
}

func TestDivertAndUnwait(t *testing.T) {
	b, err := New(Config{}, Deps{ACD: newFakeACD(), Dialer: &dialer{}, Clock: telephonytest.Clock(t)})
	if err != nil {
		t.Fatal(err)
	}
	w := b.await("c1")
	b.divert(acd.Diversion{Call: acd.Call{ID: "c1"}, To: acd.Overflow{Action: acd.OverflowGoodbye}})
	if got := <-w.diverted; got.Action != acd.OverflowGoodbye {
		t.Fatalf("diverted to %v, want goodbye", got)
	}
	// A leg delivered but never taken is hung up by unwait.
	leg := telephonytest.NewLeg(telephony.LegInfo{ID: "agent", CallID: "c1"}, false)
	b2, err := New(Config{}, Deps{ACD: newFakeACD(), Dialer: &dialer{legs: map[string]telephony.Leg{"phones": leg}}, Clock: telephonytest.Clock(t)})
	if err != nil {
		t.Fatal(err)
	}
	w2 := b2.await("c1")
	b2.ring(t.Context(), offerOf(t.Context()))
	b2.unwait("c1", w2)
	if _, ended := leg.Ended(); !ended {
		t.Error("an agent leg nobody took was left up")
	}
	b.unwait("c1", w)
	if len(w.answers) != 0 {
		t.Error("an answer arrived for a call that was only diverted")
	}
	// After unwait, a divert has nowhere to go and is dropped.
	b.divert(acd.Diversion{Call: acd.Call{ID: "c1"}, To: acd.Overflow{Action: acd.OverflowGoodbye}})
	if len(w.diverted) != 0 {
		t.Error("divert delivered after unwait")
	}
}

func TestCallbackTryResults(t *testing.T) {
	tests := []struct {
		name    string
		dialErr error
		want    string
	}{
		{name: "busy or unreachable", dialErr: telephony.ErrUnavailable, want: acd.CallbackBusy},
		{name: "no answer", dialErr: errors.New("rang out"), want: acd.CallbackNoAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			agentLeg := telephonytest.NewLeg(telephony.LegInfo{ID: "agent", CallID: "c1"}, false)
			t.Cleanup(agentLeg.Close)
			a := newFakeACD()
			d := &dialer{legs: map[string]telephony.Leg{"phones": agentLeg}, errs: map[string]error{"trunk": tt.dialErr}}
			b, err := New(Config{CallbackRingTimeout: time.Second}, Deps{ACD: a, Dialer: d, Clock: telephonytest.Clock(t)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error)
			go func() { done <- b.Run(ctx) }()
			defer func() { cancel(); <-done }()

			if err := b.Callback(ctx, CallbackRequest{ID: "c1", To: telephony.Address{Driver: "nowhere", User: "138"}}); err == nil {
				t.Error("a request on a driver that does not exist was taken")
			}
			if err := b.Callback(ctx, CallbackRequest{ID: "c1", To: telephony.Address{Driver: "trunk", User: "13800138000"}, From: "96315"}); err != nil {
				t.Fatal(err)
			}
			if len(a.requested) != 1 || a.requested[0] != "c1 13800138000" {
				t.Fatalf("acd asked for %v", a.requested)
			}
			// The ACD offers the request; the agent answers; the trunk fails.
			a.offers <- offerOf(ctx)
			if got := <-a.outcomes; got != tt.want {
				t.Errorf("reported %q, want %q", got, tt.want)
			}
			<-agentLeg.Context().Done() // the agent's leg is hung up after the failed try
		})
	}
}
