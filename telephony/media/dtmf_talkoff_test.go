package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"os/exec"
	"testing"

	"tracecall/telephony/media"
)

// Talk-off: speech and music must never be taken for a digit. The reference tapes
// (Mitel CM7291, Bellcore) are copyrighted and not in the repository, so the tests
// below synthesise speech-like and music-like signals and, when espeak-ng is
// installed, render real text-to-speech in Mandarin, Cantonese and English.

// resonator is a two-pole formant filter.
type resonator struct{ a1, a2, y1, y2 float64 }

func (r *resonator) set(freq, bw float64) {
	p := math.Exp(-math.Pi * bw / 8000)
	r.a1 = 2 * p * math.Cos(2*math.Pi*freq/8000)
	r.a2 = -p * p
}

func (r *resonator) step(x float64) float64 {
	y := x + r.a1*r.y1 + r.a2*r.y2
	r.y2, r.y1 = r.y1, y
	return y
}

// vowels holds rough formant targets (F1, F2, F3) of vowels of several languages,
// with some placed on purpose where DTMF row and column tones lie.
var vowels = [][3]float64{
	{730, 1090, 2440}, {270, 2290, 3010}, {300, 870, 2240}, {530, 1840, 2480},
	{570, 840, 2410}, {660, 1720, 2410}, {490, 1350, 1690}, {700, 1210, 2600},
	{770, 1340, 2500}, {850, 1480, 2700}, {940, 1630, 2800}, {400, 1209, 2300},
}

// speechLike synthesises a talker: voiced segments (pulse train with moving pitch
// through three moving formants), fricative noise bursts and pauses. Steady sets a
// sung, nearly constant pitch, the hardest case for a detector.
func speechLike(rng *rand.Rand, seconds float64, pitch float64, steady bool) signal {
	s := make(signal, int(seconds*8000))
	var f1, f2, f3 resonator
	var glottal1, glottal2 float64
	phase := 0.0
	i := 0
	for i < len(s) {
		seg := ms(40 + rng.Float64()*260)
		switch kind := rng.IntN(10); {
		case kind < 6: // voiced, gliding from one vowel to another
			from, to := vowels[rng.IntN(len(vowels))], vowels[rng.IntN(len(vowels))]
			p0 := pitch * (0.8 + 0.4*rng.Float64())
			glide := 0.3 * (rng.Float64() - 0.5)
			if steady {
				glide = 0.01 * (rng.Float64() - 0.5)
			}
			amp := 0.5 + rng.Float64()
			for n := 0; n < seg && i < len(s); n, i = n+1, i+1 {
				x := float64(n) / float64(seg)
				if n%40 == 0 {
					f1.set(from[0]+(to[0]-from[0])*x, 60)
					f2.set(from[1]+(to[1]-from[1])*x, 80)
					f3.set(from[2]+(to[2]-from[2])*x, 120)
				}
				f0 := p0 * (1 + glide*x + 0.01*math.Sin(2*math.Pi*5*float64(i)/8000))
				phase += f0 / 8000
				src := 0.0
				if phase >= 1 {
					phase--
					src = 1
				}
				// Glottal spectrum: two one-pole low-passes.
				glottal1 = 0.9*glottal1 + src
				glottal2 = 0.7*glottal2 + glottal1
				env := math.Min(1, math.Min(float64(n), float64(seg-n))/float64(ms(15)))
				s[i] = amp * env * f3.step(f2.step(f1.step(glottal2)))
			}
		case kind < 8: // fricative or plosive burst: shaped noise
			var r resonator
			r.set(1000+rng.Float64()*2800, 400+rng.Float64()*1000)
			amp := 0.05 + 0.3*rng.Float64()
			for n := 0; n < seg && i < len(s); n, i = n+1, i+1 {
				s[i] = amp * r.step(rng.NormFloat64())
			}
		default: // pause
			i += seg
		}
	}
	return s
}

