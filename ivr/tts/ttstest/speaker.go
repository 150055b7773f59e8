package ttstest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"unicode"

	"tracecall/ivr/tts"
	"tracecall/telephony/media"
)

// Clip shape.
const (
	leadSamples = 100 * media.SampleRate / 1000 // silence before the first rune
	runeSamples = 40 * media.SampleRate / 1000  // per rune of text
	toneHz      = 1000
	toneAmp     = 7336 // -16 dBFS RMS for a sine: 32767 * 10^(-16/20) * √2
)

// Call records one call to a Speaker.
type Call struct {
	Method string // "Say" or "Prompt"
	Lang   string
	Name   string // Prompt only
	Text   string
}

// Speaker is a fake tts.Speaker. The zero value is ready to use.
type Speaker struct {
	// Err, if set before use, is returned by every call.
	Err error

	// mu guards calls.
	mu    sync.Mutex
	calls []Call
}

// Interface guard.
var _ tts.Speaker = (*Speaker)(nil)

// Say returns Clip(lang, text).
func (s *Speaker) Say(ctx context.Context, lang, text string) (*tts.Clip, error) {
	s.record(Call{Method: "Say", Lang: lang, Text: text})
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("ttstest: say: %w", err)
	}
	return Clip(lang, text), nil
}

// Prompt checks name as the real Engine does and returns Clip(lang, text).
func (s *Speaker) Prompt(ctx context.Context, lang, name, text string) (*tts.Clip, error) {
	s.record(Call{Method: "Prompt", Lang: lang, Name: name, Text: text})
	if err := tts.CheckName(name); err != nil {
		return nil, err
	}
	if err := s.check(ctx); err != nil {
		return nil, fmt.Errorf("ttstest: prompt %s: %w", name, err)
	}
	return Clip(lang, text), nil
}

// Calls returns the calls made so far, oldest first.
func (s *Speaker) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Speaker) record(c Call) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

func (s *Speaker) check(ctx context.Context) error {
	if s.Err != nil {
		return s.Err
	}
	return ctx.Err()
}

// Clip returns the fake clip for text: 100 ms of silence, then 40 ms per rune, a
// 1 kHz tone for each visible rune and silence for each space.
func Clip(lang, text string) *tts.Clip {
	runes := []rune(text)
	samples := make([]int16, leadSamples+len(runes)*runeSamples)
	for i, r := range runes {
		if unicode.IsSpace(r) {
			continue
		}
		start := leadSamples + i*runeSamples
		for n := range runeSamples {
			samples[start+n] = int16(toneAmp * math.Sin(2*math.Pi*toneHz*float64(n)/media.SampleRate))
		}
	}
	return &tts.Clip{Samples: samples, Text: text, Lang: lang, Source: "tts"}
}
