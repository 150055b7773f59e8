package media_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"tracecall/telephony/media"
)

// The figures the detector must meet (docs: specs/dahdi-and-lines.md, section E2).
var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
	keypad   = [4]string{"123A", "456B", "789C", "*0#D"}
	allKeys  = "123A456B789C*0#D"
)

// signal is 8 kHz audio in sample units (int16 scale), built up by the helpers below
// and cut into frames only when it is fed to a detector.
type signal []float64

// amplitude returns the peak amplitude of a sine at level dBm0 (full-scale sine =
// +3.17 dBm0).
func amplitude(dBm0 float64) float64 { return 32768 * math.Pow(10, (dBm0-3.17)/20) }

// ms converts milliseconds to samples.
func ms(v float64) int { return int(math.Round(v * 8)) }

// addSine adds a sine of freq Hz at level dBm0 over [start, start+n), with phase phi.
func (s signal) addSine(start, n int, freq, dBm0, phi float64) {
	a := amplitude(dBm0)
	w := 2 * math.Pi * freq / 8000
	for i := 0; i < n && start+i < len(s); i++ {
		s[start+i] += a * math.Sin(w*float64(i)+phi)
	}
}

// toneSpec describes one DTMF burst.
type toneSpec struct {
	key            byte
	rowDev, colDev float64 // relative frequency error, 0.015 = +1.5 %
	rowDB, colDB   float64 // level of each tone, dBm0
}

// addKey adds the burst at start, lasting n samples, with random phases.
func (s signal) addKey(t *testing.T, rng *rand.Rand, start, n int, ts toneSpec) {
	t.Helper()
	r, c := keyPos(t, ts.key)
	s.addSine(start, n, rowFreqs[r]*(1+ts.rowDev), ts.rowDB, rng.Float64()*2*math.Pi)
	s.addSine(start, n, colFreqs[c]*(1+ts.colDev), ts.colDB, rng.Float64()*2*math.Pi)
}

func keyPos(t *testing.T, key byte) (row, col int) {
	t.Helper()
	for r, keys := range keypad {
		if c := strings.IndexByte(keys, key); c >= 0 {
			return r, c
		}
	}
	t.Fatalf("no key %q", key)
	return 0, 0
}

// power returns the mean power of s[start:start+n].
func (s signal) power(start, n int) float64 {
	var e float64
	for _, v := range s[start : start+n] {
		e += v * v
	}
	return e / float64(n)
}

// addNoise adds white Gaussian noise of the given mean power (sample units squared).
func (s signal) addNoise(rng *rand.Rand, power float64) {
	sd := math.Sqrt(power)
	for i := range s {
		s[i] += sd * rng.NormFloat64()
	}
}

// scale multiplies s so that its peak is at peak (sample units).
func (s signal) scale(peak float64) {
	var m float64
	for _, v := range s {
		m = max(m, math.Abs(v))
	}
	if m == 0 {
		return
	}
	for i := range s {
		s[i] *= peak / m
	}
}

// detect runs s through a fresh detector with cfg and returns the keys it reported.
func detect(t testing.TB, cfg media.DTMFConfig, s signal) string {
	t.Helper()
	return feed(media.NewDTMFDetector(cfg), s)
}

func feed(d *media.DTMFDetector, s signal) string {
	var got []byte
	var f media.Frame
	for start := 0; start < len(s); start += media.FrameSamples {
		f.Silence()
		for i := range media.FrameSamples {
			if start+i < len(s) {
				f.Samples[i] = clip(s[start+i])
			}
		}
		if k, ok := d.Process(&f); ok {
			got = append(got, k)
		}
	}
	return string(got)
}

func clip(v float64) int16 { return int16(max(-32768, min(32767, math.Round(v)))) }

