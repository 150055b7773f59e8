package media_test

import (
	"math"
	"testing"

	"tracecall/telephony/media"
)

func frameOf(v int16) *media.Frame {
	f := new(media.Frame)
	for i := range f.Samples {
		f.Samples[i] = v
	}
	return f
}

func TestSum(t *testing.T) {
	tests := []struct {
		name    string
		talkers []int16 // one constant frame per talker
		own     int     // index of the member whose output is checked; -1 a listener
		want    int16
	}{
		{name: "two talkers hear each other", talkers: []int16{100, -300}, own: 0, want: -300},
		{name: "three talkers hear the other two", talkers: []int16{100, 200, 400}, own: 1, want: 500},
		{name: "listener hears everyone", talkers: []int16{100, 200, 400}, own: -1, want: 700},
		{name: "saturates high", talkers: []int16{30000, 30000, 1}, own: 2, want: math.MaxInt16},
		{name: "saturates low", talkers: []int16{-30000, -30000}, own: -1, want: math.MinInt16},
		{name: "own loudness does not clip the others", talkers: []int16{32767, 32767, -5}, own: 0, want: 32762},
		{name: "alone hears silence", talkers: []int16{1234}, own: 0, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s media.Sum
			frames := make([]*media.Frame, len(tt.talkers))
			for i, v := range tt.talkers {
				frames[i] = frameOf(v)
				s.Add(frames[i])
			}
			if s.Len() != len(tt.talkers) {
				t.Fatalf("Len = %d, want %d", s.Len(), len(tt.talkers))
			}
			var own *media.Frame
			if tt.own >= 0 {
				own = frames[tt.own]
			}
			var out media.Frame
			s.Out(&out, own)
			for i, v := range out.Samples {
				if v != tt.want {
					t.Fatalf("sample %d = %d, want %d", i, v, tt.want)
				}
			}
		})
	}
}

func TestSumReset(t *testing.T) {
	var s media.Sum
	s.Add(frameOf(500))
	s.Reset()
	s.Add(frameOf(7))
	var out media.Frame
	s.Out(&out, nil)
	if out.Samples[0] != 7 || out.Samples[159] != 7 || s.Len() != 1 {
		t.Fatalf("after Reset: %d/%d, Len %d; want 7 and Len 1", out.Samples[0], out.Samples[159], s.Len())
	}
}

func BenchmarkSumThree(b *testing.B) {
	var s media.Sum
	fs := []*media.Frame{frameOf(1), frameOf(2), frameOf(3)}
	var out media.Frame
	b.ReportAllocs()
	for b.Loop() {
		s.Reset()
		for _, f := range fs {
			s.Add(f)
		}
		for _, f := range fs {
			s.Out(&out, f)
		}
	}
}
