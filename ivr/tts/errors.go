package tts

import "errors"

var (
	// ErrNoBinary is returned by Say (and by Prompt when it falls back to Say) when
	// the espeak-ng binary cannot be found or started. Installing the espeak-ng
	// package fixes it without a restart; file prompts keep working meanwhile.
	ErrNoBinary = errors.New("tts: espeak-ng not found (install the espeak-ng package)")

	// ErrNoVoice is returned when no espeak-ng voice is configured for a language.
	ErrNoVoice = errors.New("tts: no voice for language")

	// ErrBadName is returned by Prompt and CheckName for a prompt name or language
	// that is empty, too long, or not a plain file name (a path separator, "..", a
	// leading dot or a control character).
	ErrBadName = errors.New("tts: bad prompt name")

	// ErrClosed is returned by Say and Prompt once Close has been called, including
	// to callers whose render Close cut short.
	ErrClosed = errors.New("tts: engine closed")
)
