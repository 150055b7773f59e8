package switchboard

import (
	"time"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// holdMelody is the tune a held caller hears: a slow phrase on the gong
// scale (C D E G A), one note per entry, looping.
var holdMelody = []float64{523, 587, 659, 784, 659, 587, 523, 440, 523, 587, 659, 587}

// holdLevel keeps the music well below speech.
const holdLevel = -24

// HoldMusic returns a new source of hold music that never ends: the default
// for Deps.Music.
func HoldMusic() telephony.Source { return &melody{} }

type melody struct {
	note int
	gen  *media.ToneGenerator
}

func (m *melody) Frame(_ int, f *media.Frame) bool {
	if m.gen == nil || !m.gen.Next(f) {
		m.gen = media.NewTone([]float64{holdMelody[m.note%len(holdMelody)]},
			[]time.Duration{480 * time.Millisecond, 120 * time.Millisecond}, holdLevel, false)
		m.note++
		m.gen.Next(f)
	}
	return true
}

// ringback is China's ringback tone (450 Hz, 1 s on, 4 s off) as a source:
// what an agent hears while the party they consult rings.
type ringback struct{ g *media.ToneGenerator }

func newRingback() telephony.Source { return ringback{media.NewCallProgress(media.ToneRingback)} }

func (r ringback) Frame(_ int, f *media.Frame) bool { return r.g.Next(f) }
