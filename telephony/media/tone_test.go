package media_test

import (
	"math"
	"slices"
	"testing"
	"time"

	"tracecall/telephony/media"
)

// render plays g for at most n frames and returns the samples of the frames for which
// Next returned true.
func render(g *media.ToneGenerator, n int) []int16 {
	var out []int16
	var f media.Frame
	for range n {
		if !g.Next(&f) {
			break
		}
		out = append(out, f.Samples[:]...)
	}
	return out
}

// cadence returns the run lengths, in ms, of sound and silence in x, judged per
// millisecond (8 samples): a millisecond is sound if any sample exceeds floor.
func cadence(x []int16, floor int16) []int {
	var runs []int
	var prev bool
	for i := 0; i+8 <= len(x); i += 8 {
		on := false
		for _, v := range x[i : i+8] {
			if v > floor || v < -floor {
				on = true
			}
		}
		if len(runs) == 0 || on != prev {
			if len(runs) == 0 && !on {
				runs = append(runs, 0) // runs start with sound
			}
			runs = append(runs, 0)
			prev = on
		}
		runs[len(runs)-1]++
	}
	return runs
}

// share returns the fraction of x's energy at the frequencies freqs.
func share(x []int16, freqs ...float64) float64 {
	var total, tone float64
	for _, v := range x {
		total += float64(v) * float64(v)
	}
	for _, f := range freqs {
		var re, im float64
		for n, v := range x {
			s, c := math.Sincos(2 * math.Pi * f * float64(n) / 8000)
			re += float64(v) * c
			im += float64(v) * s
		}
		tone += 2 * (re*re + im*im) / float64(len(x))
	}
	return tone / total
}

func rms(x []int16) float64 {
	var e float64
	for _, v := range x {
		e += float64(v) * float64(v)
	}
	return math.Sqrt(e / float64(len(x)))
}

func TestCallProgress(t *testing.T) {
	tests := []struct {
		tone    media.Tone
		name    string
		freqs   []float64
		cadence []int // ms: on, off, …, over the rendered span; nil = continuous
		seconds int
	}{
		{media.ToneDial, "dial", []float64{450}, nil, 3},
		{media.ToneBusy, "busy", []float64{450}, []int{350, 350, 350, 350, 350, 250}, 2},
		{media.ToneRingback, "ringback", []float64{450}, []int{1000, 4000, 1000, 4000}, 10},
		{media.ToneCongestion, "congestion", []float64{450}, []int{700, 700, 600}, 2},
		{media.ToneCallWaiting, "call_waiting", []float64{450}, []int{400, 4000, 400, 3200}, 8},
		{media.ToneRecord, "record", []float64{950}, []int{400, 10000, 400, 200}, 11},
		{media.ToneInfo, "info", []float64{450}, []int{100, 100, 100, 100, 100, 100, 400, 400, 100, 100, 100, 100, 100, 100, 400, 400, 100, 100}, 3},
		{media.ToneStutter, "stutter", []float64{450, 425}, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.tone.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			frames := tt.seconds * 50
			x := render(media.NewCallProgress(tt.tone), frames)
			if len(x) != frames*media.FrameSamples {
				t.Fatalf("ended after %d samples, want %d", len(x), frames*media.FrameSamples)
			}
			runs := cadence(x, 100)
			want := tt.cadence
			if want == nil {
				want = []int{tt.seconds * 1000}
			}
			if !slices.Equal(runs, want) {
				t.Errorf("cadence %v ms, want %v", runs, want)
			}
			// Level and purity over the first burst.
			on := x[:want[0]*8]
			wantRMS := amplitude(media.CallProgressLevel) / math.Sqrt2 * math.Sqrt(float64(len(tt.freqs)))
			if d := 20 * math.Log10(rms(on)/wantRMS); math.Abs(d) > 0.1 {
				t.Errorf("level off by %.2f dB", d)
			}
			if s := share(on, tt.freqs...); s < 0.99 {
				t.Errorf("only %.3f of the energy at %v Hz", s, tt.freqs)
			}
		})
	}
}

