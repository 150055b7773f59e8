package media

import (
	"errors"
	"fmt"

	"github.com/zaf/g711"
)

// ErrFrameSize is returned by DecodeALaw, DecodeULaw and Law.Decode when the
// payload does not hold exactly one frame (FrameSamples bytes), for instance an RTP
// stream negotiated with a ptime other than 20 ms.
var ErrFrameSize = errors.New("media: payload is not one 20 ms frame")

// Law names a G.711 companding law. The zero value is A-law, the law of China's
// network and of E1 lines generally.
type Law uint8

// The two G.711 laws.
const (
	LawALaw Law = iota // G.711 A-law (RTP PCMA, payload type 8)
	LawULaw            // G.711 μ-law (RTP PCMU, payload type 0)
)

// String returns "alaw" or "ulaw".
func (l Law) String() string {
	if l == LawULaw {
		return "ulaw"
	}
	return "alaw"
}

// Encode appends the G.711 encoding of f under law l to dst, one byte per sample,
// and returns the extended slice. Any value other than LawULaw encodes A-law.
func (l Law) Encode(dst []byte, f *Frame) []byte {
	if l == LawULaw {
		return EncodeULaw(dst, f)
	}
	return EncodeALaw(dst, f)
}

// Decode fills f.Samples from src, encoded under law l. It returns an error
// wrapping ErrFrameSize unless len(src) == FrameSamples; f is then left unchanged.
// Any value other than LawULaw decodes A-law.
func (l Law) Decode(f *Frame, src []byte) error {
	if l == LawULaw {
		return DecodeULaw(f, src)
	}
	return DecodeALaw(f, src)
}

// EncodeALaw appends the A-law encoding of f (FrameSamples bytes) to dst and returns
// the extended slice. It does not allocate when dst has room for them, so a driver
// can reuse one buffer (buf = EncodeALaw(buf[:0], f)) or encode straight after an
// RTP header it has already written into the buffer.
func EncodeALaw(dst []byte, f *Frame) []byte {
	n := len(dst)
	dst = grow(dst, FrameSamples)
	out := dst[n : n+FrameSamples]
	for i, s := range &f.Samples {
		out[i] = g711.EncodeAlawFrame(s)
	}
	return dst
}

// EncodeULaw appends the μ-law encoding of f to dst, like EncodeALaw.
func EncodeULaw(dst []byte, f *Frame) []byte {
	n := len(dst)
	dst = grow(dst, FrameSamples)
	out := dst[n : n+FrameSamples]
	for i, s := range &f.Samples {
		out[i] = g711.EncodeUlawFrame(s)
	}
	return dst
}

// DecodeALaw fills f.Samples from the A-law payload src. It returns an error
// wrapping ErrFrameSize unless len(src) == FrameSamples; f is then left unchanged.
// f.Seq is not touched.
func DecodeALaw(f *Frame, src []byte) error {
	if len(src) != FrameSamples {
		return fmt.Errorf("media: decode alaw: %d bytes: %w", len(src), ErrFrameSize)
	}
	src = src[:FrameSamples]
	for i := range &f.Samples {
		f.Samples[i] = g711.DecodeAlawFrame(src[i])
	}
	return nil
}

// DecodeULaw fills f.Samples from the μ-law payload src, like DecodeALaw.
func DecodeULaw(f *Frame, src []byte) error {
	if len(src) != FrameSamples {
		return fmt.Errorf("media: decode ulaw: %d bytes: %w", len(src), ErrFrameSize)
	}
	src = src[:FrameSamples]
	for i := range &f.Samples {
		f.Samples[i] = g711.DecodeUlawFrame(src[i])
	}
	return nil
}

// grow extends dst by n bytes, reallocating only when its capacity is too small.
func grow(dst []byte, n int) []byte {
	if cap(dst)-len(dst) >= n {
		return dst[:len(dst)+n]
	}
	return append(dst, make([]byte, n)...)
}
