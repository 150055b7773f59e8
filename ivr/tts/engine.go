package tts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"tracecall/telephony/media"
)

// Limits on what one render or one prompt file may take.
const (
	maxTextBytes     = 4096             // text given to one Say
	maxAudioBytes    = 64 << 20         // espeak-ng output, or a prompt file
	maxStderrBytes   = 1024             // of espeak-ng's stderr quoted in errors
	renderTimeout    = 30 * time.Second // espeak-ng renders a minute of speech in well under a second
	promptCheckEvery = 2 * time.Second  // how often a prompt file's mtime and size are checked
)

// espeak-ng 1.51's "cmn" voice (Debian 12, Ubuntu 22.04/24.04) reads the pinyin of
// most characters as English letters and numbers ("公斤" as "gong one jin one",
// espeak-ng issue 1236); "cmn-latn-pinyin" reads it as Mandarin. Engine.Voice
// probes "cmn" once and switches when it finds the fault.
const (
	cmnVoice         = "cmn"
	cmnFallbackVoice = "cmn-latn-pinyin"
	cmnProbeText     = "好公斤"
	englishMarker    = "(en)" // in espeak-ng -x output, where it switched to English
)

// Mandarin text with English words in it is spoken in runs (see splitLatin),
// the words with the voice and speed of englishLang, and joined by pauses.
const (
	englishLang   = "en"
	runMargin     = 10 * media.SampleRate / 1000  // of silence kept at each end of a run
	runGap        = 60 * media.SampleRate / 1000  // between runs, as between words
	clausePause   = 150 * media.SampleRate / 1000 // between runs split by clauseMarks
	sentencePause = 300 * media.SampleRate / 1000 // between runs split by sentenceMarks
	sentenceMarks = ".!?;。！？；…"
	clauseMarks   = ",:，、：—"
)

// Engine renders text with espeak-ng and loads installers' prompt files, caching
// both. Its methods are safe for concurrent use.
type Engine struct {
	cfg  Config
	log  *slog.Logger
	sem  chan struct{}  // one token per running espeak-ng process
	done chan struct{}  // closed by Close
	wg   sync.WaitGroup // render and Warm goroutines; Close waits for them

	renders, renderFails, hits, misses, fileLoads atomic.Int64

	// mu guards the fields below.
	mu      sync.Mutex
	closed  bool
	clips   *lru[sayKey, *Clip]
	prompts *lru[sayKey, *promptState] // keyed by language and prompt name
	flights map[sayKey]*flight
	voices  map[string]string // configured voice → voice to run, once probed
}

// sayKey names a clip: a language and a text (or a prompt name).
type sayKey struct{ lang, text string }

// flight is one render in progress, shared by every Say waiting for its key.
type flight struct {
	done    chan struct{} // closed when clip and err are set
	clip    *Clip
	err     error
	waiters int                // guarded by Engine.mu
	cancel  context.CancelFunc // stops the render once no one waits
}

// promptState is what the last look at a prompt file found. It is replaced, never
// changed, once stored.
type promptState struct {
	checked time.Time // when the file was last looked at
	exists  bool
	mod     time.Time
	size    int64
	clip    *Clip // nil when the file is missing or unusable
}

// Stats counts an Engine's work since New.
type Stats struct {
	Renders     int64 // espeak-ng runs started
	RenderFails int64 // runs that failed or were cancelled
	Hits        int64 // Say calls answered from the cache
	Misses      int64 // Say calls that waited for a render, their own or a shared one
	FileLoads   int64 // prompt files read and decoded
	Clips       int   // clips cached now
}

// New returns an Engine. It starts nothing; a missing espeak-ng is logged here and
// reported by each Say (ErrNoBinary) until it is installed. A nil log discards.
func New(cfg Config, log *slog.Logger) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "tts")
	if _, err := exec.LookPath(cfg.Binary); err != nil {
		log.Warn("espeak-ng not found: speech fails until it is installed", "binary", cfg.Binary, "err", err)
	}
	return &Engine{
		cfg:     cfg,
		log:     log,
		sem:     make(chan struct{}, cfg.Renders),
		done:    make(chan struct{}),
		clips:   newLRU[sayKey, *Clip](cfg.CacheEntries),
		prompts: newLRU[sayKey, *promptState](cfg.CacheEntries),
		flights: make(map[sayKey]*flight),
		voices:  make(map[string]string),
	}, nil
}

