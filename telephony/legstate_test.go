package telephony_test

import (
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// stateLeg is a leg's bookkeeping as drivers embed it.
type stateLeg struct {
	mu sync.Mutex
	telephony.LegState
}

func newStateLeg() *stateLeg {
	l := &stateLeg{}
	l.Init(&l.mu)
	return l
}

func TestLegStateEndsOnce(t *testing.T) {
	at := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		answer   bool // answered before the first end
		wantUp   bool // AnsweredLocked after both ends
		firstBy  string
		secondBy string
	}{
		{name: "ringing", firstBy: "caller", secondBy: "ivr"},
		{name: "answered", answer: true, wantUp: true, firstBy: "ivr", secondBy: "caller"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newStateLeg()
			if _, ended := l.Ended(); ended {
				t.Fatal("a new leg has ended")
			}
			l.mu.Lock()
			if tt.answer && !l.AnswerLocked() {
				t.Fatal("AnswerLocked on a live leg = false")
			}
			first := l.EndLocked(tt.firstBy, telephony.CauseNormal, at)
			second := l.EndLocked(tt.secondBy, telephony.CauseFailure, at.Add(time.Second))
			late := l.AnswerLocked()
			up := l.AnsweredLocked()
			l.mu.Unlock()
			if !first || second {
				t.Errorf("EndLocked = %v then %v, want true then false", first, second)
			}
			if late {
				t.Error("AnswerLocked after the end = true")
			}
			if up != tt.wantUp {
				t.Errorf("AnsweredLocked = %v, want %v", up, tt.wantUp)
			}
			h, ended := l.Ended()
			want := telephony.HangupInfo{By: tt.firstBy, Cause: telephony.CauseNormal, At: at}
			if !ended || h != want {
				t.Errorf("Ended = %+v, %v; want %+v, true (the first end)", h, ended, want)
			}
			if l.Context().Err() != nil {
				t.Error("Context ended before Cancel")
			}
			l.Cancel()
			if l.Context().Err() == nil {
				t.Error("Context alive after Cancel")
			}
		})
	}
}

func TestLegStateFrames(t *testing.T) {
	l := newStateLeg()
	q := make(chan media.Frame, 1)
	in := media.Frame{Seq: 7}
	if err := l.WriteFrameTo(q, &in); err != nil {
		t.Fatalf("WriteFrameTo: %v", err)
	}
	var out media.Frame
	if err := l.ReadFrameFrom(q, &out); err != nil || out.Seq != 7 {
		t.Fatalf("ReadFrameFrom = seq %d, %v; want 7, nil", out.Seq, err)
	}
	l.Cancel()
	if err := l.ReadFrameFrom(q, &out); !errors.Is(err, io.EOF) {
		t.Errorf("ReadFrameFrom after Cancel = %v, want io.EOF", err)
	}
	q <- in // full: a write can only end by the Context
	if err := l.WriteFrameTo(q, &in); !errors.Is(err, io.EOF) {
		t.Errorf("WriteFrameTo after Cancel = %v, want io.EOF", err)
	}
}
