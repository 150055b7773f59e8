package media

import (
	"fmt"
	"math"
	"time"
)

// Tone names a call-progress tone of China's tone plan (all at 450 Hz except the
// record tone at 950 Hz and the stutter dial tone at 450 + 425 Hz).
type Tone int

// The call-progress tones, with their cadences.
const (
	ToneDial        Tone = iota // continuous
	ToneBusy                    // 350 ms on, 350 ms off
	ToneRingback                // 1 s on, 4 s off
	ToneCongestion              // 700 ms on, 700 ms off
	ToneCallWaiting             // 400 ms on, 4 s off
	ToneRecord                  // 950 Hz, 400 ms on, 10 s off
	ToneInfo                    // 100 ms on, 100 ms off three times, then 400 ms on, 400 ms off
	ToneStutter                 // 450 + 425 Hz, continuous
)

// CallProgressLevel is the level, in dBm0 per frequency, of the tones made by
// NewCallProgress.
const CallProgressLevel = -13

// String returns the tone's name ("dial", "busy", …).
func (t Tone) String() string {
	if t >= 0 && int(t) < len(callProgress) {
		return callProgress[t].name
	}
	return fmt.Sprintf("Tone(%d)", int(t))
}

// callProgress is China's plan, indexed by Tone.
var callProgress = [...]struct {
	name   string
	freqs  []float64
	onOff  []int // cadence in milliseconds; empty = continuous
	repeat bool
}{
	ToneDial:        {"dial", []float64{450}, nil, false},
	ToneBusy:        {"busy", []float64{450}, []int{350, 350}, true},
	ToneRingback:    {"ringback", []float64{450}, []int{1000, 4000}, true},
	ToneCongestion:  {"congestion", []float64{450}, []int{700, 700}, true},
	ToneCallWaiting: {"call_waiting", []float64{450}, []int{400, 4000}, true},
	ToneRecord:      {"record", []float64{950}, []int{400, 10000}, true},
	ToneInfo:        {"info", []float64{450}, []int{100, 100, 100, 100, 100, 100, 400, 400}, true},
	ToneStutter:     {"stutter", []float64{450, 425}, nil, false},
}

// ToneGenerator produces a tone, one frame at a time: one or more frequencies at one
// level, switched on and off by a cadence. The oscillators run on through the off
// periods, so the signal is phase-continuous across frames. A ToneGenerator is not
// safe for concurrent use and does not allocate in Next.
type ToneGenerator struct {
	osc    []oscillator
	init   []oscillator // starting state, for Reset
	amp    float64      // peak amplitude of each frequency, in sample units
	segs   []int        // cadence in samples: on, off, on, …; nil = continuous
	repeat bool

	seg  int // current segment of segs
	left int // samples left in it
	done bool
}

// oscillator is a complex phasor (re, im) turned by (cr, ci) every sample.
type oscillator struct{ re, im, cr, ci float64 }

// NewTone returns a generator of the sum of freqs (Hz), each at level dBm0. The
// cadence alternates on and off durations, starting with on; it plays once, or
// loops if repeat is set. An empty cadence plays continuously. Durations are rounded
// to whole samples (125 µs); negative ones count as zero. Frequencies at or above
// the Nyquist frequency (4 kHz) or below zero are left out.
func NewTone(freqs []float64, cadence []time.Duration, level float64, repeat bool) *ToneGenerator {
	g := &ToneGenerator{amp: dBm0Amplitude(level), repeat: repeat}
	for _, f := range freqs {
		if f < 0 || f >= SampleRate/2 || math.IsNaN(f) {
			continue
		}
		s, c := math.Sincos(2 * math.Pi * f / SampleRate)
		g.init = append(g.init, oscillator{re: 1, cr: c, ci: s})
	}
	g.osc = make([]oscillator, len(g.init))
	if len(cadence) > 0 {
		g.segs = make([]int, len(cadence))
		total := 0
		for i, d := range cadence {
			g.segs[i] = durationSamples(d)
			total += g.segs[i]
		}
		if total == 0 {
			g.segs = []int{0} // nothing to play; avoid looping forever
			g.repeat = false
		}
	}
	g.Reset()
	return g
}

// NewDTMFTone returns a generator of key ('0'-'9', '*', '#', 'A'-'D', or 'a'-'d')
// for on then silence for off, both tones at levelDBm0 each; it then ends. It
// returns an error for any other key.
func NewDTMFTone(key byte, on, off time.Duration, levelDBm0 float64) (*ToneGenerator, error) {
	lo, hi, ok := dtmfKeyFreqs(key)
	if !ok {
		return nil, fmt.Errorf("media: dtmf tone: unknown key %q", key)
	}
	return NewTone([]float64{lo, hi}, []time.Duration{on, off}, levelDBm0, false), nil
}

