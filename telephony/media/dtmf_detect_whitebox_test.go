package media

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestDTMFDetectorQuietFrames: skipping the analysis of quiet frames changes
// nothing the detector reports, key or frame, on keys of every length and
// level the receiver must take, with pauses of silence or of faint noise
// around them.
func TestDTMFDetectorQuietFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	tests := []struct {
		name      string
		noise     float64 // peak of the noise under everything, in samples
		wantQuiet bool    // some frames are skipped
	}{
		{"silence", 0, true},
		{"quiet noise", 40, true},
		{"noise at the threshold", 89, true},
		{"noise over it", 300, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var frames []Frame
			for range 200 {
				key := "0123456789*#ABCD"[rng.IntN(16)]
				on := time.Duration(25+rng.IntN(100)) * time.Millisecond
				off := time.Duration(20+rng.IntN(200)) * time.Millisecond
				level := -30 + rng.Float64()*28
				g, err := NewDTMFTone(key, on, off, level)
				if err != nil {
					t.Fatal(err)
				}
				var f Frame
				for g.Next(&f) {
					for i := range f.Samples {
						f.Samples[i] = saturate(float64(f.Samples[i]) + tt.noise*(2*rng.Float64()-1))
					}
					frames = append(frames, f)
				}
			}
			gated := NewDTMFDetector(DTMFConfig{})
			all := NewDTMFDetector(DTMFConfig{})
			all.quietPeak = -1 // no frame is quiet
			keys, skipped := 0, 0
			for i := range frames {
				if gated.quiet && quiet(&frames[i], gated.quietPeak) {
					skipped++
				}
				k1, ok1 := gated.Process(&frames[i])
				k2, ok2 := all.Process(&frames[i])
				if k1 != k2 || ok1 != ok2 {
					t.Fatalf("frame %d: %q %v skipping quiet frames, %q %v analysing all", i, k1, ok1, k2, ok2)
				}
				if ok1 {
					keys++
				}
			}
			if (skipped > 0) != tt.wantQuiet {
				t.Errorf("%d of %d frames skipped as quiet", skipped, len(frames))
			}
			if keys < 150 {
				t.Errorf("%d keys found of 200 pressed: the test's tones are too weak to show anything", keys)
			}
		})
	}
}

func quiet(f *Frame, peak int16) bool {
	for _, s := range f.Samples {
		if s > peak || s < -peak {
			return false
		}
	}
	return true
}
