package tts_test

import (
	"testing"
	"time"

	"tracecall/ivr/tts"
	"tracecall/telephony/media"
)

func TestClipFrames(t *testing.T) {
	tests := []struct {
		name       string
		samples    int
		wantFrames int
		wantDur    time.Duration
	}{
		{"empty", 0, 0, 0},
		{"one sample", 1, 1, 125 * time.Microsecond},
		{"one frame", 160, 1, 20 * time.Millisecond},
		{"frame and a bit", 170, 2, 21250 * time.Microsecond},
		{"one second", 8000, 50, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &tts.Clip{Samples: make([]int16, tt.samples)}
			for i := range c.Samples {
				c.Samples[i] = int16(i%1000 + 1)
			}
			if c.Frames() != tt.wantFrames || c.Duration() != tt.wantDur {
				t.Fatalf("frames, duration = %d, %v; want %d, %v", c.Frames(), c.Duration(), tt.wantFrames, tt.wantDur)
			}
			var f media.Frame
			for n := range c.Frames() {
				f.Samples[len(f.Samples)-1] = 99 // must be overwritten, by audio or padding
				f.Seq = 7
				if !c.Frame(n, &f) {
					t.Fatalf("Frame(%d) = false, want true", n)
				}
				for j, v := range f.Samples {
					want := int16(0)
					if k := n*media.FrameSamples + j; k < tt.samples {
						want = c.Samples[k]
					}
					if v != want {
						t.Fatalf("frame %d sample %d = %d, want %d", n, j, v, want)
					}
				}
				if f.Seq != 7 {
					t.Errorf("Frame changed Seq to %d", f.Seq)
				}
			}
			for _, n := range []int{-1, c.Frames(), c.Frames() + 1} {
				if c.Frame(n, &f) {
					t.Errorf("Frame(%d) = true, want false (out of range)", n)
				}
			}
		})
	}
}

func TestClipFrameDoesNotAllocate(t *testing.T) {
	c := &tts.Clip{Samples: make([]int16, 8000)}
	var f media.Frame
	if n := testing.AllocsPerRun(100, func() { c.Frame(49, &f) }); n != 0 {
		t.Errorf("Frame allocates %.0f times, want 0", n)
	}
}