// NewCallProgress returns a generator of call-progress tone t per China's plan at
// CallProgressLevel. Cadenced tones repeat forever. An unknown t gives a generator
// that has already finished.
func NewCallProgress(t Tone) *ToneGenerator {
	if t < 0 || int(t) >= len(callProgress) {
		return NewTone(nil, []time.Duration{0}, 0, false)
	}
	p := callProgress[t]
	cadence := make([]time.Duration, len(p.onOff))
	for i, ms := range p.onOff {
		cadence[i] = time.Duration(ms) * time.Millisecond
	}
	return NewTone(p.freqs, cadence, CallProgressLevel, p.repeat)
}

// Reset rewinds the generator to its start.
func (g *ToneGenerator) Reset() {
	copy(g.osc, g.init)
	g.seg, g.done = 0, false
	if g.segs != nil {
		g.left = g.segs[0]
	}
}

// Next fills f with the next 20 ms of the tone. It returns false, with f silent, once
// a finite tone has finished; the frame in which it finishes is padded with silence
// and still returns true. Continuous and repeating tones never finish. f.Seq is not
// touched.
func (g *ToneGenerator) Next(f *Frame) bool {
	if g.done {
		f.Silence()
		return false
	}
	i := 0
	for i < FrameSamples {
		n := FrameSamples - i
		on := true
		if g.segs != nil {
			for g.left == 0 {
				g.seg++
				if g.seg == len(g.segs) {
					if !g.repeat {
						g.done = true
						break
					}
					g.seg = 0
				}
				g.left = g.segs[g.seg]
			}
			if g.done {
				if i == 0 {
					f.Silence()
					return false
				}
				clear(f.Samples[i:])
				break
			}
			n = min(n, g.left)
			g.left -= n
			on = g.seg%2 == 0
		}
		g.fill(f.Samples[i:i+n], on)
		i += n
	}
	g.renormalize()
	return true
}

// fill writes len(dst) samples, or silence if !on, advancing the oscillators either way.
func (g *ToneGenerator) fill(dst []int16, on bool) {
	amp := g.amp
	if !on {
		amp = 0
	}
	switch len(g.osc) {
	case 0:
		clear(dst)
	case 1: // the common call-progress case
		o := g.osc[0]
		for k := range dst {
			dst[k] = saturate(amp * o.im)
			o.re, o.im = o.re*o.cr-o.im*o.ci, o.re*o.ci+o.im*o.cr
		}
		g.osc[0] = o
	case 2: // DTMF, stutter dial tone
		a, b := g.osc[0], g.osc[1]
		for k := range dst {
			dst[k] = saturate(amp * (a.im + b.im))
			a.re, a.im = a.re*a.cr-a.im*a.ci, a.re*a.ci+a.im*a.cr
			b.re, b.im = b.re*b.cr-b.im*b.ci, b.re*b.ci+b.im*b.cr
		}
		g.osc[0], g.osc[1] = a, b
	default:
		for k := range dst {
			var sum float64
			for j := range g.osc {
				o := &g.osc[j]
				sum += o.im
				o.re, o.im = o.re*o.cr-o.im*o.ci, o.re*o.ci+o.im*o.cr
			}
			dst[k] = saturate(amp * sum)
		}
	}
}

// renormalize pulls each phasor back onto the unit circle; rounding would otherwise
// make the amplitude drift over minutes of tone.
func (g *ToneGenerator) renormalize() {
	for j := range g.osc {
		o := &g.osc[j]
		k := (3 - (o.re*o.re + o.im*o.im)) / 2 // first-order 1/|z|, |z| ≈ 1
		o.re *= k
		o.im *= k
	}
}

// Mix adds src into dst sample by sample, saturating at the int16 limits.
func Mix(dst, src *Frame) {
	for i, s := range &src.Samples {
		v := int32(dst.Samples[i]) + int32(s)
		dst.Samples[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
}

// Gain scales f by dB (negative attenuates), saturating at the int16 limits.
func Gain(f *Frame, dB float64) {
	k := math.Pow(10, dB/20)
	for i, s := range &f.Samples {
		f.Samples[i] = saturate(k * float64(s))
	}
}

// saturate rounds v to the nearest int16, clamping at the limits.
func saturate(v float64) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v >= 0:
		return int16(v + 0.5)
	default:
		return int16(v - 0.5)
	}
}

// dBm0Amplitude returns the peak amplitude, in sample units, of a sine at level dBm0.
func dBm0Amplitude(level float64) float64 {
	return 32768 * math.Pow(10, (level-fullScaleDBm0)/20)
}

// durationSamples converts d to whole samples, rounding to nearest; negative is 0.
func durationSamples(d time.Duration) int {
	const perSample = time.Second / SampleRate
	if d <= 0 {
		return 0
	}
	return int((d + perSample/2) / perSample)
}

// dtmfKeyFreqs returns the row and column frequencies of key.
func dtmfKeyFreqs(key byte) (lo, hi float64, ok bool) {
	if key >= 'a' && key <= 'd' {
		key -= 'a' - 'A'
	}
	for r, keys := range dtmfKeypad {
		for c, k := range keys {
			if k == key {
				return dtmfFreqs[r], dtmfFreqs[4+c], true
			}
		}
	}
	return 0, 0, false
}
