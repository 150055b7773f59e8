package media

import (
	"encoding/binary"
	"fmt"
	"io"
)

// WriteWAV writes samples as a 16-bit mono WAV file at 8 kHz. It writes the
// header in one go (the length is known), so w need not seek, unlike go-audio's
// encoder: recordings stream over HTTP with it.
func WriteWAV(w io.Writer, samples []int16) error {
	const channels, bits = 1, 16
	data := uint32(len(samples) * 2)
	var h [44]byte
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+data)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], channels)
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], SampleRate*channels*bits/8)
	binary.LittleEndian.PutUint16(h[32:], channels*bits/8)
	binary.LittleEndian.PutUint16(h[34:], bits)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], data)
	if _, err := w.Write(h[:]); err != nil {
		return fmt.Errorf("media: wav header: %w", err)
	}
	buf := make([]byte, 0, 4096)
	for i, s := range samples {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
		if len(buf) == cap(buf) || i == len(samples)-1 {
			if _, err := w.Write(buf); err != nil {
				return fmt.Errorf("media: wav data: %w", err)
			}
			buf = buf[:0]
		}
	}
	return nil
}
