package sip

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"tracecall/telephony/media"
)

// scriptPacket is the packet an op of a test script stands for: "pN" is
// frame N (timestamp base+N*160, samples N+1, base near the wrap), "sN" the
// same from another source, "xN" frame N off the 20 ms grid.
func scriptPacket(t *testing.T, op string) (ssrc, ts uint32, f media.Frame) {
	t.Helper()
	n, err := strconv.Atoi(op[1:])
	if err != nil {
		t.Fatal(err)
	}
	const base = 0xfffff000 // wraps during the test
	f.Samples[0] = int16(n + 1)
	ssrc, ts = 1, uint32(base+n*media.FrameSamples)
	switch op[0] {
	case 's':
		ssrc = 2
	case 'x':
		ts += 7
	}
	return ssrc, ts, f
}

func TestJitterBuffer(t *testing.T) {
	// Scripts: "pN" pushes frame N (timestamp base+N*160, samples N+1),
	// "sN" the same from another source, "o" pops, "x" pushes frame N at an
	// off-grid timestamp. want is what the pops gave, "-" for silence, "rN"
	// for frame N repeated to conceal a missing one.
	tests := []struct {
		name, script, want string
		late, concealed    uint64
	}{
		{"nothing: silence", "o o", "- -", 0, 0},
		{"prefill, then in order", "p0 o p1 o p2 o p3 o", "- 0 1 2", 0, 0},
		{"reordered within the buffer", "p1 p0 o o p3 p2 o o", "0 1 2 3", 0, 0},
		{"a lost frame repeats the last", "p0 p1 o o p3 p4 o o o", "0 1 r1 3 4", 0, 1},
		{"a frame after its time is late", "p0 p1 p3 o o o p2 o", "0 1 r1 3", 1, 1},
		{"a frame before its time is not", "p0 p1 o o p3 p4 p2 o o o", "0 1 2 3 4", 0, 0},
		{"duplicate ignored", "p0 p0 p1 p1 o o o", "0 1 r1", 0, 0},
		{"running dry refills before playing", "p0 p1 o o o p2 o p3 o o", "0 1 r1 r1 2 3", 0, 0},
		{"far ahead skips forward", "p0 p1 p40 p41 o o o", "40 41 r41", 2, 0},
		{"just past the window drops the oldest", "p0 p1 p2 p3 p4 p5 p6 p7 p8 o o", "1 2", 1, 0},
		{"past the window by two drops two", "p0 p1 o p2 p3 p4 p5 p6 p7 p8 p9 p10 o o", "0 3 4", 2, 0},
		{"past the window with a hole", "p0 p1 o p9 o o", "0 r0 r0", 1, 2},
		{"a new source starts over", "p0 p1 o s7 s8 o o", "0 7 8", 0, 0},
		{"jump far back starts over", "p100 p101 o p0 p1 o o", "100 0 1", 0, 0},
		{"off the 20 ms grid starts over", "p0 p1 o x5 p9 o", "0 r0", 0, 0},
		{"a stall repeats the last frame until the burst", "p0 p1 o o o o o o p2 p3 p4 o o o", "0 1 r1 r1 r1 r1 2 3 4", 0, 0},
		{"eight repeats at most, then silence", "p0 p1 p2 o o o o o o o o o o o o", "0 1 2 r2 r2 r2 r2 r2 r2 r2 r2 -", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j jitterBuffer
			var got []string
			for _, op := range strings.Fields(tt.script) {
				if op == "o" {
					var f media.Frame
					if j.pop(&f) {
						got = append(got, strconv.Itoa(int(f.Samples[0])-1))
					} else if f.Samples[0] != 0 {
						got = append(got, "r"+strconv.Itoa(int(f.Samples[0])-1)) // concealed by a repeat
					} else {
						got = append(got, "-")
					}
					continue
				}
				ssrc, ts, f := scriptPacket(t, op)
				j.push(ssrc, ts, &f)
			}
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("pops = %q, want %q", s, tt.want)
			}
			if j.late != tt.late || j.concealed != tt.concealed {
				t.Errorf("late %d concealed %d, want %d %d", j.late, j.concealed, tt.late, tt.concealed)
			}
		})
	}
}

