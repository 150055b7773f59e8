package telephony_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
	"tracecall/telephony/media"
	"tracecall/telephony/telephonytest"
)

// farEnd plays one party of a bridged call: it sends frames marked with mark
// and reports the first frame it hears that carries want.
func farEnd(l *telephonytest.Leg, mark, want int16, heard chan<- struct{}) {
	var f media.Frame
	f.Samples[0] = mark
	told := false
	for {
		g, ok := l.Exchange(f)
		if !ok {
			return
		}
		if g.Samples[0] == want && !told {
			told = true
			heard <- struct{}{}
		}
	}
}

func TestBridge(t *testing.T) {
	tests := []struct {
		name     string
		hangsUp  string // which far end hangs up
		wantBy   string
		survivor string
	}{
		{name: "caller hangs up", hangsUp: "a", wantBy: "a", survivor: "b"},
		{name: "agent hangs up", hangsUp: "b", wantBy: "b", survivor: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bus := event.New(nil)
			w := eventtest.Watch(t, bus)
			a := telephonytest.NewLeg(telephony.LegInfo{ID: "a", CallID: "c1", Line: "sim/1"}, false)
			b := telephonytest.NewLeg(telephony.LegInfo{ID: "b", CallID: "c1", Line: "sim/phone/8001"}, false)
			t.Cleanup(a.Close)
			t.Cleanup(b.Close)
			done := make(chan error, 1)
			go func() {
				done <- telephony.Bridge(context.Background(), a, b, telephony.WithBridgeEvents(bus.Client("bridge")))
			}()

			aHeard, bHeard := make(chan struct{}, 1), make(chan struct{}, 1)
			go farEnd(a, 1, 2, aHeard)
			go farEnd(b, 2, 1, bHeard)
			<-aHeard // a hears b
			<-bHeard // b hears a
			eventtest.Expect(w, time.Second, func(e event.CallBridged) bool { return e.A == "a" && e.B == "b" && e.BLine == "sim/phone/8001" })

			legs := map[string]*telephonytest.Leg{"a": a, "b": b}
			legs[tt.hangsUp].Close()
			if err := <-done; err != nil {
				t.Fatalf("Bridge = %v, want nil", err)
			}
			h, ended := legs[tt.survivor].Ended()
			if !ended || h.Cause != telephony.CauseNormal {
				t.Fatalf("other leg: ended %v, cause %q; want hung up normally", ended, h.Cause)
			}
			u := eventtest.Expect(w, time.Second, func(e event.CallUnbridged) bool { return true })
			if u.By != tt.wantBy || u.CallID != "c1" {
				t.Fatalf("CallUnbridged = %+v, want by %q on c1", u, tt.wantBy)
			}
		})
	}
}

func TestBridgeContextLeavesLegsUp(t *testing.T) {
	a := telephonytest.NewLeg(telephony.LegInfo{ID: "a", CallID: "c1"}, false)
	b := telephonytest.NewLeg(telephony.LegInfo{ID: "b", CallID: "c1"}, false)
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- telephony.Bridge(ctx, a, b) }()
	heard := make(chan struct{}, 2)
	go farEnd(a, 1, 2, heard)
	go farEnd(b, 2, 1, heard)
	<-heard
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Bridge = %v, want context.Canceled", err)
	}
	for _, l := range []*telephonytest.Leg{a, b} {
		if _, ended := l.Ended(); ended {
			t.Fatalf("leg %s hung up; a bridge taken down by its context leaves legs up", l.ID())
		}
	}
}

// A session released mid-call hands its leg's media on without hanging up.
func TestSessionRelease(t *testing.T) {
	s, l, _ := newSession(t, true)
	go func() {
		for {
			if _, ok := l.Exchange(media.Frame{}); !ok {
				return
			}
		}
	}()
	if err := s.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	if !errors.Is(s.Err(), telephony.ErrReleased) {
		t.Fatalf("Err = %v, want ErrReleased", s.Err())
	}
	if _, ended := l.Ended(); ended {
		t.Fatal("Release hung the leg up")
	}
}
