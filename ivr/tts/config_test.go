package tts_test

import (
	"testing"

	"tracecall/config/configtest"
	"tracecall/ivr/tts"
)

// TestConfigValidate: Validate is the one check of the [tts] section, with
// the defaults in; errors name the key, and New refuses what it refuses.
func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  tts.Config
		want string // a key the error names; "" for none
	}{
		{"zero", tts.Config{}, ""},
		{"shipped", tts.Config{Binary: "espeak-ng", Speed: 160, Speeds: map[string]int{"zh": 200}, CacheEntries: 4096,
			Voices: map[string]string{"zh": "cmn", "en": "en"}}, ""},
		{"blank binary", tts.Config{Binary: " "}, "tts.binary"},
		{"too slow", tts.Config{Speed: 79}, "tts.speed"},
		{"too fast", tts.Config{Speed: 451}, "tts.speed"},
		{"language too fast", tts.Config{Speeds: map[string]int{"zh": 500}}, "tts.speeds.zh"},
		{"negative cache", tts.Config{CacheEntries: -1}, "tts.cache_entries"},
		{"voice for no language", tts.Config{Voices: map[string]string{" ": "cmn"}}, "tts.voices"},
		{"voice that is a flag", tts.Config{Voices: map[string]string{"zh": "-w"}}, "tts.voices.zh"},
		{"voice with a space", tts.Config{Voices: map[string]string{"en": "en us"}}, "tts.voices.en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			configtest.Check(t, err, tt.want)
			e, nerr := tts.New(tt.cfg, nil)
			if e != nil {
				e.Close()
			}
			if (nerr == nil) != (err == nil) {
				t.Errorf("New error %v, Validate %v: they must agree", nerr, err)
			}
		})
	}
}