// sequence builds keys as bursts of on then off, starting at a random offset within
// the first frame, and returns the signal, 100 ms of silence added at the end.
func sequence(t *testing.T, rng *rand.Rand, keys string, on, off time.Duration, spec toneSpec) signal {
	t.Helper()
	onN, offN := ms(float64(on.Microseconds())/1000), ms(float64(off.Microseconds())/1000)
	lead := rng.IntN(media.FrameSamples)
	s := make(signal, lead+len(keys)*(onN+offN)+ms(100))
	for i := range len(keys) {
		spec.key = keys[i]
		s.addKey(t, rng, lead+i*(onN+offN), onN, spec)
	}
	return s
}

func newRand(t *testing.T) *rand.Rand {
	// Fixed per test so failures reproduce; the name varies the stream between tests.
	var h uint64 = 14695981039346656037
	for _, c := range []byte(t.Name()) {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return rand.New(rand.NewPCG(h, 2026))
}

func TestDTMFDetectorKeys(t *testing.T) {
	rng := newRand(t)
	for range 4 {
		s := sequence(t, rng, allKeys, 50*time.Millisecond, 50*time.Millisecond,
			toneSpec{rowDB: -10, colDB: -10})
		if got := detect(t, media.DTMFConfig{}, s); got != allKeys {
			t.Fatalf("got %q, want %q", got, allKeys)
		}
	}
}

func TestDTMFDetectorFrequencyDeviation(t *testing.T) {
	tests := []struct {
		name           string
		rowDev, colDev float64
		want           bool
	}{
		{"nominal", 0, 0, true},
		{"both +1.5%", 0.015, 0.015, true},
		{"both -1.5%", -0.015, -0.015, true},
		{"row +1.5% col -1.5%", 0.015, -0.015, true},
		{"row -1.5% col +1.5%", -0.015, 0.015, true},
		{"row +3.5%", 0.035, 0, false},
		{"row -3.5%", -0.035, 0, false},
		{"col +3.5%", 0, 0.035, false},
		{"col -3.5%", 0, -0.035, false},
		{"both +3.5%", 0.035, 0.035, false},
		{"both -3.5%", -0.035, -0.035, false},
		{"row +3.5% col -1.5%", 0.035, -0.015, false},
		{"row -1.5% col -3.5%", -0.015, -0.035, false},
		{"row +5%", 0.05, 0, false},
		{"col -5%", 0, -0.05, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			for _, level := range []float64{-5, -20} {
				s := sequence(t, rng, allKeys, 50*time.Millisecond, 50*time.Millisecond,
					toneSpec{rowDev: tt.rowDev, colDev: tt.colDev, rowDB: level, colDB: level})
				want := ""
				if tt.want {
					want = allKeys
				}
				if got := detect(t, media.DTMFConfig{}, s); got != want {
					t.Errorf("level %v dBm0: got %q, want %q", level, got, want)
				}
			}
		})
	}
}

// TestDTMFDetectorDuration feeds single bursts at every alignment to the detector's
// 5 ms blocks and to the frame.
func TestDTMFDetectorDuration(t *testing.T) {
	tests := []struct {
		name string
		on   float64 // ms
		want bool
	}{
		{"40 ms", 40, true},
		{"45 ms", 45, true},
		{"100 ms", 100, true},
		{"300 ms", 300, true},
		{"22 ms", 22, false},
		{"20 ms", 20, false},
		{"10 ms", 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			for offset := 0; offset < 2*media.FrameSamples; offset += 5 {
				for _, key := range []byte("1D") {
					s := make(signal, offset+ms(tt.on)+ms(200))
					s.addKey(t, rng, offset, ms(tt.on), toneSpec{key: key, rowDB: -12, colDB: -12})
					want := ""
					if tt.want {
						want = string(key)
					}
					if got := detect(t, media.DTMFConfig{}, s); got != want {
						t.Fatalf("offset %d key %c: got %q, want %q", offset, key, got, want)
					}
				}
			}
		})
	}
}