// musicLike synthesises chords of three or four notes of the equal-tempered scale,
// each with a few harmonics, either struck (decaying) or held (organ-like).
func musicLike(rng *rand.Rand, seconds float64, harmonics int, held bool) signal {
	s := make(signal, int(seconds*8000))
	for start := 0; start < len(s); {
		n := ms(150 + rng.Float64()*600)
		notes := 3 + rng.IntN(2)
		root := 48 + rng.IntN(30) // MIDI note, C3 up to F#5
		steps := [][]int{{0, 4, 7, 12}, {0, 3, 7, 10}, {0, 4, 7, 11}, {0, 5, 9, 14}, {0, 3, 6, 9}}[rng.IntN(5)]
		for k := range notes {
			f := 440 * math.Pow(2, float64(root+steps[k]-69)/12)
			for h := 1; h <= harmonics && float64(h)*f < 3900; h++ {
				a := 1 / math.Pow(float64(h), 1.2)
				w := 2 * math.Pi * float64(h) * f / 8000
				phi := rng.Float64() * 2 * math.Pi
				for i := 0; i < n && start+i < len(s); i++ {
					env := 1.0
					if !held {
						env = math.Exp(-float64(i) / float64(ms(250)))
					}
					s[start+i] += a * env * math.Sin(w*float64(i)+phi)
				}
			}
		}
		start += n
	}
	return s
}

// talkOff feeds s at several levels and fails on any digit.
func talkOff(t *testing.T, s signal) {
	t.Helper()
	// Peak from 0 dBFS down to -30 dBFS: loud speech reaches the twist and share
	// limits differently from quiet speech near the level threshold.
	for _, peak := range []float64{32000, 10000, 1000} {
		s.scale(peak)
		if got := detect(t, media.DTMFConfig{}, s); got != "" {
			t.Errorf("peak %v: false digits %q", peak, got)
		}
	}
}

func TestDTMFDetectorTalkOffSynthetic(t *testing.T) {
	tests := []struct {
		name string
		gen  func(rng *rand.Rand) signal
	}{
		{"male speech", func(rng *rand.Rand) signal { return speechLike(rng, 30, 110, false) }},
		{"female speech", func(rng *rand.Rand) signal { return speechLike(rng, 30, 220, false) }},
		{"child speech", func(rng *rand.Rand) signal { return speechLike(rng, 15, 320, false) }},
		{"sung vowels, low", func(rng *rand.Rand) signal { return speechLike(rng, 20, 100, true) }},
		{"sung vowels, high", func(rng *rand.Rand) signal { return speechLike(rng, 20, 240, true) }},
		{"piano chords", func(rng *rand.Rand) signal { return musicLike(rng, 20, 6, false) }},
		{"organ chords", func(rng *rand.Rand) signal { return musicLike(rng, 20, 4, true) }},
		{"flute chords", func(rng *rand.Rand) signal { return musicLike(rng, 20, 1, true) }},
		{"white noise", func(rng *rand.Rand) signal {
			s := make(signal, 5*8000)
			s.addNoise(rng, 1)
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			talkOff(t, tt.gen(newRand(t)))
		})
	}
}

