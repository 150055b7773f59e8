package eventtest_test

import (
	"testing"
	"time"

	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
)

func TestWithBase(t *testing.T) {
	b := event.Base{CallID: "c1", At: time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)}
	in := event.CallQueued{Queue: "trace", Position: 2}
	got, ok := eventtest.WithBase(in, b).(event.CallQueued)
	if !ok || got.Base != b || got.Queue != "trace" || got.Position != 2 {
		t.Errorf("WithBase = %+v, want %+v with its base", got, in)
	}
	if in.Base != (event.Base{}) {
		t.Errorf("WithBase changed its argument: %+v", in)
	}
}