func TestCallProgressUnknown(t *testing.T) {
	g := media.NewCallProgress(media.Tone(99))
	f := media.Frame{Samples: [media.FrameSamples]int16{1, 2, 3}}
	if g.Next(&f) {
		t.Error("unknown tone played")
	}
	if f.Samples[0] != 0 {
		t.Error("frame not silenced")
	}
	if got := media.Tone(99).String(); got != "Tone(99)" {
		t.Errorf("String() = %q", got)
	}
}

// TestToneContinuity compares a minute of dial tone with an ideal sine: the phase
// carries across frames and the amplitude does not drift.
func TestToneContinuity(t *testing.T) {
	x := render(media.NewCallProgress(media.ToneDial), 60*50)
	a := amplitude(media.CallProgressLevel)
	for n, v := range x {
		want := a * math.Sin(2*math.Pi*450*float64(n)/8000)
		if d := math.Abs(float64(v) - want); d > 1.5 {
			t.Fatalf("sample %d (%.3f s): %d, ideal %.1f", n, float64(n)/8000, v, want)
		}
	}
}

func TestNewDTMFTone(t *testing.T) {
	tests := []struct {
		key    byte
		lo, hi float64
	}{
		{'1', 697, 1209}, {'2', 697, 1336}, {'3', 697, 1477}, {'A', 697, 1633},
		{'4', 770, 1209}, {'5', 770, 1336}, {'6', 770, 1477}, {'B', 770, 1633},
		{'7', 852, 1209}, {'8', 852, 1336}, {'9', 852, 1477}, {'C', 852, 1633},
		{'*', 941, 1209}, {'0', 941, 1336}, {'#', 941, 1477}, {'D', 941, 1633},
		{'a', 697, 1633}, {'d', 941, 1633},
	}
	for _, tt := range tests {
		t.Run(string(tt.key), func(t *testing.T) {
			g, err := media.NewDTMFTone(tt.key, 60*time.Millisecond, 40*time.Millisecond, -10)
			if err != nil {
				t.Fatal(err)
			}
			x := render(g, 100)
			if len(x) != 5*media.FrameSamples {
				t.Fatalf("lasted %d samples, want 800", len(x))
			}
			if runs := cadence(x, 100); !slices.Equal(runs, []int{60, 40}) {
				t.Errorf("cadence %v ms, want [60 40]", runs)
			}
			on := x[:480]
			if s := share(on, tt.lo, tt.hi); s < 0.99 {
				t.Errorf("only %.3f of the energy at %v and %v Hz", s, tt.lo, tt.hi)
			}
			if s := share(on, tt.lo); math.Abs(s-0.5) > 0.01 {
				t.Errorf("low tone holds %.3f of the energy, want 0.5", s)
			}
			wantRMS := amplitude(-10) // two tones of amplitude a: rms a
			if d := 20 * math.Log10(rms(on)/wantRMS); math.Abs(d) > 0.1 {
				t.Errorf("level off by %.2f dB", d)
			}
		})
	}
}

func TestNewDTMFToneUnknownKey(t *testing.T) {
	for _, key := range []byte{'E', 'e', 'x', ' ', 0, '+', 0xFF} {
		if g, err := media.NewDTMFTone(key, 50*time.Millisecond, 50*time.Millisecond, -10); err == nil || g != nil {
			t.Errorf("key %q: got %v, %v; want error", key, g, err)
		}
	}
}

func TestToneGeneratorEnd(t *testing.T) {
	// 30 ms on, 15 ms off: ends in the middle of the third frame.
	g := media.NewTone([]float64{1000}, []time.Duration{30 * time.Millisecond, 15 * time.Millisecond}, -10, false)
	var f media.Frame
	for i := range 3 {
		if !g.Next(&f) {
			t.Fatalf("frame %d: ended early", i)
		}
	}
	if got := cadence(f.Samples[:], 100); !slices.Equal(got, []int{0, 20}) {
		t.Errorf("last frame %v, want silent", got)
	}
	f.Samples[5] = 99
	if g.Next(&f) || f.Samples[5] != 0 {
		t.Error("finished tone played on")
	}
	if g.Next(&f) {
		t.Error("finished tone played on")
	}
	g.Reset()
	if !g.Next(&f) || f.Samples[1] == 0 {
		t.Error("Reset did not restart the tone")
	}
}

