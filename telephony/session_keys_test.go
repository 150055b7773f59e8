package telephony_test

import (
	"testing"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// TestSessionCountsEachPressOnce: a press reported twice, out of band and as
// a tone (or by two out-of-band means), is one key; presses stay apart, even
// two of one key in quick succession, and reports from one source are never
// merged.
func TestSessionCountsEachPressOnce(t *testing.T) {
	type report struct {
		key    byte
		source string
		ms     int // when the driver took it, from the first
	}
	r := func(key byte, source string, ms int) report { return report{key, source, ms} }
	tests := []struct {
		name    string
		reports []report
		want    string
	}{
		{"an event, then its tone", []report{r('5', "rfc4733", 0), r('5', "inband", 40)}, "5"},
		{"a tone, then its late event", []report{r('5', "inband", 0), r('5', "rfc4733", 60)}, "5"},
		{"info and an event for one press", []report{r('5', "info", 0), r('5', "rfc4733", 20)}, "5"},
		{"a code, each key both ways", []report{
			r('1', "rfc4733", 0), r('1', "inband", 40),
			r('2', "rfc4733", 200), r('2', "inband", 240),
			r('#', "rfc4733", 400), r('#', "inband", 445),
		}, "12#"},
		{"one key twice quickly (40 ms on, 40 off), both ways", []report{
			r('5', "rfc4733", 0), r('5', "inband", 40), r('5', "rfc4733", 80), r('5', "inband", 120),
		}, "55"},
		{"one key twice, the tone later than the next event", []report{
			r('5', "rfc4733", 0), r('5', "rfc4733", 80), r('5', "inband", 90), r('5', "inband", 170),
		}, "55"},
		{"one key twice from one source", []report{r('5', "rfc4733", 0), r('5', "rfc4733", 50)}, "55"},
		{"one key twice in band", []report{r('5', "inband", 0), r('5', "inband", 90)}, "55"},
		{"the tone of the first of two missed", []report{
			r('5', "rfc4733", 0), r('5', "rfc4733", 150), r('5', "inband", 190),
		}, "55"},
		{"the event of the second of two lost", []report{
			r('5', "rfc4733", 0), r('5', "inband", 40), r('5', "inband", 190),
		}, "55"},
		{"two keys at once", []report{r('5', "rfc4733", 0), r('6', "inband", 40)}, "56"},
		{"the same key, apart", []report{r('5', "rfc4733", 0), r('5', "inband", 300)}, "55"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, l, _ := newSession(t, true)
			t0 := time.Now().Add(-5 * time.Second) // the driver's times, long before the session reads them
			for _, rp := range tt.reports {
				l.Report(telephony.Digit{Key: rp.key, Source: rp.source, At: t0.Add(time.Duration(rp.ms) * time.Millisecond)})
			}
			l.Exchange(media.Frame{}) // the loop takes every waiting key with this frame
			if got := pending(s); got != tt.want {
				t.Errorf("keys %q, want %q", got, tt.want)
			}
		})
	}
}

// TestSessionHearsTonesBesideEvents: a leg with out-of-band keys still has its
// audio listened to; a press both in the audio and out of band is one key.
func TestSessionHearsTonesBesideEvents(t *testing.T) {
	s, l, _ := newSession(t, true)
	play := func(key byte) {
		g, err := media.NewDTMFTone(key, 80*time.Millisecond, 80*time.Millisecond, -10)
		if err != nil {
			t.Fatal(err)
		}
		var f media.Frame
		for g.Next(&f) {
			l.Exchange(f)
		}
	}
	play('3') // only in band
	l.Report(telephony.Digit{Key: '4', Source: "rfc4733", At: time.Now()})
	play('4') // both ways
	l.Report(telephony.Digit{Key: '5', Source: "rfc4733", At: time.Now()})
	l.Exchange(media.Frame{}) // only out of band
	if got := pending(s); got != "345" {
		t.Errorf("keys %q, want 345", got)
	}
}

// pending reads the keys the session holds.
func pending(s *telephony.Session) string {
	var got string
	for {
		select {
		case d := <-s.Digits():
			got += string(d.Key)
		default:
			return got
		}
	}
}