func TestDTMFDetectorTwist(t *testing.T) {
	tests := []struct {
		name  string
		twist float64 // row level minus column level, dB
		want  bool
	}{
		{"none", 0, true},
		{"normal 8 dB", 8, true},
		{"reverse 4 dB", -4, true},
		{"normal 12 dB", 12, false},
		{"reverse 8 dB", -8, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			// Stronger tone at -6 and at -18 dBm0.
			for _, top := range []float64{-6, -18} {
				row, col := top, top-tt.twist
				if tt.twist < 0 {
					row, col = top+tt.twist, top
				}
				s := sequence(t, rng, allKeys, 50*time.Millisecond, 50*time.Millisecond,
					toneSpec{rowDB: row, colDB: col})
				want := ""
				if tt.want {
					want = allKeys
				}
				if got := detect(t, media.DTMFConfig{}, s); got != want {
					t.Errorf("row %v col %v dBm0: got %q, want %q", row, col, got, want)
				}
			}
		})
	}
}

func TestDTMFDetectorLevel(t *testing.T) {
	tests := []struct {
		name  string
		level float64 // per tone, dBm0
		want  bool
	}{
		{"-3 dBm0 (sum just below clipping)", -3, true},
		{"-10 dBm0", -10, true},
		{"-20 dBm0", -20, true},
		{"-26 dBm0", -26, true},
		{"-30 dBm0", -30, true},
		{"-40 dBm0", -40, false},
		{"-50 dBm0", -50, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			s := sequence(t, rng, allKeys, 50*time.Millisecond, 50*time.Millisecond,
				toneSpec{rowDB: tt.level, colDB: tt.level})
			want := ""
			if tt.want {
				want = allKeys
			}
			if got := detect(t, media.DTMFConfig{}, s); got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}

// TestDTMFDetectorNoise adds white noise 15 dB below the power of the two tones
// together (so 12 dB below each tone).
func TestDTMFDetectorNoise(t *testing.T) {
	tests := []struct {
		name  string
		level float64 // per tone, dBm0
		snr   float64 // dB, two tones together over the noise
		on    time.Duration
	}{
		{"-10 dBm0 15 dB 50 ms", -10, 15, 50 * time.Millisecond},
		{"-20 dBm0 15 dB 50 ms", -20, 15, 50 * time.Millisecond},
		{"-26 dBm0 15 dB 50 ms", -26, 15, 50 * time.Millisecond},
		{"-10 dBm0 15 dB 40 ms", -10, 15, 40 * time.Millisecond},
		{"-10 dBm0 18 dB 40 ms", -10, 18, 40 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			keys := strings.Repeat(allKeys, 4)
			s := sequence(t, rng, keys, tt.on, 60*time.Millisecond,
				toneSpec{rowDB: tt.level, colDB: tt.level})
			tonePower := 2 * math.Pow(amplitude(tt.level), 2) / 2
			s.addNoise(rng, tonePower/math.Pow(10, tt.snr/10))
			if got := detect(t, media.DTMFConfig{}, s); got != keys {
				t.Errorf("got %q, want %q", got, keys)
			}
		})
	}
}

func TestDTMFDetectorPauses(t *testing.T) {
	tests := []struct {
		name    string
		keys    string
		on, off time.Duration
		want    string
	}{
		{"10 digits/s 50/50", "1122334455667788990", 50 * time.Millisecond, 50 * time.Millisecond, "1122334455667788990"},
		{"same key, 40 ms on 40 ms pause", "5555555555", 40 * time.Millisecond, 40 * time.Millisecond, "5555555555"},
		{"same key, 60 ms on 40 ms pause", "##########", 60 * time.Millisecond, 40 * time.Millisecond, "##########"},
		{"different keys, 40/40", "159D*0#A", 40 * time.Millisecond, 40 * time.Millisecond, "159D*0#A"},
		{"different keys, no pause", "1234", 60 * time.Millisecond, 0, "1234"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			for range 5 {
				s := sequence(t, rng, tt.keys, tt.on, tt.off, toneSpec{rowDB: -12, colDB: -14})
				if got := detect(t, media.DTMFConfig{}, s); got != tt.want {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestDTMFDetectorDropout checks that a brief break inside one press does not report
// the key twice.
func TestDTMFDetectorDropout(t *testing.T) {
	rng := newRand(t)
	for _, gap := range []float64{2, 5, 10} {
		for offset := 0; offset < 40; offset += 7 {
			s := make(signal, offset+ms(200))
			spec := toneSpec{key: '8', rowDB: -10, colDB: -10}
			s.addKey(t, rng, offset, ms(60), spec)
			s.addKey(t, rng, offset+ms(60+gap), ms(60), spec)
			if got := detect(t, media.DTMFConfig{}, s); got != "8" {
				t.Fatalf("gap %v ms offset %d: got %q, want %q", gap, offset, got, "8")
			}
		}
	}
}

// TestDTMFDetectorDialTone plays digits over China's dial tone (450 Hz) and stutter
// dial tone (450 + 425 Hz), louder than the digits.
func TestDTMFDetectorDialTone(t *testing.T) {
	tests := []struct {
		name    string
		freqs   []float64
		toneDB  float64
		digitDB float64
	}{
		{"dial -13, digits -13", []float64{450}, -13, -13},
		{"dial -10, digits -20", []float64{450}, -10, -20},
		{"dial -3, digits -20", []float64{450}, -3, -20},
		{"stutter -10, digits -20", []float64{450, 425}, -10, -20},
		{"dial -10, digits -26", []float64{450}, -10, -26},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand(t)
			s := sequence(t, rng, allKeys, 50*time.Millisecond, 50*time.Millisecond,
				toneSpec{rowDB: tt.digitDB, colDB: tt.digitDB})
			for _, f := range tt.freqs {
				s.addSine(0, len(s), f, tt.toneDB, rng.Float64()*2*math.Pi)
			}
			if got := detect(t, media.DTMFConfig{}, s); got != allKeys {
				t.Errorf("got %q, want %q", got, allKeys)
			}
		})
	}
}

// TestDTMFDetectorCallProgress checks that the tone generator's own tones, alone,
// give no digit.
func TestDTMFDetectorCallProgress(t *testing.T) {
	tones := []media.Tone{media.ToneDial, media.ToneBusy, media.ToneRingback, media.ToneCongestion,
		media.ToneCallWaiting, media.ToneRecord, media.ToneInfo, media.ToneStutter}
	for _, tone := range tones {
		t.Run(tone.String(), func(t *testing.T) {
			g := media.NewCallProgress(tone)
			d := media.NewDTMFDetector(media.DTMFConfig{})
			var f media.Frame
			for range 6 * 50 { // 6 s
				g.Next(&f)
				if k, ok := d.Process(&f); ok {
					t.Fatalf("false digit %q", k)
				}
			}
		})
	}
}

// TestDTMFDetectorGenerator closes the loop with the package's own DTMF generator,
// through A-law, as a digit sent by one leg arrives at another.
func TestDTMFDetectorGenerator(t *testing.T) {
	keys := "0123456789*#ABCDabcd"
	d := media.NewDTMFDetector(media.DTMFConfig{})
	var f media.Frame
	var buf []byte
	var got []byte
	for i := range len(keys) {
		g, err := media.NewDTMFTone(keys[i], 50*time.Millisecond, 50*time.Millisecond, -10)
		if err != nil {
			t.Fatal(err)
		}
		for g.Next(&f) {
			buf = media.EncodeALaw(buf[:0], &f)
			if err := media.DecodeALaw(&f, buf); err != nil {
				t.Fatal(err)
			}
			if k, ok := d.Process(&f); ok {
				got = append(got, k)
			}
		}
	}
	if want := strings.ToUpper(keys); string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestDTMFDetectorReset(t *testing.T) {
	rng := newRand(t)
	d := media.NewDTMFDetector(media.DTMFConfig{})
	// A long press cut in the middle: after Reset the same press is reported anew,
	// since the detector cannot know it is the same one.
	s := make(signal, ms(200))
	s.addKey(t, rng, 0, ms(200), toneSpec{key: '7', rowDB: -10, colDB: -10})
	if got := feed(d, s[:ms(100)]); got != "7" {
		t.Fatalf("before reset: got %q", got)
	}
	d.Reset()
	if got := feed(d, s[ms(100):]); got != "7" {
		t.Fatalf("after reset: got %q", got)
	}
}

func TestDTMFDetectorConfig(t *testing.T) {
	rng := newRand(t)
	tests := []struct {
		name string
		cfg  media.DTMFConfig
		spec toneSpec
		want string
	}{
		{"min level raised", media.DTMFConfig{MinLevel: -15}, toneSpec{rowDB: -20, colDB: -20}, ""},
		{"min level lowered", media.DTMFConfig{MinLevel: -50}, toneSpec{rowDB: -40, colDB: -40}, "9"},
		{"twist narrowed", media.DTMFConfig{Twist: 3}, toneSpec{rowDB: -10, colDB: -16}, ""},
		{"reverse twist widened", media.DTMFConfig{ReverseTwist: 10}, toneSpec{rowDB: -18, colDB: -10}, "9"},
		{"deviation narrowed", media.DTMFConfig{MaxDeviation: 0.01}, toneSpec{rowDev: 0.015, rowDB: -10, colDB: -10}, ""},
		{"deviation default", media.DTMFConfig{}, toneSpec{rowDev: 0.03, rowDB: -10, colDB: -10}, ""},
		{"deviation widened", media.DTMFConfig{MaxDeviation: 0.045}, toneSpec{rowDev: 0.03, rowDB: -10, colDB: -10}, "9"},
		{"deviation clamped", media.DTMFConfig{MaxDeviation: 1}, toneSpec{rowDev: 0.03, rowDB: -10, colDB: -10}, "9"},
		{"share raised", media.DTMFConfig{MinToneShare: 0.99}, toneSpec{rowDB: -10, colDB: -10}, "9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := make(signal, ms(200))
			tt.spec.key = '9'
			s.addKey(t, rng, 13, ms(80), tt.spec)
			if got := detect(t, tt.cfg, s); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDTMFDetectorNoAllocs(t *testing.T) {
	rng := newRand(t)
	s := sequence(t, rng, allKeys, 50*time.Millisecond, 50*time.Millisecond, toneSpec{rowDB: -10, colDB: -10})
	frames := toFrames(s)
	d := media.NewDTMFDetector(media.DTMFConfig{})
	i := 0
	allocs := testing.AllocsPerRun(len(frames), func() {
		d.Process(&frames[i%len(frames)])
		i++
	})
	if allocs != 0 {
		t.Errorf("Process allocates %v times per frame", allocs)
	}
}

func toFrames(s signal) []media.Frame {
	frames := make([]media.Frame, (len(s)+media.FrameSamples-1)/media.FrameSamples)
	for i, v := range s {
		frames[i/media.FrameSamples].Samples[i%media.FrameSamples] = clip(v)
	}
	return frames
}

// BenchmarkDTMFDetector measures the cost of one 20 ms frame, over a mix of digits,
// pauses and noise.
func BenchmarkDTMFDetector(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := make(signal, 8000)
	for i := range len(allKeys) {
		r, c := i/4, i%4
		s.addSine(i*ms(62.5), ms(40), rowFreqs[r], -10, 0)
		s.addSine(i*ms(62.5), ms(40), colFreqs[c], -10, 0)
	}
	s.addNoise(rng, 100)
	frames := toFrames(s)
	d := media.NewDTMFDetector(media.DTMFConfig{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		d.Process(&frames[i%len(frames)])
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
}

// BenchmarkDTMFDetectorSilence measures a frame of a quiet line (A-law's
// silence decodes to ±8), the bulk of a caller's audio.
func BenchmarkDTMFDetectorSilence(b *testing.B) {
	var f media.Frame
	for i := range f.Samples {
		f.Samples[i] = 8 - int16(i%2)*16
	}
	d := media.NewDTMFDetector(media.DTMFConfig{})
	b.ReportAllocs()
	for b.Loop() {
		d.Process(&f)
	}
}
