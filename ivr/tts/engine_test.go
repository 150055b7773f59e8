package tts_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"

	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/ivr/tts"
	"tracecall/telephony/media"
)

// Sentences the IVR says, with 幺 (yāo, "one" in digit strings) and 公斤.
const (
	zhSentence = "欢迎致电追溯热线。请输入追溯码幺二三，重量五公斤。"
	enSentence = "Welcome to the meat and vegetable traceability hotline. Please enter your trace code."
)

// needEspeak fails the test when espeak-ng is not installed.
func needEspeak(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng not installed (make test installs it): apt-get install espeak-ng: ", err)
	}
}

// testLog sends the engine's log to the test's log.
func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newEngine returns an Engine closed when the test ends.
func newEngine(t testing.TB, cfg tts.Config) *tts.Engine {
	t.Helper()
	e, err := tts.New(cfg, testLog(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// speechLevel is the RMS in dBFS of the 20 ms frames within 30 dB of the loudest.
func speechLevel(s []int16) float64 {
	var es []float64
	var loudest float64
	for _, f := range media.FramesFromPCM(s) {
		var e float64
		for _, v := range f.Samples {
			e += float64(v) * float64(v)
		}
		e /= media.FrameSamples
		es = append(es, e)
		loudest = max(loudest, e)
	}
	var sum float64
	n := 0
	for _, e := range es {
		if e > 0 && e >= loudest/1000 {
			sum += e
			n++
		}
	}
	return 20 * math.Log10(math.Sqrt(sum/float64(n))/32767)
}

func peak(s []int16) int {
	p := 0
	for _, v := range s {
		p = max(p, int(math.Abs(float64(v))))
	}
	return p
}

func TestSay(t *testing.T) {
	needEspeak(t)
	tests := []struct {
		name     string
		lang     string
		text     string
		min, max time.Duration
	}{
		{"chinese sentence", "zh", zhSentence, 2 * time.Second, 10 * time.Second},
		{"chinese digits and weight", "zh", "幺二三四，五公斤", 300 * time.Millisecond, 5 * time.Second},
		{"chinese by region tag", "zh-CN", "公斤", 300 * time.Millisecond, 3 * time.Second},
		{"english sentence", "en", enSentence, 2 * time.Second, 10 * time.Second},
		{"text that looks like an option", "en", "--help", 300 * time.Millisecond, 3 * time.Second},
		{"text with controls", "en", "one\x00two\nthree\x1b", 300 * time.Millisecond, 4 * time.Second},
	}
	e := newEngine(t, tts.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := e.Say(t.Context(), tt.lang, tt.text)
			if err != nil {
				t.Fatalf("Say: %v", err)
			}
			if d := c.Duration(); d < tt.min || d > tt.max {
				t.Errorf("duration = %v, want %v..%v", d, tt.min, tt.max)
			}
			if c.Source != "tts" || c.Lang != strings.ToLower(tt.lang) {
				t.Errorf("source, lang = %q, %q; want tts, %q", c.Source, c.Lang, strings.ToLower(tt.lang))
			}
			if want := (len(c.Samples) + 159) / 160; c.Frames() != want {
				t.Errorf("frames = %d, want %d", c.Frames(), want)
			}
			level, p := speechLevel(c.Samples), peak(c.Samples)
			if level < -17.5 || level > -14.5 {
				t.Errorf("speech level = %.1f dBFS, want about -16", level)
			}
			if p > 31000 {
				t.Errorf("peak = %d, want under 31000", p)
			}
			lead := 0
			for lead < len(c.Samples) && math.Abs(float64(c.Samples[lead])) < float64(p)/100 {
				lead++
			}
			if lead > 400 { // 50 ms
				t.Errorf("leading silence = %d samples, want trimmed to 40 ms", lead)
			}
			t.Logf("%d runes: %v, speech level %.1f dBFS, peak %.1f dBFS", len([]rune(tt.text)),
				c.Duration(), level, 20*math.Log10(float64(p)/32767))
		})
	}
}

// TestVoiceReadsMandarin checks that the voice used for "zh" reads 幺 and 公斤 as
// Mandarin, not as pinyin spelled out in English (espeak-ng 1.51's "cmn").
func TestVoiceReadsMandarin(t *testing.T) {
	needEspeak(t)
	e := newEngine(t, tts.Config{})
	voice, err := e.Voice(t.Context(), "zh")
	if err != nil {
		t.Fatalf("Voice: %v", err)
	}
	out, err := exec.CommandContext(t.Context(), "espeak-ng", "-v", voice, "-q", "-x", "--", "幺二三，五公斤").Output()
	if err != nil {
		t.Fatalf("espeak-ng -x: %v", err)
	}
	if bytes.Contains(out, []byte("(en)")) {
		t.Errorf("voice %s reads Chinese as English: %s", voice, out)
	}
	t.Logf("zh → %s: %s", voice, bytes.TrimSpace(out))
	if v, err := e.Voice(t.Context(), "en"); err != nil || v != "en" {
		t.Errorf(`Voice("en") = %q, %v; want "en"`, v, err)
	}
}

func TestSayCaches(t *testing.T) {
	needEspeak(t)
	e := newEngine(t, tts.Config{})
	first, err := e.Say(t.Context(), "zh", "请输入追溯码")
	if err != nil {
		t.Fatalf("Say: %v", err)
	}
	for range 3 {
		again, err := e.Say(t.Context(), "ZH", "  请输入追溯码 ")
		if err != nil {
			t.Fatalf("Say again: %v", err)
		}
		if again != first {
			t.Fatal("Say again returned a different clip")
		}
	}
	if s := e.Stats(); s.Renders != 1 || s.Hits != 3 || s.Misses != 1 || s.Clips != 1 {
		t.Errorf("stats = %+v, want 1 render, 3 hits, 1 miss, 1 clip", s)
	}
	if _, err := e.Say(t.Context(), "en", "请输入追溯码"); err != nil {
		t.Fatalf("Say en: %v", err)
	}
	if s := e.Stats(); s.Renders != 2 {
		t.Errorf("renders = %d after the same text in another language, want 2", s.Renders)
	}
}

func TestSayConcurrentRendersOnce(t *testing.T) {
	needEspeak(t)
	e := newEngine(t, tts.Config{})
	const callers = 16
	clips := make([]*tts.Clip, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			c, err := e.Say(t.Context(), "zh", zhSentence)
			if err != nil {
				t.Errorf("Say: %v", err)
			}
			clips[i] = c
		})
	}
	wg.Wait()
	for i, c := range clips {
		if c != clips[0] {
			t.Fatalf("caller %d got a different clip", i)
		}
	}
	if s := e.Stats(); s.Renders != 1 {
		t.Errorf("renders = %d for %d concurrent callers, want 1", s.Renders, callers)
	}
}

