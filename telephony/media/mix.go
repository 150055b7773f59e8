package media

import "math"

// Sum mixes frames for a conference: Add every talker's frame, then Out gives
// each member the sum less their own voice, so nobody hears themselves. The
// sum is kept in 32 bits and saturated only on the way out, so a loud talker
// does not clip the others in the accumulator. A Sum is not safe for
// concurrent use and does not allocate.
type Sum struct {
	acc [FrameSamples]int32
	n   int // frames added since Reset
}

// Reset empties the sum for the next 20 ms.
func (s *Sum) Reset() {
	if s.n > 0 {
		s.acc = [FrameSamples]int32{}
	}
	s.n = 0
}

// Add adds f to the sum.
func (s *Sum) Add(f *Frame) {
	for i, v := range &f.Samples {
		s.acc[i] += int32(v)
	}
	s.n++
}

// Len reports how many frames were added since Reset.
func (s *Sum) Len() int { return s.n }

// Out sets dst to the sum less own (nil for a member who was not added:
// a listener, or a talker with no frame this time), saturating at the int16
// limits. dst.Seq is not touched.
func (s *Sum) Out(dst, own *Frame) {
	if own == nil {
		for i, v := range &s.acc {
			dst.Samples[i] = clamp16(v)
		}
		return
	}
	for i, v := range &s.acc {
		dst.Samples[i] = clamp16(v - int32(own.Samples[i]))
	}
}

// clamp16 saturates v to the int16 range.
func clamp16(v int32) int16 {
	return int16(max(math.MinInt16, min(math.MaxInt16, v)))
}
