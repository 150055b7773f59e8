package tts

import (
	"math"
	"testing"
)

func sine(n int, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	return s
}

func TestTrimSilence(t *testing.T) {
	speech := sine(800, 10000)
	pad := func(lead, tail int, noise int16) []int16 {
		s := make([]int16, lead+len(speech)+tail)
		for i := range s {
			s[i] = noise * int16(i%2*2-1)
		}
		copy(s[lead:], speech)
		return s
	}
	tests := []struct {
		name    string
		in      []int16
		wantLen int
	}{
		{"silence around", pad(4000, 4000, 0), trimLead + len(speech) - 1 + trimTail},
		{"quiet noise around", pad(4000, 4000, 20), trimLead + len(speech) - 1 + trimTail},
		{"margins longer than the clip", pad(10, 10, 0), 10 + len(speech) - 1 + 10},
		{"all silence", make([]int16, 1000), 0},
		{"empty", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// sine(…) starts at a zero crossing, so the first loud sample is index 1
			// and the trimmed clip is one shorter than margin + speech + margin.
			if got := trimSilence(tt.in); math.Abs(float64(len(got)-tt.wantLen)) > 1 {
				t.Errorf("len = %d, want %d", len(got), tt.wantLen)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	level := func(s []int16) float64 { return 20 * math.Log10(speechRMS(s)/32767) }
	tests := []struct {
		name      string
		in        []int16
		wantLevel float64
	}{
		{"quiet speech raised", sine(8000, 1000), -16},
		{"loud speech lowered", sine(8000, 30000), -16},
		{"very quiet held to +20 dB", sine(8000, 50), 20 * math.Log10(50*10/math.Sqrt2/32767)},
		{"silence stays silent", make([]int16, 800), math.Inf(-1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			normalize(tt.in)
			if got := level(tt.in); math.Abs(got-tt.wantLevel) > 0.2 && !(math.IsInf(got, -1) && math.IsInf(tt.wantLevel, -1)) {
				t.Errorf("level = %.2f dBFS, want %.2f", got, tt.wantLevel)
			}
		})
	}

	t.Run("peaks limited", func(t *testing.T) {
		// Quiet tone with sparse clicks: raising the tone to -16 dBFS would send the
		// clicks far past full scale; the limiter must catch them.
		s := sine(8000, 2000)
		for i := 400; i < len(s); i += 800 {
			s[i] = 20000
		}
		normalize(s)
		for i, v := range s {
			if math.Abs(float64(v)) > peakLimit {
				t.Fatalf("sample %d = %d, over the limit %d", i, v, peakLimit)
			}
		}
		if got := level(s); math.Abs(got+16) > 1.5 { // the clicks count in the level too
			t.Errorf("level = %.2f dBFS, want about -16", got)
		}
	})
}

func TestMatchLevels(t *testing.T) {
	loud, quiet, louder := sine(800, 8000), sine(800, 4000), sine(800, 32000)
	silent := make([]int16, 800)
	clips := [][]int16{loud, quiet, louder, silent}
	matchLevels(clips)
	want := speechRMS(quiet)
	if got := speechRMS(loud); math.Abs(got-want) > 1 {
		t.Errorf("loud clip at RMS %.1f, want %.1f", got, want)
	}
	if got, floor := speechRMS(louder), want*32000/4000*maxLevelCut; math.Abs(got-floor) > 1 {
		t.Errorf("louder clip at RMS %.1f, want %.1f: cut by no more than maxLevelCut", got, floor)
	}
	if peakOf(silent) != 0 || speechRMS(quiet) != want {
		t.Error("silent or quietest clip changed")
	}
	matchLevels(nil) // no clips: nothing to do
}
