package tts

import (
	"runtime"
	"slices"
	"strings"

	"tracecall/config"
)

// Defaults and limits.
const (
	defaultBinary       = "espeak-ng"
	defaultSpeed        = 150 // words per minute
	defaultCacheEntries = 2048
	minSpeed, maxSpeed  = 80, 450 // what espeak-ng accepts
)

// Config configures an Engine; it is also the [tts] section of the config
// file, whose keys are the toml tags (fields tagged "-" are set by the daemon,
// not the file). The zero value gives the defaults, and Validate is the one
// check of it, for the file and for New alike.
type Config struct {
	// Binary is the espeak-ng executable, a name looked up in PATH or a path.
	// Default "espeak-ng".
	Binary string `toml:"binary"`
	// PromptDir holds installers' recordings, PromptDir/<lang>/<name>.wav, that
	// replace the spoken text of fixed prompts (usually DATA/prompts). Empty turns
	// file prompts off.
	PromptDir string `toml:"-"`
	// Speed is the speaking rate in words per minute, 80 to 450. Default 150.
	Speed int `toml:"speed"`
	// Speeds sets the rate per language where it should differ from Speed:
	// espeak-ng counts each Chinese character as a word, so Mandarin needs a
	// higher figure than English to sound natural (about 200 for 4.5 syllables/s).
	Speeds map[string]int `toml:"speeds"`
	// CacheEntries bounds the number of rendered clips kept (and, separately, of
	// prompt files). Default 2048.
	CacheEntries int `toml:"cache_entries"`
	// Voices maps a language, as the IVR names it, to an espeak-ng voice. Entries
	// add to or replace the defaults "zh" → "cmn" and "en" → "en".
	Voices map[string]string `toml:"voices"`
	// Renders bounds how many espeak-ng processes run at once. Default GOMAXPROCS.
	Renders int `toml:"-"`
}

// defaultVoices returns the built-in language → voice table.
func defaultVoices() map[string]string {
	return map[string]string{"zh": "cmn", "en": "en"}
}

// withDefaults fills in zero fields and checks the result.
func (c Config) withDefaults() (Config, error) {
	if c.Binary == "" {
		c.Binary = defaultBinary
	}
	if c.Speed == 0 {
		c.Speed = defaultSpeed
	}
	if c.CacheEntries == 0 {
		c.CacheEntries = defaultCacheEntries
	}
	if c.Renders == 0 {
		c.Renders = runtime.GOMAXPROCS(0)
	}
	if err := c.validate(); err != nil {
		return c, err
	}
	voices := defaultVoices()
	for lang, voice := range c.Voices {
		voices[normLang(lang)] = voice
	}
	c.Voices = voices
	return c, nil
}

// Validate checks the [tts] section as New takes it, defaults applied, and
// returns every problem found, each naming its key ("tts.speeds.zh").
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// validate is Validate on a Config with its defaults in.
func (c Config) validate() error {
	problems := config.Problems{Section: "tts"}
	if strings.TrimSpace(c.Binary) == "" {
		problems.Add("binary", "%q: want a program name or path", c.Binary)
	}
	if c.Speed < minSpeed || c.Speed > maxSpeed {
		problems.Add("speed", "%d words per minute: want %d..%d", c.Speed, minSpeed, maxSpeed)
	}
	for _, lang := range sortedKeys(c.Speeds) {
		if sp := c.Speeds[lang]; sp < minSpeed || sp > maxSpeed {
			problems.Add("speeds."+lang, "%d words per minute: want %d..%d", sp, minSpeed, maxSpeed)
		}
	}
	if c.CacheEntries < 0 {
		problems.Add("cache_entries", "%d: must not be negative", c.CacheEntries)
	}
	if c.Renders < 0 {
		problems.Add("renders", "%d: must not be negative", c.Renders)
	}
	for _, lang := range sortedKeys(c.Voices) {
		voice := c.Voices[lang]
		switch {
		case normLang(lang) == "":
			problems.Add("voices", "voice %q for an empty language", voice)
		case voice == "" || strings.HasPrefix(voice, "-") || strings.ContainsFunc(voice, isSpaceOrControl):
			problems.Add("voices."+lang, "%q: not a voice name", voice)
		}
	}
	return problems.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// normLang lower-cases a language tag and trims spaces; it does not allocate when
// the tag is already clean.
func normLang(lang string) string {
	return strings.ToLower(strings.TrimSpace(lang))
}
