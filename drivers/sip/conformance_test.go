package sip_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"tracecall/drivers/drivertest"
	"tracecall/drivers/sip"
	"tracecall/drivers/sip/siptest"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// TestConformance runs the driver conformance suite with a second SIP
// driver over loopback as every far end: it calls in through its trunk (the
// driver under test) and answers what the driver under test sends to its own
// trunk. Keys go in band, as tones in the RTP audio.
func TestConformance(t *testing.T) {
	drivertest.Run(t, func(t *testing.T, pub *event.Client) drivertest.Rig {
		dutAddr := fmt.Sprintf("127.0.0.1:%d", siptest.FreePort(t))
		farAddr := fmt.Sprintf("127.0.0.1:%d", siptest.FreePort(t))
		dut, err := sip.New(sip.Config{Listen: dutAddr, Trunk: farAddr, RTPPortMin: 30000, RTPPortMax: 39999}, pub, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { dut.Close() })
		far, err := sip.New(sip.Config{Name: "far", Listen: farAddr, Trunk: dutAddr, RTPPortMin: 30000, RTPPortMax: 39999}, nil, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { far.Close() })
		answered := make(chan telephony.Leg, 4)
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan struct{})
		go func() {
			defer close(served)
			_ = far.Serve(ctx, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
				if err := l.Answer(ctx); err != nil {
					return
				}
				answered <- l
				<-l.Context().Done()
			}))
		}()
		t.Cleanup(func() { cancel(); <-served })
		return drivertest.Rig{
			Driver: dut,
			Call: func(ctx context.Context) (drivertest.Far, error) {
				return dialIn(far), nil
			},
			Callee: telephony.Address{Driver: "sip", User: "5000"},
			CalleeFar: func(ctx context.Context) (drivertest.Far, error) {
				select {
				case l := <-answered:
					return newFarLeg(l), nil
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			},
		}
	})
}

// farLeg is a far end that is a SIP leg of the far driver.
type farLeg struct {
	ready chan struct{} // closed once the dial is over
	leg   telephony.Leg // set before ready closes; nil if the dial failed
	err   error
	done  chan struct{}
	once  sync.Once
}

// dialIn calls the driver under test from the far driver, in the background:
// the dial returns only once the call is answered, and the suite wants the
// caller before that. It tries again while the driver under test is not
// serving yet.
func dialIn(far *sip.Driver) *farLeg {
	f := &farLeg{ready: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.ready)
		ctx, cancel := context.WithTimeout(context.Background(), drivertest.Wait)
		defer cancel()
		for {
			f.leg, f.err = far.Dial(ctx, telephony.Address{Driver: "far", User: "ivr"}, telephony.DialOptions{From: "13800138000"})
			if f.err == nil || !errors.Is(f.err, telephony.ErrUnavailable) || ctx.Err() != nil {
				break
			}
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
			}
		}
		if f.leg == nil {
			f.once.Do(func() { close(f.done) })
			return
		}
		go func() {
			<-f.leg.Context().Done()
			f.once.Do(func() { close(f.done) })
		}()
	}()
	return f
}

func newFarLeg(l telephony.Leg) *farLeg {
	f := &farLeg{ready: make(chan struct{}), leg: l, done: make(chan struct{})}
	close(f.ready)
	go func() {
		<-l.Context().Done()
		f.once.Do(func() { close(f.done) })
	}()
	return f
}

// Keys plays each key as a 100 ms DTMF tone and 100 ms of silence; the leg's
// send queue paces the frames at 20 ms.
func (f *farLeg) Keys(keys string) error {
	<-f.ready
	if f.leg == nil {
		return fmt.Errorf("far end: the call failed: %w", f.err)
	}
	_, w, err := f.leg.Media()
	if err != nil {
		return err
	}
	var fr media.Frame
	for i := range len(keys) {
		g, err := media.NewDTMFTone(keys[i], 100*time.Millisecond, 100*time.Millisecond, -10)
		if err != nil {
			return err
		}
		for g.Next(&fr) {
			if err := w.WriteFrame(&fr); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *farLeg) Hangup() {
	<-f.ready
	if f.leg != nil {
		_ = f.leg.Hangup(context.Background(), telephony.CauseNormal)
	}
}

func (f *farLeg) Done() <-chan struct{} { return f.done }
