package sip

import (
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pion/rtp"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// frameLog is a frameSink that writes down what it was fed: "N" for frame N,
// "rN" for frame N fed again (to fill a gap), "-" for silence, "|" for a reset.
type frameLog struct{ got []string }

func (l *frameLog) frame(_ uint32, f *media.Frame) {
	switch n := int(f.Samples[0]); {
	case n == 0:
		l.got = append(l.got, "-")
	case f.Samples[1] == 1:
		l.got = append(l.got, "r"+strconv.Itoa(n-1))
	default:
		l.got = append(l.got, strconv.Itoa(n-1))
		f.Samples[1] = 1 // marks the frame as seen, should it be fed again
	}
}

func (l *frameLog) reset() { l.got = append(l.got, "|") }

func TestToneFeed(t *testing.T) {
	// Scripts: "pN" pushes frame N (timestamp base+N*160), "sN" the same
	// from another source, "xN" frame N off the 20 ms grid, "t" ticks.
	tests := []struct{ name, script, want string }{
		{"in order", "p0 p1 p2", "| 0 1 2"},
		{"reordered", "p0 p2 p1 p3", "| 0 1 2 3"},
		{"a stall and its burst lose nothing", "p0 t t t t t t t t t t p1 p2 p3 p4 p5 p6 p7 p8", "| 0 1 2 3 4 5 6 7 8"},
		{"a lost frame given up after three ticks", "p0 p1 p3 t t p4 t", "| 0 1 r1 3 4"},
		{"a lost frame given up by the frames after it", "p0 p1 p3 p4 p5 p6", "| 0 1 r1 3 4 5 6"},
		{"two lost: the last once, then silence", "p0 p1 p4 t t t", "| 0 1 r1 - 4"},
		{"many lost: three fill frames at most", "p0 p1 p9 t t t", "| 0 1 r1 - - 9"},
		{"a frame after its gap was given up is dropped", "p0 p2 t t t p1 p3", "| 0 r0 2 3"},
		{"duplicates ignored", "p0 p0 p1 p1 p3 p3 p2", "| 0 1 2 3"},
		{"a jump ahead ends the key, then goes on", "p0 p1 p100 p101", "| 0 1 r1 - - 100 101"},
		{"a jump back too", "p100 p101 p0 p1", "| 100 101 r101 - - 0 1"},
		{"a new source starts over", "p0 p1 s5 s6", "| 0 1 | 5 6"},
		{"off the grid starts over", "p0 p1 x5 x6", "| 0 1 | 5 6"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := &frameLog{}
			feed := &toneFeed{det: log}
			for _, op := range strings.Fields(tt.script) {
				if op == "t" {
					feed.tick()
					continue
				}
				ssrc, ts, f := scriptPacket(t, op)
				feed.push(ssrc, ts, &f)
			}
			if got := strings.Join(log.got, " "); got != tt.want {
				t.Errorf("fed %q, want %q", got, tt.want)
			}
		})
	}
}

// TestInbandKeysSurviveStarvedReader: a caller keys the demo code in band
// (on a call that negotiated telephone-event too) while the app stops reading
// its frames for two seconds, and while the caller's own sending stalls for
// 300 ms and then bursts what it owes (as SIPp does on a busy CPU): every key
// arrives once, from the tones, though the app's frame queue overflowed and
// the jitter buffer gave up the stalled frames as late.
func TestInbandKeysSurviveStarvedReader(t *testing.T) {
	const keys = "1" + "11010600524031500425" + "#"
	tones := inbandKeys(t, keys) // μ-law in and out: close to the A-law we send
	sink := listenSink(t)
	s := newTestStream(t, sink)
	far := s.remote // the far end the SDP named: only it is heard

	// The far end sends frame n at tick arrive(n): on time, but nothing
	// from tick 60 to 75 and then all it owes at once.
	arrive := func(n int) int {
		if n >= 60 && n < 75 {
			return 75
		}
		return n
	}
	// The app reads its frames on every tick except from 40 to 140.
	reading := func(tick int) bool { return tick < 40 || tick >= 140 }

	var got []telephony.Digit
	var read string // what a detector on the app's frames hears
	det := media.NewDTMFDetector(media.DTMFConfig{})
	rb := newReadBatch()
	var over int
	n := 0
	for tick := 0; n < len(tones) || tick < len(tones)+20; tick++ {
		for n < len(tones) && arrive(n) <= tick {
			s.packet(packetOf(t, s, n, &tones[n]), far)
			n++
		}
		s.send(time.Now())
		if s.receive(rb) {
			over++
		}
		if reading(tick) {
			for len(s.rx) > 0 {
				f := <-s.rx
				if k, ok := det.Process(&f); ok {
					read += string(k)
				}
			}
		}
		for len(s.digits) > 0 {
			got = append(got, <-s.digits)
		}
	}
	dropped := s.stats().Late
	if over == 0 || dropped == 0 || read == keys {
		t.Fatalf("the app's queue overflowed %d times, the jitter buffer dropped %d late frames, the app's frames carry %q: the test starved nothing", over, dropped, read)
	}
	t.Logf("a detector on the frames the app read would have heard %q", read)
	var str string
	for _, d := range got {
		str += string(d.Key)
		if d.Source != "inband" {
			t.Errorf("key %q from %s, want inband", d.Key, d.Source)
		}
	}
	if str != keys {
		t.Errorf("keys %q, want %q", str, keys)
	}
}

