package tts

import (
	"fmt"
	"runtime"
	"strings"
)

// Defaults and limits.
const (
	defaultBinary       = "espeak-ng"
	defaultSpeed        = 150 // words per minute
	defaultCacheEntries = 2048
	minSpeed, maxSpeed  = 80, 450 // what espeak-ng accepts
)

// Config configures an Engine. The zero value gives the defaults.
type Config struct {
	// Binary is the espeak-ng executable, a name looked up in PATH or a path.
	// Default "espeak-ng".
	Binary string
	// PromptDir holds installers' recordings, PromptDir/<lang>/<name>.wav, that
	// replace the spoken text of fixed prompts (usually DATA/prompts). Empty turns
	// file prompts off.
	PromptDir string
	// Speed is the speaking rate in words per minute, 80 to 450. Default 150.
	Speed int
	// Speeds sets the rate per language where it should differ from Speed:
	// espeak-ng counts each Chinese character as a word, so Mandarin needs a
	// higher figure than English to sound natural (about 200 for 4.5 syllables/s).
	Speeds map[string]int
	// CacheEntries bounds the number of rendered clips kept (and, separately, of
	// prompt files). Default 2048.
	CacheEntries int
	// Voices maps a language, as the IVR names it, to an espeak-ng voice. Entries
	// add to or replace the defaults "zh" → "cmn" and "en" → "en".
	Voices map[string]string
	// Renders bounds how many espeak-ng processes run at once. Default GOMAXPROCS.
	Renders int
}

// defaultVoices returns the built-in language → voice table.
func defaultVoices() map[string]string {
	return map[string]string{"zh": "cmn", "en": "en"}
}

// withDefaults fills in zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Binary == "" {
		c.Binary = defaultBinary
	}
	if c.Speed == 0 {
		c.Speed = defaultSpeed
	}
	if c.Speed < minSpeed || c.Speed > maxSpeed {
		return c, fmt.Errorf("tts: config: speed %d words per minute out of range %d..%d", c.Speed, minSpeed, maxSpeed)
	}
	for lang, sp := range c.Speeds {
		if sp < minSpeed || sp > maxSpeed {
			return c, fmt.Errorf("tts: config: speed %d for %q out of range %d..%d", sp, lang, minSpeed, maxSpeed)
		}
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = defaultCacheEntries
	}
	if c.CacheEntries < 0 {
		return c, fmt.Errorf("tts: config: cache entries %d is negative", c.CacheEntries)
	}
	if c.Renders == 0 {
		c.Renders = runtime.GOMAXPROCS(0)
	}
	if c.Renders < 0 {
		return c, fmt.Errorf("tts: config: renders %d is negative", c.Renders)
	}
	voices := defaultVoices()
	for lang, voice := range c.Voices {
		lang = normLang(lang)
		if lang == "" {
			return c, fmt.Errorf("tts: config: voice %q for an empty language", voice)
		}
		if voice == "" || strings.HasPrefix(voice, "-") || strings.ContainsFunc(voice, isSpaceOrControl) {
			return c, fmt.Errorf("tts: config: voice %q for language %q is not a voice name", voice, lang)
		}
		voices[lang] = voice
	}
	c.Voices = voices
	return c, nil
}

// normLang lower-cases a language tag and trims spaces; it does not allocate when
// the tag is already clean.
func normLang(lang string) string {
	return strings.ToLower(strings.TrimSpace(lang))
}
