package media

import "errors"

// Media constants shared by every driver and app: the core speaks one frame shape.
const (
	SampleRate    = 8000 // samples per second
	FrameSamples  = 160  // samples in one 20 ms frame
	FrameDuration = 20   // milliseconds per frame
)

// Frame is 20 ms of 8 kHz linear 16-bit mono audio. It has a fixed size so that
// readers and writers can reuse one value per leg without allocating.
type Frame struct {
	Samples [FrameSamples]int16
	Seq     uint32
}

// FrameReader reads the next frame into f, which the caller owns. It blocks until a
// frame is due and returns io.EOF once the stream has ended (the leg hung up).
type FrameReader interface {
	ReadFrame(f *Frame) error
}

// FrameWriter queues f for sending. The caller may reuse f as soon as it returns.
// Writers pace the caller: a writer accepts frames no faster than real time once
// its small buffer is full.
type FrameWriter interface {
	WriteFrame(f *Frame) error
}

// ErrClosed is returned by readers and writers of a stream that was closed locally.
var ErrClosed = errors.New("media: stream closed")

// Silence sets every sample of f to zero.
func (f *Frame) Silence() { f.Samples = [FrameSamples]int16{} }