// Close stops Warm and any render in progress, waits for them, and makes later
// calls fail with ErrClosed. It is safe to call more than once.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	for _, f := range e.flights {
		f.cancel()
	}
	e.mu.Unlock()
	close(e.done)
	e.wg.Wait()
	return nil
}

// Say returns text spoken in language lang: 8 kHz, trimmed to a short margin of
// silence, at about -16 dBFS speech level. A clip is rendered once per (lang,
// text) and then served from the cache; concurrent calls for the same key share
// one render. If ctx ends first, Say returns ctx's error; the render goes on only
// while another caller still waits for it.
func (e *Engine) Say(ctx context.Context, lang, text string) (*Clip, error) {
	lang, text = normLang(lang), cleanText(text)
	if text == "" {
		return nil, errors.New("tts: say: empty text")
	}
	if len(text) > maxTextBytes {
		return nil, fmt.Errorf("tts: say: text of %d bytes, limit %d", len(text), maxTextBytes)
	}
	key := sayKey{lang, text}

	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	if c, ok := e.clips.get(key); ok {
		e.mu.Unlock()
		e.hits.Add(1)
		return c, nil
	}
	if err := ctx.Err(); err != nil {
		e.mu.Unlock()
		return nil, fmt.Errorf("tts: say %s: %w", quote(text), err)
	}
	f := e.flights[key]
	if f == nil {
		// The render outlives any one caller: it stops when the last one leaves.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), renderTimeout)
		f = &flight{done: make(chan struct{}), cancel: cancel}
		e.flights[key] = f
		e.wg.Add(1)
		go e.fly(rctx, key, f)
	}
	f.waiters++
	e.mu.Unlock()
	e.misses.Add(1)

	select {
	case <-f.done:
		return f.clip, f.err
	case <-ctx.Done():
	}
	e.mu.Lock()
	f.waiters--
	if f.waiters == 0 {
		f.cancel()
		if e.flights[key] == f {
			delete(e.flights, key) // the next caller starts afresh
		}
	}
	e.mu.Unlock()
	select {
	case <-f.done: // finished anyway
		if f.err == nil {
			return f.clip, nil
		}
	default:
	}
	return nil, fmt.Errorf("tts: say %s: %w", quote(text), ctx.Err())
}

// fly runs one render and hands its result to the flight's waiters and the cache.
func (e *Engine) fly(ctx context.Context, key sayKey, f *flight) {
	defer e.wg.Done()
	defer f.cancel()
	clip, err := e.render(ctx, key.lang, key.text)
	e.mu.Lock()
	if e.flights[key] == f {
		delete(e.flights, key)
	}
	switch {
	case err == nil && !e.closed:
		e.clips.add(key, clip)
	case err != nil && e.closed:
		err = fmt.Errorf("tts: say %s: %w", quote(key.text), ErrClosed)
	}
	f.clip, f.err = clip, err
	e.mu.Unlock()
	close(f.done)
}

// Prompt returns the installer's recording PromptDir/<lang>/<name>.wav if there is
// a usable one, else Say(ctx, lang, text). Recordings may have any sample rate
// and are downmixed and resampled to 8 kHz but otherwise played as recorded. A
// file is cached and looked at again (mtime and size) at most every two seconds,
// so a replaced, added or removed recording takes effect within that time. A
// file that cannot be decoded is logged and the text spoken instead.
func (e *Engine) Prompt(ctx context.Context, lang, name, text string) (*Clip, error) {
	lang = normLang(lang)
	if err := CheckName(name); err != nil {
		return nil, err
	}
	if e.cfg.PromptDir != "" {
		if err := CheckName(lang); err != nil {
			return nil, fmt.Errorf("tts: prompt %s language %q: %w", name, lang, ErrBadName)
		}
		c, err := e.promptFile(lang, name)
		if c != nil || err != nil {
			return c, err
		}
	}
	return e.Say(ctx, lang, text)
}

