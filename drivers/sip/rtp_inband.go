package sip

import "tracecall/telephony/media"

// Sizes of the tone feed, in 20 ms frames.
const (
	// toneHold is how many frames after a missing one are held for it (80
	// ms of reordering); a frame further ahead gives the missing one up.
	toneHold = 4
	// toneWait is how many ticks a held frame waits for a missing one before
	// the feed gives it up: a reordered packet comes within a tick or two.
	toneWait = 3
	// toneFill bounds the frames a gap is filled with: the last frame once,
	// then silence, which is enough to end a key (30 ms of windows without it).
	toneFill = 3
	// toneResync is how far (in frames, either way) a timestamp may jump
	// before the feed takes it as a new start, not as a gap to fill.
	toneResync = 50
)

// toneFeed runs the in-band DTMF detector on the far end's audio in RTP
// timestamp order, as the packets arrive, apart from playout: the jitter
// buffer gives up frames that come after their playout time, repeats the last
// one meanwhile, and the app's queue drops frames when the app falls behind,
// none of which a key may suffer. A sender stalled by load that then bursts
// what it owes, or a reader starved of CPU, so loses no tone.
//
// A missing frame is waited for while up to toneHold later frames are held
// and for toneWait ticks; then the gap is filled (the frame before it once,
// silence after: what gives the fewest wrong keys on a lost packet) and the
// held frames follow. A frame older than the feed's position is dropped.
//
// It is owned by the clock goroutine, like the stream's receive state, and
// does not allocate.
type toneFeed struct {
	det     frameSink
	started bool
	ssrc    uint32
	next    uint32 // RTP timestamp of the frame the detector takes next
	// held[(head+i)%toneHold] is the frame of next+i*160 when full; slot
	// head (i = 0) is never full between calls.
	held    [toneHold]heldFrame
	head    int
	nheld   int
	waited  int         // ticks since a frame was first held
	missing int         // frames in a row filled for a gap
	last    media.Frame // the last frame taken, the first fill of a gap
	silent  media.Frame // always silence: the later fills of a gap
}

type heldFrame struct {
	full  bool
	frame media.Frame
}

// frameSink is where the feed's frames go: the detector (inbandDetector), or
// a test's record.
type frameSink interface {
	frame(ts uint32, f *media.Frame) // the next frame, and its RTP timestamp
	reset()                          // the stream starts over: forget the frames so far
}

// inbandDetector runs the DTMF detector on the frames it is fed and hands
// each key found to key, with the RTP timestamp of the frame that named it.
type inbandDetector struct {
	det *media.DTMFDetector
	key func(k byte, ts uint32)
}

func (d *inbandDetector) frame(ts uint32, f *media.Frame) {
	if k, ok := d.det.Process(f); ok {
		d.key(k, ts)
	}
}

func (d *inbandDetector) reset() { d.det.Reset() }

// push takes one decoded audio frame with its RTP source and timestamp.
func (t *toneFeed) push(ssrc, ts uint32, f *media.Frame) {
	if !t.started || ssrc != t.ssrc || int32(ts-t.next)%media.FrameSamples != 0 {
		t.restart(ssrc, ts) // a new stream, or one whose clock jumped off our grid
	}
	d := int(int32(ts-t.next) / media.FrameSamples)
	switch {
	case d > toneResync || d < -toneResync:
		// A jump (silence suppression, a restarted sender): what is held
		// goes first, then silence ends any key, and the feed goes on here.
		t.giveUp(t.next + toneHold*media.FrameSamples)
		for range toneFill {
			t.fill()
		}
		t.next, t.missing = ts, 0
		d = 0
	case d < 0:
		return // given up already, or a duplicate
	case d >= toneHold:
		t.giveUp(ts - (toneHold-1)*media.FrameSamples)
		d = int(int32(ts-t.next) / media.FrameSamples) // toneHold-1 or less
	}
	s := &t.held[(t.head+d)%toneHold]
	if s.full {
		return // a duplicate
	}
	s.full, s.frame = true, *f
	t.nheld++
	t.run()
}

// tick gives up a missing frame the held ones have waited toneWait ticks for.
// The clock calls it once per tick.
func (t *toneFeed) tick() {
	if t.nheld == 0 {
		return
	}
	if t.waited++; t.waited < toneWait {
		return
	}
	for i := 1; i < toneHold; i++ {
		if t.held[(t.head+i)%toneHold].full {
			t.giveUp(t.next + uint32(i)*media.FrameSamples)
			return
		}
	}
}

// run feeds the detector the frames held from next on, in order, up to the
// first missing one.
func (t *toneFeed) run() {
	for {
		s := &t.held[t.head]
		if !s.full {
			break
		}
		s.full = false
		t.nheld--
		t.take(&s.frame)
		t.last, t.missing = s.frame, 0
		t.advance()
	}
	if t.nheld == 0 {
		t.waited = 0
	}
}

// giveUp moves next on to ts, filling the frames still missing before it,
// then runs on from there.
func (t *toneFeed) giveUp(ts uint32) {
	for int32(ts-t.next) > 0 {
		if s := &t.held[t.head]; s.full {
			s.full = false
			t.nheld--
			t.take(&s.frame)
			t.last, t.missing = s.frame, 0
		} else {
			t.fill()
		}
		t.advance()
	}
	t.run()
}

// fill stands in for one missing frame: the last frame once, then silence,
// toneFill frames in all; more say nothing new to the detector.
func (t *toneFeed) fill() {
	// The detector only reads the frame: the fields serve, and nothing is
	// allocated (a local would escape through the detector's interface).
	switch {
	case t.missing == 0:
		t.take(&t.last)
	case t.missing < toneFill:
		t.take(&t.silent)
	}
	t.missing++
}

func (t *toneFeed) take(f *media.Frame) { t.det.frame(t.next, f) }

func (t *toneFeed) advance() {
	t.next += media.FrameSamples
	t.head = (t.head + 1) % toneHold
}

// restart forgets the stream so far: a new source starts at ts.
func (t *toneFeed) restart(ssrc, ts uint32) {
	for i := range t.held {
		t.held[i].full = false
	}
	t.det.reset()
	t.started, t.ssrc, t.next, t.head, t.nheld, t.waited, t.missing = true, ssrc, ts, 0, 0, 0, 0
	t.last.Silence()
}
