package tts_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"tracecall/ivr/tts"
	"tracecall/telephony/media"
)

// writeWAV writes seconds of a freq Hz tone at half scale, rate Hz, bits deep,
// with channels channels (the second at quarter scale, so a mono mix is at 3/8),
// to dir/lang/name.wav with go-audio/wav, and returns the path.
func writeWAV(t *testing.T, dir, lang, name string, rate, bits, channels int, freq, seconds float64) string {
	t.Helper()
	path := filepath.Join(dir, lang, name+".wav")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	full := float64(int(1)<<(bits-1) - 1)
	n := int(seconds * float64(rate))
	data := make([]int, 0, n*channels)
	for i := range n {
		v := 0.5 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate))
		for c := range channels {
			s := v
			if c == 1 {
				s = v / 2
			}
			x := int(math.Round(s * full))
			if bits == 8 {
				x += 128 // 8-bit WAV is unsigned
			}
			data = append(data, x)
		}
	}
	enc := wav.NewEncoder(f, rate, bits, channels, 1)
	buf := &audio.IntBuffer{Format: &audio.Format{NumChannels: channels, SampleRate: rate}, Data: data, SourceBitDepth: bits}
	if err := enc.Write(buf); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// toneOf measures the frequency (from rising zero crossings) and RMS of s.
func toneOf(s []int16) (freq, rms float64) {
	first, last, n := -1, -1, 0
	var sum float64
	for i, v := range s {
		sum += float64(v) * float64(v)
		if i > 0 && s[i-1] < 0 && v >= 0 {
			if first < 0 {
				first = i
			} else {
				n++
			}
			last = i
		}
	}
	return float64(n) * media.SampleRate / float64(last-first), math.Sqrt(sum / float64(len(s)))
}

func TestPromptFile(t *testing.T) {
	tests := []struct {
		name     string
		rate     int
		bits     int
		channels int
		seconds  float64
	}{
		{"16000 Hz mono", 16000, 16, 1, 0.5},
		{"44100 Hz stereo", 44100, 16, 2, 0.75},
		{"48000 Hz 24-bit", 48000, 24, 1, 0.4},
		{"32000 Hz 32-bit stereo", 32000, 32, 2, 0.3},
		{"22050 Hz 8-bit", 22050, 8, 1, 0.6},
		{"8000 Hz mono", 8000, 16, 1, 1},
	}
	dir := t.TempDir()
	// No espeak-ng: a prompt served from a file must not need it.
	e := newEngine(t, tts.Config{PromptDir: dir, Binary: "/nonexistent/espeak-ng"})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "welcome_" + string(rune('a'+i))
			path := writeWAV(t, dir, "zh", name, tt.rate, tt.bits, tt.channels, 1000, tt.seconds)
			c, err := e.Prompt(t.Context(), "zh", name, "欢迎")
			if err != nil {
				t.Fatalf("Prompt: %v", err)
			}
			if c.Source != "file:"+path {
				t.Errorf("source = %q, want file:%s", c.Source, path)
			}
			if want := time.Duration(tt.seconds * float64(time.Second)); c.Duration()-want > time.Millisecond || want-c.Duration() > time.Millisecond {
				t.Errorf("duration = %v, want %v", c.Duration(), want)
			}
			freq, rms := toneOf(c.Samples[400 : len(c.Samples)-400])
			if math.Abs(freq-1000) > 2 {
				t.Errorf("frequency = %.1f Hz, want 1000", freq)
			}
			wantRMS := 0.5 * 32767 / math.Sqrt2
			if tt.channels == 2 {
				wantRMS *= 0.75 // the mix of half and quarter scale
			}
			if d := 20 * math.Log10(rms/wantRMS); math.Abs(d) > 0.1 {
				t.Errorf("level = %.2f dB off, want within 0.1 (downmixed, not normalised)", d)
			}
		})
	}
	if s := e.Stats(); s.Renders != 0 || s.FileLoads != int64(len(tests)) {
		t.Errorf("stats = %+v, want no renders and %d file loads", s, len(tests))
	}

	t.Run("cached", func(t *testing.T) {
		a, _ := e.Prompt(t.Context(), "zh", "welcome_a", "欢迎")
		b, _ := e.Prompt(t.Context(), "zh", "welcome_a", "欢迎")
		if a == nil || a != b {
			t.Error("second Prompt returned a different clip")
		}
		if s := e.Stats(); s.FileLoads != int64(len(tests)) {
			t.Errorf("file loads = %d, want %d: the file was read again", s.FileLoads, len(tests))
		}
	})
	t.Run("other language has no file", func(t *testing.T) {
		_, err := e.Prompt(t.Context(), "en", "welcome_a", "Welcome")
		if !errors.Is(err, tts.ErrNoBinary) {
			t.Errorf("err = %v, want ErrNoBinary from falling back to Say", err)
		}
	})
}

