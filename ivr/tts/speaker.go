package tts

import "context"

// Speaker is what the IVR needs from text-to-speech. *Engine implements it; tests
// use ttstest.Speaker, which needs no espeak-ng.
type Speaker interface {
	// Say returns text spoken in language lang.
	Say(ctx context.Context, lang, text string) (*Clip, error)
	// Prompt returns the installer's recording of the named prompt if there is
	// one, else text spoken.
	Prompt(ctx context.Context, lang, name, text string) (*Clip, error)
}

// Interface guard.
var _ Speaker = (*Engine)(nil)
