package telephony_test

import (
	"context"
	"testing"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/telephonytest"
)

// oneLeg is a driver that serves one inbound leg, then waits for the end.
// It tells taker whether its handler was a LegTaker.
type oneLeg struct {
	leg   *telephonytest.Leg
	taker chan bool
}

func (d oneLeg) Name() string { return "one" }
func (d oneLeg) Serve(ctx context.Context, h telephony.Handler) error {
	_, ok := h.(telephony.LegTaker)
	d.taker <- ok
	h.ServeLeg(ctx, d.leg)
	<-ctx.Done()
	return nil
}
func (d oneLeg) Dial(context.Context, telephony.Address, telephony.DialOptions) (telephony.Leg, error) {
	return nil, telephony.ErrUnavailable
}
func (d oneLeg) Lines() []telephony.LineState { return nil }

// journal is a Journal that answers when the test says.
type journal struct {
	got     chan event.CallStarted
	release chan error
}

func (j journal) Started(ctx context.Context, e event.CallStarted) error {
	j.got <- e
	select {
	case err := <-j.release:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestCallServedAfterItsStartIsJournaled: the handler gets a new call's leg,
// and the leg is Taken (what a driver waits for before it rings), only once
// the journal has its start; a journal that does not answer holds the call
// no longer than the wait SetJournal was given.
func TestCallServedAfterItsStartIsJournaled(t *testing.T) {
	tests := []struct {
		name    string
		release bool // the journal answers; else it stalls
	}{
		{"journal answers", true},
		{"journal stalls", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leg := telephonytest.NewLeg(telephony.LegInfo{CallID: "c1", From: "1", To: "ivr", Direction: telephony.Inbound, Created: time.Now()}, true)
			drv := oneLeg{leg, make(chan bool, 1)}
			c, err := telephony.NewCalls([]telephony.Driver{drv}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			j := journal{got: make(chan event.CallStarted, 1), release: make(chan error, 1)}
			const wait = 100 * time.Millisecond
			c.SetJournal(j, wait)
			served := make(chan time.Time, 1)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				done <- c.Serve(ctx, telephony.HandlerFunc(func(context.Context, telephony.Leg) { served <- time.Now() }))
			}()
			if !<-drv.taker {
				t.Error("the core's handler is no LegTaker: drivers would ring before the record is on disk")
			}
			e := <-j.got
			asked := time.Now()
			if e.CallID != "c1" || e.From != "1" {
				t.Errorf("journal got %+v", e)
			}
			select {
			case <-served:
				t.Fatal("the handler got the leg before the journal answered")
			case <-leg.Taken():
				t.Fatal("the leg was taken before the journal answered")
			default:
			}
			if tt.release {
				j.release <- nil
			}
			at := <-served
			select {
			case <-leg.Taken():
			default:
				t.Error("the handler has the leg, and it is not Taken")
			}
			if !tt.release && at.Sub(asked) > 10*wait {
				t.Errorf("a stalled journal held the call %v; want about %v", at.Sub(asked), wait)
			}
			cancel()
			leg.Close()
			if err := <-done; err != nil {
				t.Error(err)
			}
		})
	}
}