// packetOf is frame n of the far end's audio as an A-law RTP packet to s.
func packetOf(t testing.TB, s *stream, n int, f *media.Frame) []byte {
	t.Helper()
	p := rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: 8, SequenceNumber: uint16(n), Timestamp: uint32(n * media.FrameSamples), SSRC: 7},
		Payload: media.EncodeALaw(nil, f),
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEventAndToneAcrossAStall: a press sent both as an RFC 4733 event and
// as a tone is queued once, even when the clock stalls for half a second
// between taking the event's packet and the tone's frames: the two are
// matched by RTP time, not by when the clock took them.
func TestEventAndToneAcrossAStall(t *testing.T) {
	const keys = "1010#"
	synctest.Test(t, func(t *testing.T) {
		s := newTestStream(t, listenSink(t))
		far := s.remote              // the far end the SDP named: only it is heard
		tones := inbandKeys(t, keys) // 100 ms silence, then 100 ms on, 100 ms off
		seq := 0
		send := func(b []byte) {
			s.packet(b, far)
			seq++
		}
		for n := range tones {
			if k := (n - 5) / 10; n >= 5 && (n-5)%10 < 5 {
				// The key's event: start, updates, and the end (sent three times).
				i := (n - 5) % 10
				dur := (i + 1) * media.FrameSamples
				ev := []byte{byte(strings.IndexByte(eventKeys, keys[k])), 10, byte(dur >> 8), byte(dur)}
				times := 1
				if i == 4 {
					ev[1] |= 0x80
					times = 3
				}
				start := uint32((5 + k*10) * media.FrameSamples)
				for range times {
					send(eventPacket(t, seq, start, i == 0, ev))
				}
				if i == 0 {
					time.Sleep(500 * time.Millisecond) // the clock stalls
				}
			}
			send(packetOf(t, s, n, &tones[n]))
		}
		var got string
		for len(s.digits) > 0 {
			d := <-s.digits
			got += string(d.Key) + d.Source[:1]
		}
		if want := "1r0r1r0r#r"; got != want {
			t.Errorf("keys %q, want %q (r: rfc4733, i: in band)", got, want)
		}
	})
}

// eventPacket is an RFC 4733 packet (PT 101) with payload ev.
func eventPacket(t testing.TB, seq int, ts uint32, marker bool, ev []byte) []byte {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 101, Marker: marker, SequenceNumber: uint16(seq), Timestamp: ts, SSRC: 7}, Payload: ev}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkToneFeed is the in-band detection's cost per received frame on a
// caller keying the demo code (100 ms tones, 100 ms pauses), then silent for
// as long again: what every call's clock pays now.
func BenchmarkToneFeed(b *testing.B) {
	var frames []media.Frame
	var f media.Frame
	for _, k := range []byte("1" + "11010600524031500425" + "#") {
		g, err := media.NewDTMFTone(k, 100*time.Millisecond, 100*time.Millisecond, -7)
		if err != nil {
			b.Fatal(err)
		}
		for g.Next(&f) {
			frames = append(frames, f)
		}
	}
	frames = append(frames, make([]media.Frame, len(frames))...)
	keys := 0
	feed := &toneFeed{det: &inbandDetector{det: media.NewDTMFDetector(media.DTMFConfig{}), key: func(byte, uint32) { keys++ }}}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		feed.push(1, uint32(n*media.FrameSamples), &frames[n%len(frames)])
		n++
	}
}