func TestPromptFallsBackToSay(t *testing.T) {
	needEspeak(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "zh", "broken.wav")
	if err := os.MkdirAll(filepath.Dir(bad), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("RIFF\x00\x00\x00\x00WAVEjunk"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		promptDir string
		prompt    string
	}{
		{"no prompt dir", "", "welcome"},
		{"no file", dir, "welcome"},
		{"undecodable file", dir, "broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEngine(t, tts.Config{PromptDir: tt.promptDir})
			c, err := e.Prompt(t.Context(), "zh", tt.prompt, "欢迎致电")
			if err != nil {
				t.Fatalf("Prompt: %v", err)
			}
			if c.Source != "tts" || c.Text != "欢迎致电" {
				t.Errorf("source, text = %q, %q; want tts, 欢迎致电", c.Source, c.Text)
			}
		})
	}
}

func TestPromptBadName(t *testing.T) {
	dir := t.TempDir()
	writeWAV(t, dir, "zh", "ok", 8000, 16, 1, 1000, 0.1)
	e := newEngine(t, tts.Config{PromptDir: dir, Binary: "/nonexistent/espeak-ng"})
	tests := []struct {
		name, lang, prompt string
	}{
		{"empty", "zh", ""},
		{"parent", "zh", ".."},
		{"climbs out", "zh", "../../etc/passwd"},
		{"subdirectory", "zh", "a/b"},
		{"backslash", "zh", `a\b`},
		{"hidden", "zh", ".ok"},
		{"dots inside", "zh", "a..b"},
		{"space", "zh", "a b"},
		{"nul", "zh", "ok\x00"},
		{"newline", "zh", "ok\n"},
		{"invalid utf-8", "zh", "ok\xff"},
		{"too long", "zh", strings.Repeat("a", 65)},
		{"language climbs out", "../zh", "ok"},
		{"language absolute", "/zh", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := e.Prompt(t.Context(), tt.lang, tt.prompt, "text"); !errors.Is(err, tts.ErrBadName) {
				t.Errorf("Prompt(%q, %q) = %v, %v; want ErrBadName", tt.lang, tt.prompt, c, err)
			}
		})
	}
	for _, good := range []string{"ok", "welcome_1", "menu-main", "追溯码提示", "a.b"} {
		if err := tts.CheckName(good); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", good, err)
		}
	}
}

// TestPromptFileChanges runs in a synctest bubble, so the two seconds between
// looks at the file pass at once.
func TestPromptFileChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		e, err := tts.New(tts.Config{PromptDir: dir, Binary: "/nonexistent/espeak-ng"}, testLog(t))
		if err != nil {
			t.Fatal(err)
		}
		defer e.Close()
		prompt := func() (*tts.Clip, error) { return e.Prompt(t.Context(), "zh", "menu", "主菜单") }

		path := writeWAV(t, dir, "zh", "menu", 16000, 16, 1, 1000, 0.5)
		first, err := prompt()
		if err != nil || first.Duration() != 500*time.Millisecond {
			t.Fatalf("first Prompt = %v, %v; want the 0.5 s file", first, err)
		}

		writeWAV(t, dir, "zh", "menu", 44100, 16, 2, 1000, 1) // replaced
		if c, _ := prompt(); c != first {
			t.Error("file looked at again within two seconds")
		}
		time.Sleep(3 * time.Second)
		second, err := prompt()
		if err != nil || second.Duration() != time.Second {
			t.Fatalf("Prompt after the file changed = %v, %v; want the 1 s file", second, err)
		}

		if err := os.WriteFile(path, []byte("not a wav"), 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		if _, err := prompt(); !errors.Is(err, tts.ErrNoBinary) {
			t.Errorf("Prompt with a broken file = %v, want ErrNoBinary from falling back to Say", err)
		}

		writeWAV(t, dir, "zh", "menu", 8000, 16, 1, 1000, 0.25)
		time.Sleep(3 * time.Second)
		if c, err := prompt(); err != nil || c.Duration() != 250*time.Millisecond {
			t.Errorf("Prompt after the file was fixed = %v, %v; want the 0.25 s file", c, err)
		}

		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		time.Sleep(3 * time.Second)
		if _, err := prompt(); !errors.Is(err, tts.ErrNoBinary) {
			t.Errorf("Prompt after the file was removed = %v, want ErrNoBinary from falling back to Say", err)
		}
		if s := e.Stats(); s.FileLoads != 3 {
			t.Errorf("file loads = %d, want 3", s.FileLoads)
		}
	})
}
