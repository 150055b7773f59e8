package sip

import (
	"strconv"
	"strings"
	"testing"

	"tracecall/telephony/media"
)

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
		{"two repeats at most, then silence", "p0 p1 p2 o o o o o o", "0 1 2 r2 r2 -", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var j jitterBuffer
			const base = 0xfffff000 // wraps during the test
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
				n, err := strconv.Atoi(op[1:])
				if err != nil {
					t.Fatal(err)
				}
				var f media.Frame
				f.Samples[0] = int16(n + 1)
				ssrc, ts := uint32(1), uint32(base+n*media.FrameSamples)
				switch op[0] {
				case 's':
					ssrc = 2
				case 'x':
					ts += 7
				}
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

func BenchmarkJitterPushPop(b *testing.B) {
	var j jitterBuffer
	var f media.Frame
	for i := range b.N {
		j.push(1, uint32(i)*media.FrameSamples, &f)
		j.pop(&f)
	}
}