// TestJitterLoadedSenderDTMF replays the packet timing of SIPp callers under
// load (testdata/rtp_arrivals_loaded.txt: stalls of up to 113 ms, then
// bursts) through the jitter buffer, on a 20 ms tick, carrying in-band DTMF
// for "1", the demo code and "#" (100 ms tones, 100 ms gaps, G.711 μ-law at
// -7 dBm0 per tone, as gen_dtmf_pcap.py makes them), into the core's
// detector. The keys must come out exactly once each, wherever a stall falls
// in the keying and whatever the tick's phase against the sender.
//
// With two concealment frames (then silence), a stall of 80 ms or more
// inside a tone left 20-40 ms of silence in it: the detector, rightly by
// Q.24, took that as two presses (the load test's "menu 1 taken again into
// the code"). Repeating the last frame for the length of a stall keeps the
// tone whole: a repeated frame breaks the tone's phase, but only for three
// of the detector's 5 ms windows, never the six that end a key.
func TestJitterLoadedSenderDTMF(t *testing.T) {
	b, err := os.ReadFile("testdata/rtp_arrivals_loaded.txt")
	if err != nil {
		t.Fatal(err)
	}
	var callers [][]float64
	for _, ln := range strings.Split(string(b), "\n") {
		if ln == "" || ln[0] == '#' {
			continue
		}
		var at []float64
		for _, f := range strings.Fields(ln) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("testdata: %v", err)
			}
			at = append(at, v)
		}
		callers = append(callers, at)
	}
	if len(callers) == 0 {
		t.Fatal("testdata: no callers")
	}
	const keys = "1" + "11010600524031500425" + "#"
	tones := inbandKeys(t, keys)
	wrong, runs := 0, 0
	for c, at := range callers {
		// Start the keys at every third frame of the trace, so that each
		// stall lands on tones and gaps at every offset.
		for start := 0; start+len(tones) <= len(at); start += 3 {
			for _, phase := range []float64{0, 5, 10, 15} {
				runs++
				got := replayLoaded(at[start:start+len(tones)], tones, phase)
				if got != keys {
					wrong++
					if wrong <= 5 {
						t.Errorf("caller %d, keys from packet %d, tick phase %v ms: detected %q, want %q", c, start, phase, got, keys)
					}
				}
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d replays detected the wrong keys", wrong, runs)
	}
}

// inbandKeys returns G.711 μ-law decoded frames of each key for 100 ms and
// 100 ms of silence, after 100 ms of silence.
func inbandKeys(t testing.TB, keys string) []media.Frame {
	t.Helper()
	var out []media.Frame
	var f media.Frame
	var buf []byte
	add := func() {
		buf = media.EncodeULaw(buf[:0], &f)
		if err := media.DecodeULaw(&f, buf); err != nil {
			t.Fatal(err)
		}
		out = append(out, f)
	}
	for range 5 {
		f.Silence()
		add()
	}
	for _, k := range []byte(keys) {
		g, err := media.NewDTMFTone(k, 100*time.Millisecond, 100*time.Millisecond, -7)
		if err != nil {
			t.Fatal(err)
		}
		for g.Next(&f) {
			add()
		}
	}
	return out
}

// replayLoaded pushes frame n into a jitter buffer at its arrival time at[n]
// (ms, relative), pops one frame every 20 ms from phase on into a DTMF
// detector, and returns the keys detected.
func replayLoaded(at []float64, frames []media.Frame, phase float64) string {
	var j jitterBuffer
	det := media.NewDTMFDetector(media.DTMFConfig{})
	var keys []byte
	base := at[0]
	n := 0
	for tick := phase; n < len(frames) || tick < at[len(at)-1]-base+200; tick += 20 {
		for n < len(frames) && at[n]-base <= tick {
			j.push(1, uint32(n*media.FrameSamples), &frames[n])
			n++
		}
		var f media.Frame
		j.pop(&f)
		if k, ok := det.Process(&f); ok {
			keys = append(keys, k)
		}
	}
	return string(keys)
}

func BenchmarkJitterPushPop(b *testing.B) {
	var j jitterBuffer
	var f media.Frame
	for i := range b.N {
		j.push(1, uint32(i)*media.FrameSamples, &f)
		j.pop(&f)
	}
}
