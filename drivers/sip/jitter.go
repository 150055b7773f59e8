package sip

import "tracecall/telephony/media"

// Jitter buffer sizes, in 20 ms frames. Playout starts once jitterPrefill
// frames wait (40 ms of delay to absorb jitter and reordering); a frame more
// than jitterSlots ahead of playout makes the buffer skip forward to it.
const (
	jitterSlots   = 8
	jitterPrefill = 2
	// jitterResync is how far behind playout (in frames) a packet may be and
	// still count as late rather than as a restarted stream.
	jitterResync = 50
	// plcFrames is how many missing frames in a row are concealed by repeating
	// the last real one (160 ms, the buffer's depth); past that the leg hears
	// silence. A sender under load stalls for up to ~110 ms and then bursts
	// what it owes: repeating through the stall keeps a DTMF tone whole, where
	// 20 ms of silence inside it would make the detector count the key twice
	// (TestJitterLoadedSenderDTMF). A repeat breaks the tone's phase for a few
	// of the detector's 5 ms windows, never long enough to end a key.
	plcFrames = 8
)

// jitterBuffer reorders one RTP stream's audio frames by timestamp and hands
// out one frame per tick. Frames are placed by RTP timestamp, not sequence
// number, so telephone-event packets interleaved with audio leave no holes.
// It is not safe for concurrent use; the stream's mutex guards it.
type jitterBuffer struct {
	slots     [jitterSlots]jitterSlot
	started   bool
	filling   bool   // waiting for jitterPrefill frames before playing out
	ssrc      uint32 // the stream's source
	next      uint32 // RTP timestamp of the next frame to play out
	head      int    // the slot of next
	count     int    // frames waiting
	late      uint64 // frames that came after their playout time
	concealed uint64 // ticks played for a missing frame (repeat or silence)
	last      media.Frame
	missing   int // missing frames in a row
}

type jitterSlot struct {
	full  bool
	ts    uint32
	frame media.Frame
}

// push stores a decoded frame with its RTP timestamp and source.
func (j *jitterBuffer) push(ssrc, ts uint32, f *media.Frame) {
	if !j.started || ssrc != j.ssrc || int32(ts-j.next)%media.FrameSamples != 0 {
		j.reset(ssrc, ts) // a new stream, or one whose clock jumped off our grid
	}
	d := int(int32(ts-j.next) / media.FrameSamples)
	switch {
	case d < 0 && j.filling && j.span()-d < jitterSlots:
		// Before playout starts, an earlier frame moves the start back.
		j.next, j.head = ts, (j.head+d+jitterSlots*jitterResync)%jitterSlots
		d = 0
	case d < -jitterResync:
		j.reset(ssrc, ts) // the stream jumped back: start over
		d = 0
	case d < 0:
		j.late++
		return
	case d >= 2*jitterSlots:
		// Far ahead: the sender jumped. Drop what is older and play from
		// this frame once the buffer has filled again.
		j.skipTo(ts)
		d = 0
	case d >= jitterSlots:
		// Just past the window: playout has fallen behind (each tick run
		// dry adds a frame of delay). Slide forward, dropping only the
		// oldest frames, so a burst costs a frame or two, not the buffer.
		j.slide(d - jitterSlots + 1)
		d = jitterSlots - 1
	}
	s := &j.slots[(j.head+d)%jitterSlots]
	if s.full {
		if s.ts == ts {
			return // duplicate
		}
		j.count-- // a stale frame never played: overwritten
	}
	s.full, s.ts, s.frame = true, ts, *f
	j.count++
}

// span is how many slots from next the furthest waiting frame is.
func (j *jitterBuffer) span() int {
	n := 0
	for i := range jitterSlots {
		if j.slots[(j.head+i)%jitterSlots].full {
			n = i
		}
	}
	return n
}

// pop fills f with the next frame to play, or silence, and reports whether
// it was a real frame.
func (j *jitterBuffer) pop(f *media.Frame) bool {
	if !j.started || j.count == 0 {
		j.filling = true
		j.conceal(f)
		return false
	}
	if j.filling {
		if j.count < jitterPrefill {
			j.conceal(f)
			return false
		}
		j.filling = false
	}
	s := &j.slots[j.head]
	ok := s.full && s.ts == j.next
	if ok {
		*f = s.frame
		s.full = false
		j.count--
		j.last, j.missing = s.frame, 0
	} else {
		j.conceal(f)
		j.concealed++
	}
	j.next += media.FrameSamples
	j.head = (j.head + 1) % jitterSlots
	return ok
}

// conceal fills f for a tick with no frame: the last real frame again for up to
// plcFrames ticks, then silence.
func (j *jitterBuffer) conceal(f *media.Frame) {
	if j.started && j.missing < plcFrames {
		j.missing++
		*f = j.last
		return
	}
	f.Silence()
}

func (j *jitterBuffer) reset(ssrc, ts uint32) {
	for i := range j.slots {
		j.slots[i].full = false
	}
	j.started, j.filling, j.ssrc, j.next, j.head, j.count = true, true, ssrc, ts, 0, 0
}

// slide moves playout n frames forward (n < jitterSlots), dropping the
// frames waiting in those slots.
func (j *jitterBuffer) slide(n int) {
	for range n {
		if s := &j.slots[j.head]; s.full {
			s.full = false
			j.count--
			j.late++
		}
		j.next += media.FrameSamples
		j.head = (j.head + 1) % jitterSlots
	}
}

// skipTo moves playout forward to ts, dropping the frames waiting.
func (j *jitterBuffer) skipTo(ts uint32) {
	for i := range j.slots {
		if j.slots[i].full {
			j.slots[i].full = false
			j.late++
		}
	}
	j.next, j.head, j.count, j.filling = ts, 0, 0, true
}
