package media_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"tracecall/telephony/media"
)

var laws = []struct {
	law    media.Law
	name   string
	encode func([]byte, *media.Frame) []byte
	decode func(*media.Frame, []byte) error
	zero   byte // code of a zero sample
}{
	{media.LawALaw, "alaw", media.EncodeALaw, media.DecodeALaw, 0xD5},
	{media.LawULaw, "ulaw", media.EncodeULaw, media.DecodeULaw, 0xFF},
}

func TestG711Silence(t *testing.T) {
	for _, l := range laws {
		t.Run(l.name, func(t *testing.T) {
			var f media.Frame
			got := l.encode(nil, &f)
			if want := bytes.Repeat([]byte{l.zero}, media.FrameSamples); !bytes.Equal(got, want) {
				t.Errorf("silence encodes to % x…, want % x…", got[:4], want[:4])
			}
		})
	}
}

// TestG711RoundTrip checks every code and a ramp over the whole int16 range.
func TestG711RoundTrip(t *testing.T) {
	for _, l := range laws {
		t.Run(l.name, func(t *testing.T) {
			// Every code decodes to a value that encodes back to the same code (μ-law
			// has two zeros, -0 = 0x7F encodes back as +0 = 0xFF).
			for c := 0; c < 256; c += media.FrameSamples / 2 {
				var code [media.FrameSamples]byte
				for i := range code {
					code[i] = byte(c + i)
				}
				var f media.Frame
				if err := l.decode(&f, code[:]); err != nil {
					t.Fatal(err)
				}
				back := l.encode(nil, &f)
				for i := range code {
					if back[i] != code[i] && !(l.law == media.LawULaw && code[i] == 0x7F) {
						t.Errorf("code %#02x → %d → %#02x", code[i], f.Samples[i], back[i])
					}
				}
			}
			// Linear values come back within half a quantisation step, which grows
			// with the magnitude (about 1/32 of it, at least 16 near zero).
			var f, g media.Frame
			var buf []byte
			for v := math.MinInt16; v <= math.MaxInt16; {
				for i := range f.Samples {
					f.Samples[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
					v += 7
				}
				buf = l.encode(buf[:0], &f)
				if err := l.decode(&g, buf); err != nil {
					t.Fatal(err)
				}
				for i, x := range f.Samples {
					if d := math.Abs(float64(g.Samples[i]) - float64(x)); d > 16+math.Abs(float64(x))/32 {
						t.Fatalf("%d → %#02x → %d: error %v", x, buf[i], g.Samples[i], d)
					}
				}
			}
		})
	}
}

// TestG711SNR checks the signal-to-quantisation-noise ratio of a -10 dBm0 sine,
// G.711's home ground (about 38 dB).
func TestG711SNR(t *testing.T) {
	for _, l := range laws {
		t.Run(l.name, func(t *testing.T) {
			var f, g media.Frame
			a := amplitude(-10)
			var sig, noise float64
			var buf []byte
			for n := range 50 {
				for i := range f.Samples {
					f.Samples[i] = clip(a * math.Sin(2*math.Pi*1004*float64(n*media.FrameSamples+i)/8000))
				}
				buf = l.law.Encode(buf[:0], &f)
				if err := l.law.Decode(&g, buf); err != nil {
					t.Fatal(err)
				}
				for i := range f.Samples {
					x, y := float64(f.Samples[i]), float64(g.Samples[i])
					sig += x * x
					noise += (y - x) * (y - x)
				}
			}
			if snr := 10 * math.Log10(sig/noise); snr < 35 {
				t.Errorf("SNR %.1f dB, want ≥ 35", snr)
			}
		})
	}
}

func TestG711DecodeSize(t *testing.T) {
	for _, l := range laws {
		for _, n := range []int{0, 1, 159, 161, 240, 320} {
			f := media.Frame{Seq: 7}
			f.Samples[0] = 1234
			err := l.decode(&f, make([]byte, n))
			if !errors.Is(err, media.ErrFrameSize) {
				t.Errorf("%s: %d bytes: err = %v, want ErrFrameSize", l.name, n, err)
			}
			if err2 := l.law.Decode(&f, make([]byte, n)); !errors.Is(err2, media.ErrFrameSize) {
				t.Errorf("%s: Law.Decode %d bytes: err = %v, want ErrFrameSize", l.name, n, err2)
			}
			if f.Samples[0] != 1234 || f.Seq != 7 {
				t.Errorf("%s: failed decode changed the frame", l.name)
			}
		}
	}
}

// TestG711EncodeAppends checks that encoding appends after what dst holds (an RTP
// header, say) and reuses its capacity.
func TestG711EncodeAppends(t *testing.T) {
	var f media.Frame
	for i := range f.Samples {
		f.Samples[i] = int16(i * 100)
	}
	for _, l := range laws {
		t.Run(l.name, func(t *testing.T) {
			want := l.encode(nil, &f)
			if len(want) != media.FrameSamples {
				t.Fatalf("len %d, want %d", len(want), media.FrameSamples)
			}
			header := []byte{0x80, 0x08, 0, 1}
			buf := make([]byte, 0, 12+media.FrameSamples)
			buf = append(buf, header...)
			got := l.law.Encode(buf, &f)
			if !bytes.Equal(got[:4], header) || !bytes.Equal(got[4:], want) {
				t.Errorf("header or payload wrong")
			}
			if &got[0] != &buf[:1][0] {
				t.Errorf("reallocated although dst had room")
			}
			allocs := testing.AllocsPerRun(100, func() { buf = l.encode(buf[:0], &f) })
			if allocs != 0 {
				t.Errorf("%v allocations per encode into a buffer with room", allocs)
			}
		})
	}
}

func TestLawString(t *testing.T) {
	tests := []struct {
		law  media.Law
		want string
	}{
		{media.LawALaw, "alaw"},
		{media.LawULaw, "ulaw"},
		{media.Law(0), "alaw"},
	}
	for _, tt := range tests {
		if got := tt.law.String(); got != tt.want {
			t.Errorf("Law(%d).String() = %q, want %q", tt.law, got, tt.want)
		}
	}
}

func BenchmarkG711(b *testing.B) {
	var f media.Frame
	for i := range f.Samples {
		f.Samples[i] = int16(10000 * math.Sin(float64(i)))
	}
	buf := make([]byte, 0, media.FrameSamples)
	for _, l := range laws {
		b.Run("encode/"+l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				buf = l.encode(buf[:0], &f)
			}
		})
		b.Run("decode/"+l.name, func(b *testing.B) {
			buf = l.encode(buf[:0], &f)
			b.ReportAllocs()
			for b.Loop() {
				_ = l.decode(&f, buf)
			}
		})
	}
}