func TestSayCancel(t *testing.T) {
	needEspeak(t)
	long := strings.Repeat(zhSentence, 30) // several seconds of work for espeak-ng

	t.Run("already cancelled", func(t *testing.T) {
		e := newEngine(t, tts.Config{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := e.Say(ctx, "zh", long); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if s := e.Stats(); s.Renders != 0 {
			t.Errorf("renders = %d, want none for a cancelled ctx", s.Renders)
		}
	})
	t.Run("during render", func(t *testing.T) {
		e := newEngine(t, tts.Config{})
		ctx, cancel := context.WithTimeout(t.Context(), time.Millisecond)
		defer cancel()
		if _, err := e.Say(ctx, "zh", long); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		e.Close() // waits for the abandoned render to be killed
		if s := e.Stats(); s.Clips != 0 {
			t.Errorf("stats = %+v, want nothing cached from an abandoned render", s)
		}
	})
	t.Run("one caller leaves, another waits", func(t *testing.T) {
		e := newEngine(t, tts.Config{})
		text := strings.Repeat(zhSentence, 4)
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() {
			_, err := e.Say(ctx, "zh", text)
			done <- err
		}()
		cancel()
		c, err := e.Say(t.Context(), "zh", text)
		if err != nil || c == nil {
			t.Fatalf("Say of the staying caller = %v, %v; want a clip", c, err)
		}
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("leaving caller: %v, want nil or context.Canceled", err)
		}
	})
	t.Run("close", func(t *testing.T) {
		e := newEngine(t, tts.Config{})
		done := make(chan error)
		go func() {
			_, err := e.Say(t.Context(), "zh", long)
			done <- err
		}()
		e.Close()
		err := <-done
		if err != nil && !errors.Is(err, tts.ErrClosed) {
			t.Errorf("Say cut short by Close: %v, want nil or ErrClosed", err)
		}
		if _, err := e.Say(t.Context(), "zh", "你好"); !errors.Is(err, tts.ErrClosed) {
			t.Errorf("Say after Close: %v, want ErrClosed", err)
		}
		if err := e.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

func TestSayErrors(t *testing.T) {
	tests := []struct {
		name     string
		cfg      tts.Config
		espeak   bool // needs espeak-ng
		lang     string
		text     string
		wantErr  error
		wantText []string // in the message
	}{
		{"missing binary", tts.Config{Binary: "/nonexistent/espeak-ng"}, false, "en", "hello",
			tts.ErrNoBinary, []string{"/nonexistent/espeak-ng", "install the espeak-ng package"}},
		{"binary not in PATH", tts.Config{Binary: "espeak-ng-not-installed"}, false, "zh", "你好",
			tts.ErrNoBinary, []string{"espeak-ng-not-installed"}},
		{"unknown language", tts.Config{}, false, "fr", "bonjour", tts.ErrNoVoice, []string{`"fr"`}},
		{"empty text", tts.Config{}, false, "en", " \n\t", nil, []string{"empty text"}},
		{"text too long", tts.Config{}, false, "en", strings.Repeat("a", 5000), nil, []string{"limit"}},
		{"voice espeak-ng lacks", tts.Config{Voices: map[string]string{"xx": "nonexist"}}, true, "xx", "hello",
			nil, []string{"nonexist", "exit status", "does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.espeak {
				needEspeak(t)
			}
			e := newEngine(t, tt.cfg)
			c, err := e.Say(t.Context(), tt.lang, tt.text)
			if err == nil {
				t.Fatalf("Say = %v, want an error", c)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			for _, s := range tt.wantText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("err = %q, want it to mention %q", err, s)
				}
			}
			t.Log(err)
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  tts.Config
	}{
		{"speed too slow", tts.Config{Speed: 10}},
		{"speed too fast", tts.Config{Speed: 1000}},
		{"negative cache", tts.Config{CacheEntries: -1}},
		{"negative renders", tts.Config{Renders: -1}},
		{"voice like an option", tts.Config{Voices: map[string]string{"zh": "--stdout"}}},
		{"empty voice", tts.Config{Voices: map[string]string{"zh": ""}}},
		{"voice with space", tts.Config{Voices: map[string]string{"zh": "cmn x"}}},
		{"empty language", tts.Config{Voices: map[string]string{" ": "cmn"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if e, err := tts.New(tt.cfg, nil); err == nil {
				e.Close()
				t.Fatal("New succeeded, want an error")
			}
		})
	}
}

func TestWarm(t *testing.T) {
	needEspeak(t)
	e := newEngine(t, tts.Config{})
	texts := []string{"您好", "请输入追溯码", "谢谢，再见"}
	e.Warm(t.Context(), "zh", texts)
	for _, text := range texts {
		if _, err := e.Say(t.Context(), "zh", text); err != nil {
			t.Fatalf("Say %q: %v", text, err)
		}
	}
	// Each text is rendered once, by Warm or by Say joining or preceding it.
	if s := e.Stats(); s.Renders != int64(len(texts)) {
		t.Errorf("renders = %d, want %d", s.Renders, len(texts))
	}
	e.Close()
	e.Warm(t.Context(), "zh", []string{"不会渲染"}) // after Close: does nothing
	if s := e.Stats(); s.Renders != int64(len(texts)) {
		t.Errorf("renders = %d after Warm on a closed engine, want %d", s.Renders, len(texts))
	}
}

// TestSayMixed checks that Mandarin text with Latin letters in it is spoken in
// runs, one espeak-ng render each, into one clip, and other text in one render.
func TestSayMixed(t *testing.T) {
	needEspeak(t)
	tests := []struct {
		name     string
		lang     string
		text     string
		renders  int64
		min, max time.Duration
	}{
		{"welcome with english", "zh", "您好，欢迎致电肉菜流通追溯查询热线。查询追溯码请按1。For English, press 9.",
			2, 4 * time.Second, 12 * time.Second},
		{"stall letter", "zh", "摊位号B幺二", 3, 800 * time.Millisecond, 4 * time.Second},
		{"region tag", "zh-CN", "请说Yes或No。", 4, 800 * time.Millisecond, 4 * time.Second},
		{"english only", "zh", "For English, press 9.", 1, 800 * time.Millisecond, 4 * time.Second},
		{"no latin letters", "zh", "猪肉前腿肉，幺二三。", 1, 800 * time.Millisecond, 4 * time.Second},
		{"english text in english", "en", "Stall B12, press 9.", 1, 800 * time.Millisecond, 4 * time.Second},
		{"cmn voice under another name", "mandarin", "摊位号B幺二", 3, 800 * time.Millisecond, 4 * time.Second},
	}
	e := newEngine(t, tts.Config{Voices: map[string]string{"mandarin": "cmn"}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.Stats().Renders
			c, err := e.Say(t.Context(), tt.lang, tt.text)
			if err != nil {
				t.Fatalf("Say: %v", err)
			}
			if got := e.Stats().Renders - before; got != tt.renders {
				t.Errorf("renders = %d, want %d", got, tt.renders)
			}
			if d := c.Duration(); d < tt.min || d > tt.max {
				t.Errorf("duration = %v, want %v..%v", d, tt.min, tt.max)
			}
			if c.Text != tt.text || c.Source != "tts" {
				t.Errorf("text, source = %q, %q; want %q, tts", c.Text, c.Source, tt.text)
			}
			if level := speechLevel(c.Samples); level < -17.5 || level > -14.5 {
				t.Errorf("speech level = %.1f dBFS, want about -16", level)
			}
			if p := peak(c.Samples); p > 31000 {
				t.Errorf("peak = %d, want under 31000", p)
			}
			again, err := e.Say(t.Context(), tt.lang, tt.text)
			if err != nil || again != c {
				t.Errorf("Say again = %p, %v; want the cached clip %p", again, err, c)
			}
			t.Logf("%v, speech level %.1f dBFS", c.Duration(), speechLevel(c.Samples))
		})
	}
}

// TestSayMixedSpeeds checks that English words in Mandarin text are spoken at
// the English speed and the rest at the Mandarin one.
func TestSayMixedSpeeds(t *testing.T) {
	needEspeak(t)
	const mixed = "请按1。For English, please press nine on your telephone keypad now."
	say := func(t *testing.T, speeds map[string]int, text string) time.Duration {
		t.Helper()
		c, err := newEngine(t, tts.Config{Speeds: speeds}).Say(t.Context(), "zh", text)
		if err != nil {
			t.Fatalf("Say: %v", err)
		}
		return c.Duration()
	}
	slow, fast := say(t, map[string]int{"en": 90}, mixed), say(t, map[string]int{"en": 300}, mixed)
	if slow < fast*3/2 {
		t.Errorf("English at 90 wpm took %v, at 300 wpm %v; want the slow one much longer", slow, fast)
	}
	zhSlow, zhFast := say(t, map[string]int{"zh": 100}, mixed), say(t, map[string]int{"zh": 400}, mixed)
	if zhSlow <= zhFast {
		t.Errorf("Mandarin at 100 wpm took %v, at 400 wpm %v; want the slow one longer", zhSlow, zhFast)
	}
	t.Logf("en 90: %v, en 300: %v, zh 100: %v, zh 400: %v", slow, fast, zhSlow, zhFast)
}