// promptFile returns the cached or freshly loaded recording of a prompt, or nil.
func (e *Engine) promptFile(lang, name string) (*Clip, error) {
	key := sayKey{lang, name}
	now := time.Now()
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	old, seen := e.prompts.get(key)
	e.mu.Unlock()
	if seen && now.Sub(old.checked) < promptCheckEvery {
		return old.clip, nil
	}

	path := filepath.Join(e.cfg.PromptDir, lang, name+".wav")
	st := &promptState{checked: now}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		if !errors.Is(err, fs.ErrNotExist) && (!seen || old.exists) {
			e.log.Warn("prompt file unreadable: speaking text instead", "path", path, "err", err)
		} else if seen && old.exists {
			e.log.Info("prompt file removed: speaking text instead", "path", path)
		}
	case seen && old.exists && fi.ModTime().Equal(old.mod) && fi.Size() == old.size:
		st.exists, st.mod, st.size, st.clip = true, old.mod, old.size, old.clip
	default:
		st.exists, st.mod, st.size = true, fi.ModTime(), fi.Size()
		st.clip, err = e.loadPrompt(path, lang)
		if err != nil {
			e.log.Warn("prompt file unusable: speaking text instead", "path", path, "err", err)
		} else {
			e.log.Info("prompt file loaded", "path", path, "duration", st.clip.Duration())
		}
	}
	e.mu.Lock()
	e.prompts.add(key, st)
	e.mu.Unlock()
	return st.clip, nil
}