func TestNewToneEdges(t *testing.T) {
	tests := []struct {
		name    string
		freqs   []float64
		cadence []time.Duration
		repeat  bool
		frames  int // played before Next returns false (capped at 10)
		silent  bool
	}{
		{"no frequencies", nil, nil, false, 10, true},
		{"out of band frequencies dropped", []float64{-5, 4000, 9000, math.NaN()}, nil, false, 10, true},
		{"zero cadence", []float64{450}, []time.Duration{0, 0}, true, 0, true},
		{"negative durations", []float64{450}, []time.Duration{-time.Second, -time.Second}, true, 0, true},
		{"single burst", []float64{450}, []time.Duration{40 * time.Millisecond}, false, 2, false},
		{"single burst repeated is continuous", []float64{450}, []time.Duration{40 * time.Millisecond}, true, 10, false},
		{"three frequencies", []float64{350, 440, 620}, nil, false, 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := media.NewTone(tt.freqs, tt.cadence, -10, tt.repeat)
			x := render(g, 10)
			if got := len(x) / media.FrameSamples; got != tt.frames {
				t.Errorf("played %d frames, want %d", got, tt.frames)
			}
			if silent := rms(x) == 0 || len(x) == 0; silent != tt.silent {
				t.Errorf("silent = %v, want %v", silent, tt.silent)
			}
		})
	}
}

func TestMix(t *testing.T) {
	tests := []struct {
		a, b, want int16
	}{
		{0, 0, 0},
		{100, -50, 50},
		{30000, 30000, 32767},
		{-30000, -30000, -32768},
		{32767, -32768, -1},
	}
	var dst, src media.Frame
	for i, tt := range tests {
		dst.Samples[i], src.Samples[i] = tt.a, tt.b
	}
	media.Mix(&dst, &src)
	for i, tt := range tests {
		if got := dst.Samples[i]; got != tt.want {
			t.Errorf("%d + %d = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestGain(t *testing.T) {
	tests := []struct {
		dB   float64
		in   int16
		want int16
	}{
		{0, 1234, 1234},
		{6.0206, 1000, 2000},
		{-6.0206, -1000, -500},
		{20, 1000, 10000},
		{20, 5000, 32767},
		{20, -5000, -32768},
		{-200, 30000, 0},
	}
	for _, tt := range tests {
		var f media.Frame
		f.Samples[0] = tt.in
		media.Gain(&f, tt.dB)
		if got := f.Samples[0]; got != tt.want {
			t.Errorf("Gain(%d, %v dB) = %d, want %d", tt.in, tt.dB, got, tt.want)
		}
	}
}

func TestToneGeneratorNoAllocs(t *testing.T) {
	g, err := media.NewDTMFTone('5', time.Hour, 0, -10)
	if err != nil {
		t.Fatal(err)
	}
	var f media.Frame
	if allocs := testing.AllocsPerRun(100, func() { g.Next(&f) }); allocs != 0 {
		t.Errorf("Next allocates %v times per frame", allocs)
	}
}

func BenchmarkToneGenerator(b *testing.B) {
	gens := []struct {
		name string
		g    *media.ToneGenerator
	}{
		{"dial", media.NewCallProgress(media.ToneDial)},
		{"busy", media.NewCallProgress(media.ToneBusy)},
		{"dtmf", media.NewTone([]float64{770, 1336}, nil, -10, false)},
		{"three", media.NewTone([]float64{350, 440, 620}, nil, -10, false)},
	}
	for _, gg := range gens {
		b.Run(gg.name, func(b *testing.B) {
			var f media.Frame
			b.ReportAllocs()
			for b.Loop() {
				gg.g.Next(&f)
			}
		})
	}
}
