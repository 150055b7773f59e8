package tts

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// wavBytes builds a WAVE stream by hand: a fmt chunk from the given fields, any
// extra chunks, then a data chunk whose size field is dataSize (-1: the real size).
func wavBytes(tag uint16, channels, rate, bits int, extra []byte, data []byte, dataSize int64) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(0xffffffff))
	b.WriteString("WAVE")
	b.Write(extra)
	b.WriteString("fmt ")
	if tag == wavExtensible {
		le(uint32(40))
	} else {
		le(uint32(16))
	}
	le(tag)
	le(uint16(channels))
	le(uint32(rate))
	le(uint32(rate * channels * bits / 8))
	le(uint16(channels * bits / 8))
	le(uint16(bits))
	if tag == wavExtensible {
		le(uint16(22))            // cbSize
		le(uint16(bits))          // valid bits
		le(uint32(0))             // channel mask
		le(uint16(wavPCM))        // subformat GUID, first two bytes
		b.Write(make([]byte, 14)) // rest of the GUID
	}
	b.WriteString("data")
	if dataSize < 0 {
		dataSize = int64(len(data))
	}
	le(uint32(dataSize))
	b.Write(data)
	return b.Bytes()
}

func le16(v ...int16) []byte {
	b := make([]byte, 2*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(x))
	}
	return b
}

func TestDecodeWAV(t *testing.T) {
	f32 := func(v ...float32) []byte {
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		return b
	}
	list := []byte("LIST\x03\x00\x00\x00abc\x00") // odd size, padded
	tests := []struct {
		name     string
		in       []byte
		want     []int16
		wantRate int
		wantErr  string
	}{
		{"16-bit mono", wavBytes(wavPCM, 1, 16000, 16, nil, le16(1, -2, 300), -1), []int16{1, -2, 300}, 16000, ""},
		{"espeak-ng on a pipe", wavBytes(wavPCM, 1, 22050, 16, nil, le16(5, 6), 0x7ffff000), []int16{5, 6}, 22050, ""},
		{"size all ones", wavBytes(wavPCM, 1, 22050, 16, nil, le16(5, 6), 0xffffffff), []int16{5, 6}, 22050, ""},
		{"size zero, streamed", wavBytes(wavPCM, 1, 8000, 16, nil, le16(5, 6), 0), []int16{5, 6}, 8000, ""},
		{"size zero, really empty", append(wavBytes(wavPCM, 1, 8000, 16, nil, nil, 0), list...), []int16{}, 8000, ""},
		{"partial frame dropped", wavBytes(wavPCM, 1, 8000, 16, nil, []byte{1, 0, 2}, 0xffffffff), []int16{1}, 8000, ""},
		{"chunk before fmt", wavBytes(wavPCM, 1, 8000, 16, list, le16(7), -1), []int16{7}, 8000, ""},
		{"stereo averaged", wavBytes(wavPCM, 2, 44100, 16, nil, le16(100, 300, -100, -301), -1), []int16{200, -200}, 44100, ""},
		{"8-bit unsigned", wavBytes(wavPCM, 1, 8000, 8, nil, []byte{128, 255, 0}, -1), []int16{0, 127 << 8, -128 << 8}, 8000, ""},
		{"24-bit", wavBytes(wavPCM, 1, 48000, 24, nil, []byte{0x00, 0x01, 0x00, 0xff, 0xff, 0xff, 0x00, 0x00, 0x80}, -1), []int16{1, 0, math.MinInt16}, 48000, ""},
		{"32-bit", wavBytes(wavPCM, 1, 32000, 32, nil, []byte{0, 0, 0x34, 0x12, 0xff, 0xff, 0xff, 0x7f}, -1), []int16{0x1234, math.MaxInt16}, 32000, ""},
		{"float", wavBytes(wavFloat, 1, 16000, 32, nil, f32(0.5, -1, 2, float32(math.NaN())), -1), []int16{16384, math.MinInt16, math.MaxInt16, 0}, 16000, ""},
		{"extensible", wavBytes(wavExtensible, 1, 16000, 16, nil, le16(9), -1), []int16{9}, 16000, ""},
		{"not riff", []byte("RIFX\x00\x00\x00\x00WAVE"), nil, 0, "not a RIFF/WAVE"},
		{"too short", []byte("RIFF"), nil, 0, "not a RIFF/WAVE"},
		{"no fmt", []byte("RIFF\x00\x00\x00\x00WAVEdata\x02\x00\x00\x00\x01\x00"), nil, 0, "before fmt"},
		{"no chunks", []byte("RIFF\x00\x00\x00\x00WAVE"), nil, 0, "no fmt"},
		{"no data", wavBytes(wavPCM, 1, 8000, 16, nil, nil, -1)[:36], nil, 0, "no data"},
		{"chunk past end", append([]byte("RIFF\x00\x00\x00\x00WAVE"), list[:6]...), nil, 0, ""},
		{"fmt past end", []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00"), nil, 0, "past the end"},
		{"12-bit", wavBytes(wavPCM, 1, 8000, 12, nil, le16(1), -1), nil, 0, "unsupported"},
		{"a-law", wavBytes(6, 1, 8000, 8, nil, []byte{1}, -1), nil, 0, "unsupported"},
		{"no channels", wavBytes(wavPCM, 0, 8000, 16, nil, le16(1), -1), nil, 0, "channels"},
		{"rate zero", wavBytes(wavPCM, 1, 0, 16, nil, le16(1), -1), nil, 0, "sample rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rate, err := decodeWAV(tt.in)
			if tt.wantErr != "" || tt.want == nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("decodeWAV: %v", err)
			}
			if rate != tt.wantRate || !slices.Equal(got, tt.want) {
				t.Errorf("got %v at %d Hz, want %v at %d Hz", got, rate, tt.want, tt.wantRate)
			}
		})
	}
}

func TestDecodeWAVBadAlign(t *testing.T) {
	b := wavBytes(wavPCM, 2, 8000, 16, nil, le16(1, 2), -1)
	binary.LittleEndian.PutUint16(b[12+8+12:], 3) // block align
	if _, _, err := decodeWAV(b); err == nil || !strings.Contains(err.Error(), "block align") {
		t.Errorf("err = %v, want a block align error", err)
	}
}

// FuzzDecodeWAV checks that no input panics and that what decodes is sane.
func FuzzDecodeWAV(f *testing.F) {
	f.Add(wavBytes(wavPCM, 1, 22050, 16, nil, le16(1, 2, 3), 0x7ffff000))
	f.Add(wavBytes(wavExtensible, 2, 44100, 24, []byte("LIST\x01\x00\x00\x00x\x00"), make([]byte, 12), -1))
	f.Add(wavBytes(wavFloat, 3, 16000, 32, nil, make([]byte, 24), 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		samples, rate, err := decodeWAV(b)
		if err != nil {
			return
		}
		if rate < 1000 || rate > 384000 {
			t.Errorf("rate %d accepted", rate)
		}
		if len(samples) > len(b) {
			t.Errorf("%d samples from %d bytes", len(samples), len(b))
		}
	})
}