func (e *Engine) loadPrompt(path, lang string) (*Clip, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > maxAudioBytes {
		return nil, fmt.Errorf("%d bytes, limit %d", fi.Size(), maxAudioBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	samples, rate, err := decodeWAV(b)
	if err != nil {
		return nil, err
	}
	e.fileLoads.Add(1)
	return &Clip{
		Samples: media.Resample(nil, samples, rate, media.SampleRate),
		Lang:    lang,
		Source:  "file:" + path,
	}, nil
}

// Warm renders texts in the background, one at a time, so that the first caller
// to hear a fixed prompt does not wait for it. It returns at once; the work stops
// when ctx ends or the Engine closes. Failures are logged, not returned.
func (e *Engine) Warm(ctx context.Context, lang string, texts []string) {
	texts = slices.Clone(texts)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.wg.Add(2)
	ctx, cancel := context.WithCancel(ctx)
	go func() { // stops the work when the Engine closes
		defer e.wg.Done()
		select {
		case <-e.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	go func() {
		defer e.wg.Done()
		defer cancel()
		start, failed := time.Now(), 0
		for _, text := range texts {
			if ctx.Err() != nil {
				return
			}
			if _, err := e.Say(ctx, lang, text); err != nil && ctx.Err() == nil {
				failed++
				e.log.Warn("warm prompt failed", "lang", lang, "err", err)
			}
		}
		e.log.Info("prompts warmed", "lang", lang, "texts", len(texts), "failed", failed, "took", time.Since(start))
	}()
}

// Voice returns the espeak-ng voice Say uses for lang: the configured one, except
// that a "cmn" found to read Chinese as English pinyin (espeak-ng 1.51) is
// replaced by "cmn-latn-pinyin". The check runs espeak-ng once per Engine.
func (e *Engine) Voice(ctx context.Context, lang string) (string, error) {
	voice, ok := e.lookupVoice(normLang(lang))
	if !ok {
		return "", fmt.Errorf("%w %q", ErrNoVoice, lang)
	}
	if !strings.EqualFold(voice, cmnVoice) {
		return voice, nil
	}
	e.mu.Lock()
	use, ok := e.voices[voice]
	e.mu.Unlock()
	if ok {
		return use, nil
	}

	use = voice
	if english, err := e.readsEnglish(ctx, voice); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("tts: probe voice %s: %w", voice, ctx.Err())
		}
		return voice, nil // not remembered: the render will report the problem
	} else if english {
		if fallback, err := e.readsEnglish(ctx, cmnFallbackVoice); err == nil && !fallback {
			e.log.Warn("espeak-ng voice reads Chinese as English pinyin: using the pinyin voice",
				"voice", voice, "using", cmnFallbackVoice)
			use = cmnFallbackVoice
		}
	}
	e.mu.Lock()
	e.voices[voice] = use
	e.mu.Unlock()
	return use, nil
}

// lookupVoice finds the configured voice for lang, or for its primary subtag
// ("zh" for "zh-cn").
func (e *Engine) lookupVoice(lang string) (string, bool) {
	if v, ok := e.cfg.Voices[lang]; ok {
		return v, true
	}
	if i := strings.IndexAny(lang, "-_"); i > 0 {
		v, ok := e.cfg.Voices[lang[:i]]
		return v, ok
	}
	return "", false
}

// readsEnglish reports whether voice switches to English for Chinese characters.
func (e *Engine) readsEnglish(ctx context.Context, voice string) (bool, error) {
	out, err := e.espeak(ctx, "-v", voice, "-q", "-x", "--", cmnProbeText)
	if err != nil {
		return false, err
	}
	return bytes.Contains(out, []byte(englishMarker)), nil
}

// Stats returns the Engine's counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	n := e.clips.len()
	e.mu.Unlock()
	return Stats{
		Renders:     e.renders.Load(),
		RenderFails: e.renderFails.Load(),
		Hits:        e.hits.Load(),
		Misses:      e.misses.Load(),
		FileLoads:   e.fileLoads.Load(),
		Clips:       n,
	}
}

// render speaks text with espeak-ng and prepares the clip. Mandarin text with
// Latin-script words in it is spoken in runs, the words by the English voice
// (see splitLatin); any other text is one espeak-ng run.
func (e *Engine) render(ctx context.Context, lang, text string) (*Clip, error) {
	voice, err := e.Voice(ctx, lang)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var pcm []int16
	runs := 1
	if e.splitsLatin(lang, voice) && strings.ContainsFunc(text, isLatinLetter) {
		parts := splitLatin(text)
		runs = len(parts)
		pcm, err = e.speakRuns(ctx, lang, voice, parts)
	} else {
		pcm, err = e.speak(ctx, lang, voice, text)
	}
	if err != nil {
		return nil, err
	}
	pcm = trimSilence(pcm)
	normalize(pcm)
	clip := &Clip{Samples: pcm, Text: text, Lang: lang, Source: "tts"}
	e.log.Debug("rendered", "lang", lang, "voice", voice, "chars", utf8.RuneCountInString(text),
		"runs", runs, "duration", clip.Duration(), "took", time.Since(start))
	return clip, nil
}

// speak runs espeak-ng once, holding a render token, and returns its speech at
// 8 kHz, untrimmed.
func (e *Engine) speak(ctx context.Context, lang, voice, text string) ([]int16, error) {
	select {
	case e.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("tts: say %s: %w", quote(text), ctx.Err())
	}
	defer func() { <-e.sem }()

	e.renders.Add(1)
	speed := e.cfg.Speed
	if sp, ok := e.cfg.Speeds[lang]; ok {
		speed = sp
	}
	wav, err := e.espeak(ctx, "-v", voice, "-s", strconv.Itoa(speed), "--stdout", "--", text)
	if err != nil {
		e.renderFails.Add(1)
		if errors.Is(err, ErrNoBinary) {
			return nil, err
		}
		return nil, fmt.Errorf("tts: say %s with voice %s: %w", quote(text), voice, err)
	}
	samples, rate, err := decodeWAV(wav)
	if err != nil {
		e.renderFails.Add(1)
		return nil, fmt.Errorf("tts: say %s with voice %s: espeak-ng output: %w", quote(text), voice, err)
	}
	return media.Resample(nil, samples, rate, media.SampleRate), nil
}

// splitsLatin reports whether text in lang, spoken by voice, is Mandarin, whose
// Latin-script words go to the English voice.
func (e *Engine) splitsLatin(lang, voice string) bool {
	if lang == englishLang {
		return false
	}
	primary, _, _ := strings.Cut(strings.ReplaceAll(lang, "_", "-"), "-")
	return primary == "zh" || len(voice) >= len(cmnVoice) && strings.EqualFold(voice[:len(cmnVoice)], cmnVoice)
}

// speakRuns speaks runs of splitLatin one after the other, the Latin ones in
// English at English speed, each trimmed, brought to a common level and joined
// by a short pause (longer where punctuation ends a clause or sentence there).
func (e *Engine) speakRuns(ctx context.Context, lang, voice string, runs []string) ([]int16, error) {
	enVoice, err := e.Voice(ctx, englishLang)
	if err != nil {
		return nil, fmt.Errorf("tts: say English words in %q text: %w", lang, err)
	}
	parts := make([][]int16, 0, len(runs))
	said := make([]string, 0, len(runs))
	for _, run := range runs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("tts: say %s: %w", quote(run), err)
		}
		l, v := lang, voice
		if isLatinRun(run) {
			l, v = englishLang, enVoice
		}
		pcm, err := e.speak(ctx, l, v, run)
		if err != nil {
			return nil, err
		}
		if pcm = trimMargins(pcm, runMargin, runMargin); len(pcm) > 0 {
			parts = append(parts, pcm)
			said = append(said, run)
		}
	}
	matchLevels(parts)
	var out []int16
	for i, p := range parts {
		if i > 0 {
			out = append(out, make([]int16, pauseBetween(said[i-1], said[i]))...)
		}
		out = append(out, p...)
	}
	return out, nil
}

