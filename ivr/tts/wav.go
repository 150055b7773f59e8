package tts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// WAVE format tags this decoder reads.
const (
	wavPCM        = 1
	wavFloat      = 3
	wavExtensible = 0xfffe
)

// wavFormat is the part of a "fmt " chunk the decoder needs.
type wavFormat struct {
	tag      uint16
	channels int
	rate     int
	bits     int
	align    int // bytes per frame (all channels)
}

// decodeWAV reads a RIFF/WAVE stream held in b and returns its audio downmixed to
// mono 16-bit, with its sample rate. It reads 8-bit unsigned, 16-, 24- and 32-bit
// signed PCM and 32-bit float, plain or in WAVE_FORMAT_EXTENSIBLE, with any number
// of channels up to 16.
//
// Writers on a pipe (espeak-ng --stdout) cannot seek back to fill in sizes, so a
// data chunk whose size is 0 or runs past the end of b is taken to run to the end;
// the RIFF size is ignored. A partial frame at the end is dropped.
func decodeWAV(b []byte) (samples []int16, rate int, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, 0, errors.New("tts: wav: not a RIFF/WAVE stream")
	}
	var f wavFormat
	haveFmt := false
	rest := b[12:]
	for len(rest) >= 8 {
		id := [4]byte(rest[0:4])
		size := int64(binary.LittleEndian.Uint32(rest[4:8]))
		body := rest[8:]
		if id == [4]byte{'d', 'a', 't', 'a'} {
			if !haveFmt {
				return nil, 0, errors.New("tts: wav: data chunk before fmt chunk")
			}
			if size > int64(len(body)) || size == 0 && !chunkHeaderAt(body) {
				size = int64(len(body)) // streamed: the writer could not fill the size in
			}
			return f.decode(body[:size]), f.rate, nil
		}
		if size > int64(len(body)) {
			return nil, 0, fmt.Errorf("tts: wav: chunk %q: size %d past the end", id[:], size)
		}
		if id == [4]byte{'f', 'm', 't', ' '} {
			if f, err = parseFormat(body[:size]); err != nil {
				return nil, 0, err
			}
			haveFmt = true
		}
		size += size & 1 // chunks are padded to an even length
		rest = body[min(size, int64(len(body))):]
	}
	if !haveFmt {
		return nil, 0, errors.New("tts: wav: no fmt chunk")
	}
	return nil, 0, errors.New("tts: wav: no data chunk")
}

// chunkHeaderAt reports whether b starts like a chunk header that fits in b, which
// tells a genuinely empty data chunk from one a streaming writer left at size 0.
func chunkHeaderAt(b []byte) bool {
	if len(b) < 8 {
		return false
	}
	for _, c := range b[:4] {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return int64(binary.LittleEndian.Uint32(b[4:8])) <= int64(len(b)-8)
}

func parseFormat(b []byte) (wavFormat, error) {
	if len(b) < 16 {
		return wavFormat{}, fmt.Errorf("tts: wav: fmt chunk of %d bytes, want at least 16", len(b))
	}
	f := wavFormat{
		tag:      binary.LittleEndian.Uint16(b[0:2]),
		channels: int(binary.LittleEndian.Uint16(b[2:4])),
		rate:     int(binary.LittleEndian.Uint32(b[4:8])),
		align:    int(binary.LittleEndian.Uint16(b[12:14])),
		bits:     int(binary.LittleEndian.Uint16(b[14:16])),
	}
	if f.tag == wavExtensible {
		if len(b) < 26 {
			return wavFormat{}, errors.New("tts: wav: extensible fmt chunk too short")
		}
		f.tag = binary.LittleEndian.Uint16(b[24:26]) // first two bytes of the subformat GUID
	}
	switch {
	case f.tag == wavPCM && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32):
	case f.tag == wavFloat && f.bits == 32:
	default:
		return wavFormat{}, fmt.Errorf("tts: wav: format %#x with %d bits unsupported (want 8/16/24/32-bit PCM or 32-bit float)", f.tag, f.bits)
	}
	if f.channels < 1 || f.channels > 16 {
		return wavFormat{}, fmt.Errorf("tts: wav: %d channels unsupported", f.channels)
	}
	if f.rate < 1000 || f.rate > 384000 {
		return wavFormat{}, fmt.Errorf("tts: wav: sample rate %d Hz unsupported", f.rate)
	}
	if want := f.channels * f.bits / 8; f.align != want {
		return wavFormat{}, fmt.Errorf("tts: wav: block align %d, want %d for %d channels of %d bits", f.align, want, f.channels, f.bits)
	}
	return f, nil
}

// decode converts whole frames of data to mono 16-bit by averaging the channels.
func (f wavFormat) decode(data []byte) []int16 {
	width := f.bits / 8
	out := make([]int16, len(data)/f.align)
	for i := range out {
		frame := data[i*f.align : (i+1)*f.align]
		var sum int64 // of samples scaled to 32 bits
		for c := 0; c < f.channels; c++ {
			sum += int64(f.sample(frame[c*width : (c+1)*width]))
		}
		v := (sum/int64(f.channels) + 1<<15) >> 16
		out[i] = int16(min(max(v, math.MinInt16), math.MaxInt16))
	}
	return out
}

// sample returns one sample scaled to the full int32 range.
func (f wavFormat) sample(b []byte) int32 {
	switch {
	case f.tag == wavFloat:
		v := float64(math.Float32frombits(binary.LittleEndian.Uint32(b)))
		if math.IsNaN(v) {
			return 0
		}
		return int32(min(max(v*(1<<31), math.MinInt32), math.MaxInt32))
	case f.bits == 8:
		return (int32(b[0]) - 128) << 24
	case f.bits == 16:
		return int32(int16(binary.LittleEndian.Uint16(b))) << 16
	case f.bits == 24:
		return int32(uint32(b[0])<<8 | uint32(b[1])<<16 | uint32(b[2])<<24)
	default:
		return int32(binary.LittleEndian.Uint32(b))
	}
}
