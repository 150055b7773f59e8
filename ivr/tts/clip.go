package tts

import (
	"time"

	"tracecall/telephony/media"
)

// Clip is rendered or loaded audio, ready to play: 8 kHz 16-bit linear mono.
//
// Clips come from a shared cache: treat a Clip and its Samples as read-only. Any
// number of legs may play one clip at the same time.
type Clip struct {
	Samples []int16 // 8 kHz linear PCM
	Text    string  // the text spoken (after whitespace and control characters are tidied)
	Lang    string  // the language asked for, lower-cased
	Source  string  // "tts", or "file:PATH" for an installer's recording
}

// Duration is the playing time of the clip.
func (c *Clip) Duration() time.Duration {
	return time.Duration(len(c.Samples)) * time.Second / media.SampleRate
}

// Frames is the number of 20 ms frames the clip fills, the last one padded.
func (c *Clip) Frames() int {
	return (len(c.Samples) + media.FrameSamples - 1) / media.FrameSamples
}

// Frame copies frame n of the clip into f, padding the last frame with silence,
// and reports whether n was in range [0, Frames()). It leaves f.Seq alone and does
// not allocate, so a player can reuse one Frame for a whole clip.
func (c *Clip) Frame(n int, f *media.Frame) bool {
	if n < 0 || n >= c.Frames() {
		return false
	}
	k := copy(f.Samples[:], c.Samples[n*media.FrameSamples:])
	clear(f.Samples[k:])
	return true
}
