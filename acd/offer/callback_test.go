package offer_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/acd/offer"
	"tracecall/telephony"
	"tracecall/telephony/media/clock"
	"tracecall/telephony/telephonytest"
)

// namedDriver is a fake driver called name whose Dial answers with leg, or
// fails with err.
type namedDriver struct {
	name string
	leg  telephony.Leg
	err  error
}

func (d *namedDriver) Name() string                                         { return d.name }
func (d *namedDriver) Serve(ctx context.Context, _ telephony.Handler) error { <-ctx.Done(); return nil }
func (d *namedDriver) Dial(context.Context, telephony.Address, telephony.DialOptions) (telephony.Leg, error) {
	return d.leg, d.err
}

// callbackACD records what the dialler tells the ACD; retry is what
// CallbackResult answers.
type callbackACD struct {
	results
	mu2       sync.Mutex
	requested []string
	outcomes  chan string
	retry     bool
}

func (a *callbackACD) Callback(_ context.Context, id telephony.CallID, number string) error {
	a.mu2.Lock()
	defer a.mu2.Unlock()
	a.requested = append(a.requested, string(id)+" "+number)
	return nil
}

func (a *callbackACD) CallbackResult(_ context.Context, _ telephony.CallID, result string) (bool, error) {
	a.outcomes <- result
	return a.retry, nil
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
			phones := &namedDriver{name: "phones", leg: agentLeg}
			trunk := &namedDriver{name: "trunk", err: tt.dialErr}
			o := offer.New([]telephony.Driver{phones, trunk}, nil)
			a := &callbackACD{outcomes: make(chan string, 1)}
			o.Attach(a)
			cb := offer.NewCallbacks(o, a, clock.New(nil), nil, time.Second, nil) // no room: every try fails
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- cb.Run(ctx) }()
			defer func() { cancel(); <-done }()

			if err := cb.Request(ctx, offer.CallbackRequest{ID: "c1", To: telephony.Address{Driver: "nowhere", User: "138"}}); err == nil {
				t.Error("a request on a driver that does not exist was taken")
			}
			if err := cb.Request(ctx, offer.CallbackRequest{ID: "c1", To: telephony.Address{Driver: "trunk", User: "13800138000"}, From: "96315"}); err != nil {
				t.Fatal(err)
			}
			if len(a.requested) != 1 || a.requested[0] != "c1 13800138000" {
				t.Fatalf("acd asked for %v", a.requested)
			}
			// The ACD offers the request; the agent answers; the trunk fails.
			o.Offer(ctx, acd.Agent{ID: "8001", Extension: telephony.Address{Driver: "phones", User: "8001"}}, acd.Call{ID: "c1"})
			select {
			case got := <-a.outcomes:
				if got != tt.want {
					t.Errorf("reported %q, want %q", got, tt.want)
				}
			case <-time.After(2 * time.Second):
				t.Fatal("no result reported")
			}
			deadline := time.Now().Add(time.Second)
			for {
				if _, ended := agentLeg.Ended(); ended {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the agent's leg was left up after the failed try")
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}
