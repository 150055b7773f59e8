package tts

import (
	"math"
	"slices"

	"tracecall/telephony/media"
)

// Level and trimming of spoken clips.
const (
	trimLead     = 40 * media.SampleRate / 1000 // samples of silence kept before speech
	trimTail     = 80 * media.SampleRate / 1000 // and after it, for the last syllable's decay
	trimFloor    = 33                           // about -60 dBFS: never louder than this counts as silence
	targetRMS    = 5193                         // -16 dBFS: 32767 * 10^(-16/20)
	peakLimit    = 31000                        // about -0.5 dBFS: peaks are limited to this
	limiterReach = 5 * media.SampleRate / 1000  // the limiter starts turning down 5 ms ahead of a peak
	maxGain      = 10                           // +20 dB at most, so noise is never blown up
	gateFrames   = 1000                         // frames quieter than the loudest by 30 dB are pauses
	maxLevelCut  = 0.25                         // matchLevels turns a clip down by 12 dB at most
)

// trimSilence returns a copy of s without its leading and trailing silence, but
// for a short margin. Silence is anything 40 dB under the peak (or under trimFloor).
// All-silent input gives nil.
func trimSilence(s []int16) []int16 { return trimMargins(s, trimLead, trimTail) }

// trimMargins is trimSilence keeping lead samples of silence before the speech
// and tail samples after it.
func trimMargins(s []int16, lead, tail int) []int16 {
	peak := peakOf(s)
	thr := max(peak/100, trimFloor)
	first, last := -1, -1
	for i, v := range s {
		if abs32(v) > thr {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	return slices.Clone(s[max(0, first-lead):min(len(s), last+1+tail)])
}

// matchLevels turns down, in place, each clip louder in speech level than the
// quietest one to that level, but by maxLevelCut at most, so that clips from
// different voices sound alike once joined and normalized. Nothing is turned
// up, so nothing clips.
func matchLevels(clips [][]int16) {
	levels := make([]float64, len(clips))
	quietest := math.Inf(1)
	for i, c := range clips {
		levels[i] = speechRMS(c)
		if levels[i] > 0 {
			quietest = min(quietest, levels[i])
		}
	}
	for i, c := range clips {
		if levels[i] <= quietest {
			continue
		}
		gain := max(quietest/levels[i], maxLevelCut)
		for j, v := range c {
			c[j] = int16(math.Round(float64(v) * gain))
		}
	}
}

// speechRMS is the RMS of s over its 20 ms frames that are within 30 dB of the
// loudest one, so pauses between words do not pull the level down.
func speechRMS(s []int16) float64 {
	var energies []float64
	var loudest float64
	for start := 0; start < len(s); start += media.FrameSamples {
		frame := s[start:min(start+media.FrameSamples, len(s))]
		var e float64
		for _, v := range frame {
			e += float64(v) * float64(v)
		}
		e /= float64(len(frame))
		energies = append(energies, e)
		loudest = max(loudest, e)
	}
	var sum float64
	n := 0
	for _, e := range energies {
		if e > 0 && e >= loudest/gateFrames {
			sum += e
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return math.Sqrt(sum / float64(n))
}

// normalize scales s in place to about -16 dBFS speech level, with at most
// maxGain. espeak-ng's voice is peaky (its crest factor can reach 18 dB), so
// instead of lowering the whole clip to keep its peaks in range, a short
// look-ahead limiter turns down just the peaks, smoothly, to peakLimit.
func normalize(s []int16) {
	level := speechRMS(s)
	if level == 0 {
		return
	}
	gain := min(targetRMS/level, maxGain)
	y := make([]float64, len(s))
	for i, v := range s {
		y[i] = float64(v) * gain
	}
	g := limiterGain(y)
	for i, v := range y {
		s[i] = int16(max(min(math.Round(v*g[i]), math.MaxInt16), math.MinInt16))
	}
}

// limiterGain returns a per-sample gain that keeps |y*gain| under peakLimit. The
// gain each peak needs is spread over limiterReach samples either side (a minimum
// filter), then smoothed by a moving average no longer than that reach, which
// can only lower it further, so no peak escapes and the gain never steps.
func limiterGain(y []float64) []float64 {
	need := make([]float64, len(y))
	over := false
	for i, v := range y {
		need[i] = 1
		if a := math.Abs(v); a > peakLimit {
			need[i] = peakLimit / a
			over = true
		}
	}
	if !over {
		return need
	}
	// held[i] is the least need within limiterReach of i: a sliding minimum,
	// kept with a queue of indices whose needs increase from front to back.
	held := make([]float64, len(y))
	queue := make([]int, 0, 2*limiterReach+2)
	for i := 0; i < len(y)+limiterReach; i++ {
		if i < len(y) {
			for len(queue) > 0 && need[queue[len(queue)-1]] >= need[i] {
				queue = queue[:len(queue)-1]
			}
			queue = append(queue, i)
		}
		if o := i - limiterReach; o >= 0 {
			for queue[0] < o-limiterReach {
				queue = queue[1:]
			}
			held[o] = need[queue[0]]
		}
	}
	// Centred moving average of 2*half+1 <= limiterReach+1 samples; outside the
	// clip the gain counts as 1, which is safe because held is 1 beyond any peak's reach.
	const half = limiterReach / 2
	at := func(i int) float64 {
		if i < 0 || i >= len(held) {
			return 1
		}
		return held[i]
	}
	var sum float64
	for j := -half; j <= half; j++ {
		sum += at(j)
	}
	for i := range need {
		need[i] = sum / (2*half + 1)
		sum += at(i+half+1) - at(i-half)
	}
	return need
}

func peakOf(s []int16) int32 {
	var peak int32
	for _, v := range s {
		peak = max(peak, abs32(v))
	}
	return peak
}

func abs32(v int16) int32 {
	if v < 0 {
		return -int32(v)
	}
	return int32(v)
}
