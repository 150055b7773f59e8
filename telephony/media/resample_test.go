package media_test

import (
	"math"
	"slices"
	"testing"

	"tracecall/telephony/media"
)

// rsTone returns seconds of a sine at freq Hz sampled at rate, with amplitude amp
// (a fraction of full scale).
func rsTone(freq float64, rate int, seconds, amp float64) []int16 {
	out := make([]int16, int(seconds*float64(rate)))
	for i := range out {
		out[i] = int16(math.Round(amp * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))))
	}
	return out
}

// rsInterior drops 30 ms at each end, where the filter sees the signal start and stop.
func rsInterior(s []int16, rate int) []int16 {
	edge := rate * 30 / 1000
	return s[edge : len(s)-edge]
}

func rsRMS(s []int16) float64 {
	var sum float64
	for _, v := range s {
		sum += float64(v) * float64(v)
	}
	return math.Sqrt(sum / float64(len(s)))
}

func rsDB(ratio float64) float64 { return 20 * math.Log10(ratio) }

// rsFitSine fits a*sin + b*cos at freq Hz by least squares and returns the fitted
// amplitude and the RMS of what is left over.
func rsFitSine(s []int16, freq float64, rate int) (amp, residual float64) {
	var ss, cc, sc, ys, yc float64
	w := 2 * math.Pi * freq / float64(rate)
	for i, v := range s {
		sn, cs := math.Sincos(w * float64(i))
		ss += sn * sn
		cc += cs * cs
		sc += sn * cs
		ys += float64(v) * sn
		yc += float64(v) * cs
	}
	det := ss*cc - sc*sc
	a := (ys*cc - yc*sc) / det
	b := (yc*ss - ys*sc) / det
	var sum float64
	for i, v := range s {
		sn, cs := math.Sincos(w * float64(i))
		r := float64(v) - a*sn - b*cs
		sum += r * r
	}
	return math.Hypot(a, b), math.Sqrt(sum / float64(len(s)))
}

// rsCrossings estimates the frequency of s from its rising zero crossings.
func rsCrossings(s []int16, rate int) float64 {
	first, last, n := -1, -1, 0
	for i := 1; i < len(s); i++ {
		if s[i-1] < 0 && s[i] >= 0 {
			if first < 0 {
				first = i
			} else {
				n++
			}
			last = i
		}
	}
	return float64(n) * float64(rate) / float64(last-first)
}

func TestResampleKeepsTone(t *testing.T) {
	tests := []struct {
		name     string
		from, to int
		minSNR   float64 // dB of the 1 kHz tone over everything else
	}{
		{"22050 to 8000", 22050, 8000, 80},
		{"44100 to 8000", 44100, 8000, 80},
		{"48000 to 8000", 48000, 8000, 80},
		{"32000 to 8000", 32000, 8000, 80},
		{"24000 to 8000", 24000, 8000, 80},
		{"16000 to 8000", 16000, 8000, 80},
		{"11025 to 8000", 11025, 8000, 80},
		{"44101 to 8000 rounded phases", 44101, 8000, 75},
		{"8000 to 16000", 8000, 16000, 80},
		{"8000 to 22050", 8000, 22050, 80},
		{"8000 to 44100", 8000, 44100, 80},
		{"8000 to 48000", 8000, 48000, 80},
		{"8000 to 8001 rounded phases", 8000, 8001, 65},
	}
	const freq, amp = 1000.0, 0.5
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := rsTone(freq, tt.from, 1, amp)
			out := media.Resample(nil, src, tt.from, tt.to)
			if want := (len(src)*tt.to + tt.from - 1) / tt.from; len(out) != want {
				t.Fatalf("len = %d, want %d", len(out), want)
			}
			mid := rsInterior(out, tt.to)
			if got := rsCrossings(mid, tt.to); math.Abs(got-freq) > 1 {
				t.Errorf("frequency = %.2f Hz, want %.0f", got, freq)
			}
			fit, residual := rsFitSine(mid, freq, tt.to)
			if level := rsDB(fit / (amp * 32767)); math.Abs(level) > 0.05 {
				t.Errorf("level changed by %.3f dB, want within 0.05", level)
			}
			if level := rsDB(rsRMS(mid) / rsRMS(rsInterior(src, tt.from))); math.Abs(level) > 0.05 {
				t.Errorf("RMS changed by %.3f dB, want within 0.05", level)
			}
			snr := rsDB(fit / math.Sqrt2 / residual)
			if snr < tt.minSNR {
				t.Errorf("SNR = %.1f dB, want at least %.0f", snr, tt.minSNR)
			}
			t.Logf("SNR %.1f dB", snr)
		})
	}
}

