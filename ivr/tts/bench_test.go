package tts_test

import (
	"strings"
	"testing"

	"tracecall/ivr/tts"
	"tracecall/telephony/media"
)

// BenchmarkSayCached is the cost of a phrase already said: the IVR's common case.
func BenchmarkSayCached(b *testing.B) {
	needEspeak(b)
	e := newEngine(b, tts.Config{})
	if _, err := e.Say(b.Context(), "zh", zhSentence); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Say(b.Context(), "zh", zhSentence); err != nil {
			b.Fatal(err)
		}
	}
	if s := e.Stats(); s.Renders != 1 {
		b.Errorf("renders = %d, want 1", s.Renders)
	}
}

// BenchmarkSayRender is the cost of a first Say of a typical sentence: espeak-ng,
// decoding, resampling, trimming and levelling. A one-clip cache and two
// sentences said in turn make every Say a render.
func BenchmarkSayRender(b *testing.B) {
	needEspeak(b)
	for _, bb := range []struct{ name, lang, text string }{
		{"zh", "zh", zhSentence},
		{"en", "en", enSentence},
		{"zh with english", "zh", "您好，欢迎致电追溯热线。查询追溯码请按1。For English, press 9."},
	} {
		b.Run(bb.name, func(b *testing.B) {
			e := newEngine(b, tts.Config{CacheEntries: 1})
			texts := []string{bb.text, strings.ReplaceAll(bb.text, ".", "!")}
			texts[1] = strings.ReplaceAll(texts[1], "。", "！")
			if _, err := e.Voice(b.Context(), bb.lang); err != nil { // probe outside the timing
				b.Fatal(err)
			}
			var audio float64
			i := 0
			for b.Loop() {
				c, err := e.Say(b.Context(), bb.lang, texts[i%2])
				if err != nil {
					b.Fatal(err)
				}
				audio = c.Duration().Seconds()
				i++
			}
			if s := e.Stats(); s.Hits != 0 {
				b.Errorf("%d cache hits, want every Say to render", s.Hits)
			}
			b.ReportMetric(audio, "audio-s")
		})
	}
}

// BenchmarkClipFrame is the per-frame cost of playing a clip.
func BenchmarkClipFrame(b *testing.B) {
	c := &tts.Clip{Samples: make([]int16, 8000)}
	var f media.Frame
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if !c.Frame(n, &f) {
			n = 0
		}
		n++
	}
}
