package telephony_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media"
	"tracecall/telephony/telephonytest"
)

// tone is a source of n frames of a loud square wave.
type tone int

func (n tone) Frame(i int, f *media.Frame) bool {
	if i >= int(n) {
		return false
	}
	for j := range f.Samples {
		f.Samples[j] = 8000
		if j%16 < 8 {
			f.Samples[j] = -8000
		}
	}
	return true
}

func newSession(t *testing.T, outOfBand bool) (*telephony.Session, *telephonytest.Leg, *event.Bus) {
	t.Helper()
	bus := event.New(nil)
	l := telephonytest.NewLeg(telephony.LegInfo{ID: "t1", CallID: "c1"}, outOfBand)
	s, err := telephony.NewSession(l, bus.Client("test"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	return s, l, bus
}

func TestPlayRunsToTheEnd(t *testing.T) {
	s, l, _ := newSession(t, true)
	done := make(chan telephony.PlayResult, 1)
	go func() {
		r, _ := s.Play(context.Background(), tone(5), true)
		done <- r
	}()
	var loud int
	r := exchangeUntil(t, l, done, func(g media.Frame) {
		if g.Samples[0] != 0 {
			loud++
		}
	})
	if r != telephony.PlayCompleted {
		t.Errorf("Play = %v, want completed", r)
	}
	if loud != 5 {
		t.Errorf("far end heard %d frames of the source, want 5", loud)
	}
}

func TestKeyBargesInAndStaysReadable(t *testing.T) {
	s, l, bus := newSession(t, true)
	sub := event.Subscribe[event.DigitReceived](bus.Client("w"))
	done := make(chan telephony.PlayResult, 1)
	go func() {
		r, _ := s.Play(context.Background(), tone(1000), true)
		done <- r
	}()
	for range 3 {
		l.Exchange(media.Frame{})
	}
	l.Key('7')
	if r := exchangeUntil(t, l, done, nil); r != telephony.PlayInterrupted {
		t.Errorf("Play = %v, want interrupted", r)
	}
	if d := <-s.Digits(); d.Key != '7' {
		t.Errorf("digit %q, want 7", d.Key)
	}
	if e := <-sub.Events(); e.Key != "7" || e.CallID != "c1" {
		t.Errorf("event %+v", e)
	}
	// A key already waiting means a bargeable prompt is not played at all.
	l.Key('8')
	l.Exchange(media.Frame{})
	if r, _ := s.Play(context.Background(), tone(1000), true); r != telephony.PlayInterrupted {
		t.Errorf("Play with a key waiting = %v, want interrupted at once", r)
	}
}

// exchangeUntil plays the far end, a frame at a time, until Play reports on done
// (its goroutine may start late, and the media loop only turns when frames come).
func exchangeUntil(t *testing.T, l *telephonytest.Leg, done <-chan telephony.PlayResult, heard func(media.Frame)) telephony.PlayResult {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		g, ok := l.Exchange(media.Frame{})
		if !ok {
			t.Fatal("leg ended")
		}
		if heard != nil {
			heard(g)
		}
		select {
		case r := <-done:
			return r
		default:
		}
	}
	t.Fatal("Play never returned")
	return 0
}

func TestInBandKeysAreDetected(t *testing.T) {
	s, l, _ := newSession(t, false)
	g, err := media.NewDTMFTone('#', 100*time.Millisecond, 100*time.Millisecond, -10)
	if err != nil {
		t.Fatal(err)
	}
	var f media.Frame
	for g.Next(&f) {
		l.Exchange(f)
	}
	select {
	case d := <-s.Digits():
		if d.Key != '#' || d.Source != "inband" {
			t.Errorf("digit %+v, want # in band", d)
		}
	case <-time.After(time.Second):
		t.Fatal("in-band # not detected")
	}
}

func TestHangupEndsPlay(t *testing.T) {
	s, l, _ := newSession(t, true)
	done := make(chan error, 1)
	go func() {
		_, err := s.Play(context.Background(), tone(1000), false)
		done <- err
	}()
	l.Exchange(media.Frame{})
	l.Close()
	if err := <-done; !errors.Is(err, telephony.ErrHungUp) {
		t.Errorf("Play after hangup: %v, want ErrHungUp", err)
	}
	<-s.Done()
}
