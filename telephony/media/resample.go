package media

import "math"

// Resampler design. The low-pass sits at the lower of the two rates: its passband
// ends at 0.42 and its stopband starts at 0.5 of that rate (3360 and 4000 Hz for
// 8 kHz), with a Kaiser window sized for about 80 dB of stopband attenuation.
const (
	resamplePassEdge     = 0.42 // passband edge, as a fraction of the lower rate
	resampleStopEdge     = 0.50 // stopband edge, as a fraction of the lower rate
	resampleStopDB       = 80.0 // stopband attenuation the window is sized for
	resampleMaxPhases    = 1024 // phase table rows; above this, phases are rounded
	resampleWindowPoints = 4096 // Kaiser window table, interpolated linearly
)

// Resample appends src, mono audio sampled at fromRate Hz, converted to toRate Hz,
// to dst and returns the extended slice (pass buf[:0] to reuse a buffer). The result
// has ceil(len(src)*toRate/fromRate) samples.
//
// It interpolates with a polyphase windowed-sinc filter whose cutoff sits just
// below half the lower rate, so decimating (44100 or 22050 Hz to 8000) removes what
// would otherwise alias into the telephone band, and interpolating (8000 to 16000)
// leaves no images above 4 kHz. Samples outside src count as silence.
//
// Resample works on whole buffers: it builds its filter on each call (under a
// millisecond for 16000, 22050, 44100 or 48000 Hz to 8000; about 10 ms for an odd
// pair such as 44101 to 8000) and keeps no state between calls, so it suits
// prompts and files, not 20 ms frames one at a time. Equal rates copy src; a rate
// that is not positive leaves dst unchanged.
func Resample(dst []int16, src []int16, fromRate, toRate int) []int16 {
	if fromRate <= 0 || toRate <= 0 || len(src) == 0 {
		return dst
	}
	if fromRate == toRate {
		return append(dst, src...)
	}
	g := resampleGCD(fromRate, toRate)
	up, down := int64(toRate/g), int64(fromRate/g) // output k sits at input k*down/up
	n := int((int64(len(src))*up + down - 1) / down)

	pp := newResampleKernel(fromRate, toRate, up)
	in := make([]float32, len(src))
	for i, s := range src {
		in[i] = float32(s)
	}

	dst = resampleGrow(dst, n)
	out := dst[len(dst)-n:]
	width := 2 * pp.half
	for k := range out {
		pos := int64(k) * down
		i := int(pos / up)
		p := int((pos%up*int64(pp.phases) + up/2) / up) // == pos%up when phases == up
		taps := pp.taps[p*width : (p+1)*width]
		j0 := i - pp.half + 1
		var acc float32
		if j0 >= 0 && j0+width <= len(in) {
			win := in[j0 : j0+width : j0+width]
			var a0, a1 float32
			for t := 0; t+1 < len(taps); t += 2 { // width is even
				a0 += taps[t] * win[t]
				a1 += taps[t+1] * win[t+1]
			}
			acc = a0 + a1
		} else {
			for t, h := range taps {
				if j := j0 + t; j >= 0 && j < len(in) {
					acc += h * in[j]
				}
			}
		}
		out[k] = resampleClamp(acc)
	}
	return dst
}

// FramesFromPCM cuts 8 kHz samples into 20 ms frames, padding the last one with
// silence. Seq is left zero: whoever writes the frames numbers them.
func FramesFromPCM(samples []int16) []Frame {
	frames := make([]Frame, (len(samples)+FrameSamples-1)/FrameSamples)
	for i := range frames {
		copy(frames[i].Samples[:], samples[i*FrameSamples:])
	}
	return frames
}

// resampleKernel is a windowed-sinc kernel sampled at phases+1 fractional offsets
// (row p is the offset p/phases of an input sample), each row holding 2*half taps
// normalised to unity gain at DC.
type resampleKernel struct {
	phases int
	half   int
	taps   []float32
}

func newResampleKernel(fromRate, toRate int, up int64) resampleKernel {
	lower := float64(min(fromRate, toRate))
	in := float64(fromRate)
	cutoff := (resamplePassEdge + resampleStopEdge) / 2 * lower / in // cycles per input sample
	transition := (resampleStopEdge - resamplePassEdge) * lower / in
	beta := 0.1102 * (resampleStopDB - 8.7)
	// Kaiser's estimate of the filter length for this attenuation and transition.
	reach := (resampleStopDB - 8) / (2.285 * 2 * math.Pi * transition) / 2 // in input samples, each side
	half := int(math.Ceil(reach))

	phases := resampleMaxPhases
	if up <= resampleMaxPhases {
		phases = int(up)
	}
	width := 2 * half
	pp := resampleKernel{phases: phases, half: half, taps: make([]float32, (phases+1)*width)}
	// The window is smooth, so it is tabulated once and interpolated: far
	// cheaper than a Bessel series for each of the many thousand taps.
	window := make([]float64, resampleWindowPoints+1)
	i0beta := kaiserI0(beta)
	for i := range window {
		x := float64(i) / resampleWindowPoints
		window[i] = kaiserI0(beta*math.Sqrt(1-x*x)) / i0beta
	}
	vals := make([]float64, width)
	for p := 0; p <= phases; p++ {
		frac := float64(p) / float64(phases)
		row := pp.taps[p*width : (p+1)*width]
		var sum float64
		clear(vals)
		for t := range row {
			m := t - half + 1 // input sample i+m
			d := frac - float64(m)
			x := d / reach
			if x <= -1 || x >= 1 {
				continue
			}
			pos := math.Abs(x) * resampleWindowPoints
			i := int(pos)
			w := window[i]
			if i < resampleWindowPoints {
				w += (pos - float64(i)) * (window[i+1] - w)
			}
			v := resampleSinc(2*cutoff*d) * w
			vals[t] = v
			sum += v
		}
		for t, v := range vals {
			row[t] = float32(v / sum)
		}
	}
	return pp
}

func resampleSinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiserI0 is the modified Bessel function of the first kind, order zero, by its
// power series (which converges quickly for the arguments a Kaiser window uses).
func kaiserI0(x float64) float64 {
	sum, term := 1.0, 1.0
	q := x * x / 4
	for k := 1.0; term > sum*1e-12; k++ {
		term *= q / (k * k)
		sum += term
	}
	return sum
}

func resampleGCD(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// resampleGrow extends s by n samples, reallocating only when its capacity is short.
func resampleGrow(s []int16, n int) []int16 {
	if cap(s)-len(s) >= n {
		return s[:len(s)+n]
	}
	out := make([]int16, len(s)+n)
	copy(out, s)
	return out
}

func resampleClamp(v float32) int16 {
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