// pauseBetween is the silence, in samples, put between runs a and b: a sentence
// or clause pause where a ends or b starts with the punctuation for one, else a
// short gap, as between words.
func pauseBetween(a, b string) int {
	marks := ""
	if r, _ := utf8.DecodeLastRuneInString(strings.TrimRightFunc(a, unicode.IsSpace)); r != utf8.RuneError {
		marks += string(r)
	}
	if r, _ := utf8.DecodeRuneInString(strings.TrimLeftFunc(b, unicode.IsSpace)); r != utf8.RuneError {
		marks += string(r)
	}
	switch {
	case strings.ContainsAny(marks, sentenceMarks):
		return sentencePause
	case strings.ContainsAny(marks, clauseMarks):
		return clausePause
	}
	return runGap
}

// espeak runs the binary with args (never through a shell) and returns its stdout.
func (e *Engine) espeak(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, e.cfg.Binary, args...)
	stdout := &capBuffer{max: maxAudioBytes}
	stderr := &capBuffer{max: maxStderrBytes, quiet: true}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w: %v", ErrNoBinary, err)
	case err != nil:
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return nil, fmt.Errorf("espeak-ng: %w: %s", err, msg)
		}
		return nil, fmt.Errorf("espeak-ng: %w", err)
	}
	return stdout.Bytes(), nil
}

// capBuffer collects up to max bytes. Past that it fails the write, which stops
// the process, or with quiet set drops the rest.
type capBuffer struct {
	bytes.Buffer
	max   int
	quiet bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		if !b.quiet {
			return 0, fmt.Errorf("output over %d bytes", b.max)
		}
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// CheckName reports whether name can name a prompt file (or a language
// directory): 1 to 64 bytes, no path separator, no "..", no leading dot, no
// space or control character. It returns an error wrapping ErrBadName if not.
func CheckName(name string) error {
	if name == "" || len(name) > 64 || name[0] == '.' || strings.Contains(name, "..") ||
		strings.ContainsAny(name, `/\:`) || strings.ContainsFunc(name, isSpaceOrControl) ||
		!utf8.ValidString(name) {
		return fmt.Errorf("%w %q", ErrBadName, name)
	}
	return nil
}

func isSpaceOrControl(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }

// cleanText trims text and turns control characters and invalid UTF-8 into
// spaces. Clean text comes back as it is, without allocating.
func cleanText(text string) string {
	text = strings.TrimSpace(text)
	if !strings.ContainsFunc(text, badTextRune) {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		if badTextRune(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

func badTextRune(r rune) bool { return r == utf8.RuneError || unicode.IsControl(r) }

// quote shortens text for an error message.
func quote(text string) string {
	const max = 40
	if utf8.RuneCountInString(text) <= max {
		return strconv.Quote(text)
	}
	r := []rune(text)
	return strconv.Quote(string(r[:max]) + "…")
}