// TestDTMFDetectorTalkOffSpeech renders text-to-speech with espeak-ng.
func TestDTMFDetectorTalkOffSpeech(t *testing.T) {
	espeak, err := exec.LookPath("espeak-ng")
	if err != nil {
		t.Fatal("espeak-ng not installed (make test installs it): apt-get install espeak-ng")
	}
	const (
		mandarin  = "您好，欢迎致电追溯服务中心。请输入您的十八位产品追溯码，以井号键结束。查询订单请按一，投诉建议请按二，人工服务请按零。我们的工作时间是周一至周五上午九点到下午六点。感谢您的耐心等待，您的来电对我们非常重要。"
		cantonese = "你好，歡迎致電追溯服務中心。請輸入產品追溯碼，然後按井字鍵。查詢訂單請按一，人工服務請按零。多謝你嘅耐心等候。"
		english   = "Hello and welcome to the trace service center. Please enter the eighteen digit trace code printed on your product, followed by the hash key. For orders press one, for complaints press two, to speak to an agent press zero. Our opening hours are Monday to Friday, nine in the morning to six in the evening. Thank you for waiting, your call is important to us."
	)
	tests := []struct {
		name string
		args []string
		text string
	}{
		{"mandarin male", []string{"-v", "cmn"}, mandarin},
		{"mandarin female high", []string{"-v", "cmn+f3", "-p", "80"}, mandarin},
		{"mandarin fast low", []string{"-v", "cmn+m3", "-p", "20", "-s", "220"}, mandarin},
		{"cantonese", []string{"-v", "yue"}, cantonese},
		{"english male", []string{"-v", "en-us"}, english},
		{"english female", []string{"-v", "en-us+f2", "-p", "70"}, english},
		{"english monotone", []string{"-v", "en", "-p", "50", "-s", "140"}, english},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := exec.Command(espeak, append(tt.args, "--stdout", tt.text)...).Output()
			if err != nil {
				t.Fatalf("espeak-ng: %v", err)
			}
			pcm, rate, err := parseWAV(out)
			if err != nil {
				t.Fatal(err)
			}
			talkOff(t, resampleTo8k(pcm, rate))
		})
	}
}

// parseWAV reads 16-bit mono PCM from a RIFF WAVE image. espeak-ng writing to a pipe
// leaves the sizes at their maximum, so the data chunk runs to the end.
func parseWAV(b []byte) ([]float64, int, error) {
	if len(b) < 12 || !bytes.Equal(b[0:4], []byte("RIFF")) || !bytes.Equal(b[8:12], []byte("WAVE")) {
		return nil, 0, errors.New("not a wav file")
	}
	rate := 0
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), int(binary.LittleEndian.Uint32(b[p+4:p+8]))
		p += 8
		switch id {
		case "fmt ":
			if p+16 > len(b) {
				return nil, 0, errors.New("short fmt chunk")
			}
			if ch, bits := binary.LittleEndian.Uint16(b[p+2:]), binary.LittleEndian.Uint16(b[p+14:]); ch != 1 || bits != 16 {
				return nil, 0, errors.New("want 16-bit mono")
			}
			rate = int(binary.LittleEndian.Uint32(b[p+4:]))
		case "data":
			if rate == 0 {
				return nil, 0, errors.New("data before fmt")
			}
			data := b[p:min(len(b), p+size)]
			pcm := make([]float64, len(data)/2)
			for i := range pcm {
				pcm[i] = float64(int16(binary.LittleEndian.Uint16(data[2*i:])))
			}
			return pcm, rate, nil
		}
		p += size + size&1
	}
	return nil, 0, errors.New("no data chunk")
}

// resampleTo8k low-passes x (windowed sinc, cut-off 3.6 kHz) and interpolates it
// linearly at 8 kHz. Crude, but good enough to present speech to the detector.
func resampleTo8k(x []float64, rate int) signal {
	const taps = 63
	fc := 3600 / float64(rate)
	var h [taps]float64
	for k := range h {
		m := float64(k - taps/2)
		sinc := 2 * fc
		if m != 0 {
			sinc = math.Sin(2*math.Pi*fc*m) / (math.Pi * m)
		}
		h[k] = sinc * (0.54 - 0.46*math.Cos(2*math.Pi*float64(k)/(taps-1)))
	}
	y := make([]float64, len(x))
	for i := range x {
		var acc float64
		for k, c := range h {
			if j := i + k - taps/2; j >= 0 && j < len(x) {
				acc += c * x[j]
			}
		}
		y[i] = acc
	}
	step := float64(rate) / 8000
	s := make(signal, int(float64(len(y))/step))
	for i := range s {
		p := float64(i) * step
		j := int(p)
		fr := p - float64(j)
		if j+1 < len(y) {
			s[i] = y[j]*(1-fr) + y[j+1]*fr
		}
	}
	return s
}