func TestResampleRejectsAliases(t *testing.T) {
	tests := []struct {
		name     string
		from     int
		freq     float64 // above 4 kHz: would fold into the telephone band
		maxLevel float64 // dB relative to the input
	}{
		{"6 kHz at 22050", 22050, 6000, -75},
		{"5 kHz at 22050", 22050, 5000, -75},
		{"10 kHz at 22050", 22050, 10000, -75},
		{"7 kHz at 44100", 44100, 7000, -75},
		{"15 kHz at 44100", 44100, 15000, -75},
		{"7 kHz at 48000", 48000, 7000, -75},
		{"4.5 kHz at 16000", 16000, 4500, -70},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := rsTone(tt.freq, tt.from, 1, 0.5)
			out := media.Resample(nil, src, tt.from, media.SampleRate)
			level := rsDB(rsRMS(rsInterior(out, media.SampleRate)) / rsRMS(src))
			if level > tt.maxLevel {
				t.Errorf("alias level = %.1f dB, want at most %.0f", level, tt.maxLevel)
			}
			t.Logf("alias level %.1f dB", level)
		})
	}
}

func TestResampleRoundTrip(t *testing.T) {
	for _, rate := range []int{16000, 22050, 44100, 48000} {
		src := rsTone(1000, media.SampleRate, 1, 0.5)
		up := media.Resample(nil, src, media.SampleRate, rate)
		back := media.Resample(nil, up, rate, media.SampleRate)
		if len(back) != len(src) {
			t.Fatalf("%d Hz: round trip len = %d, want %d", rate, len(back), len(src))
		}
		var sum float64
		a, b := rsInterior(src, media.SampleRate), rsInterior(back, media.SampleRate)
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			sum += d * d
		}
		if snr := rsDB(rsRMS(a) / math.Sqrt(sum/float64(len(a)))); snr < 60 {
			t.Errorf("%d Hz: round trip SNR = %.1f dB, want at least 60", rate, snr)
		}
	}
}

func TestResampleBuffers(t *testing.T) {
	src := rsTone(1000, 16000, 0.1, 0.5)
	tests := []struct {
		name     string
		dst      []int16
		src      []int16
		from, to int
		wantLen  int
	}{
		{"empty source", []int16{7}, nil, 16000, 8000, 1},
		{"zero rate", []int16{7}, src, 0, 8000, 1},
		{"negative rate", []int16{7}, src, 16000, -8000, 1},
		{"equal rates copy", []int16{7}, src, 16000, 16000, 1 + len(src)},
		{"halve", []int16{7}, src, 16000, 8000, 1 + len(src)/2},
		{"odd length rounds up", []int16{7}, src[:3], 16000, 8000, 1 + 2},
		{"one sample up", []int16{7}, src[:1], 8000, 44100, 1 + 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := media.Resample(tt.dst, tt.src, tt.from, tt.to)
			if len(got) != tt.wantLen {
				t.Fatalf("len = %d, want %d", len(got), tt.wantLen)
			}
			if got[0] != 7 {
				t.Errorf("dst[0] = %d, want the prefix 7 kept", got[0])
			}
		})
	}

	t.Run("reuses capacity", func(t *testing.T) {
		buf := make([]int16, 0, len(src))
		got := media.Resample(buf, src, 16000, 8000)
		if &got[0] != &buf[:1][0] {
			t.Error("Resample reallocated although dst had room")
		}
	})
	t.Run("full scale clamps", func(t *testing.T) {
		sq := make([]int16, 4000)
		for i := range sq {
			sq[i] = math.MaxInt16
			if i/50%2 == 1 {
				sq[i] = math.MinInt16
			}
		}
		out := media.Resample(nil, sq, 16000, 8000) // overshoot must clamp, not wrap
		if lo, hi := slices.Min(out), slices.Max(out); lo != math.MinInt16 || hi != math.MaxInt16 {
			t.Errorf("range = [%d, %d], want clamped to full scale", lo, hi)
		}
	})
}

func TestFramesFromPCM(t *testing.T) {
	tests := []struct {
		name       string
		samples    int
		wantFrames int
	}{
		{"none", 0, 0},
		{"one sample", 1, 1},
		{"exact frame", 160, 1},
		{"frame and one", 161, 2},
		{"two and a half", 400, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples := make([]int16, tt.samples)
			for i := range samples {
				samples[i] = int16(i + 1)
			}
			frames := media.FramesFromPCM(samples)
			if len(frames) != tt.wantFrames {
				t.Fatalf("frames = %d, want %d", len(frames), tt.wantFrames)
			}
			for i, f := range frames {
				for j, v := range f.Samples {
					want := int16(0) // padding
					if n := i*media.FrameSamples + j; n < tt.samples {
						want = int16(n + 1)
					}
					if v != want {
						t.Fatalf("frame %d sample %d = %d, want %d", i, j, v, want)
					}
				}
			}
		})
	}
}

func BenchmarkResample(b *testing.B) {
	for _, bb := range []struct {
		name     string
		from, to int
	}{
		{"22050to8000", 22050, 8000},
		{"44100to8000", 44100, 8000},
		{"16000to8000", 16000, 8000},
		{"8000to16000", 8000, 16000},
	} {
		b.Run(bb.name, func(b *testing.B) {
			src := rsTone(1000, bb.from, 1, 0.5) // one second of audio per op
			dst := make([]int16, 0, bb.to+1)
			b.SetBytes(int64(2 * len(src)))
			for b.Loop() {
				dst = media.Resample(dst[:0], src, bb.from, bb.to)
			}
		})
	}
}
