package telephony

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// bridgeQueue is how many frames each direction of a bridge holds between the
// leg it reads and the leg it writes (100 ms): enough to ride out two clocks
// beating a little apart, small enough that nobody hears an echo of delay.
// When it is full the oldest frame is dropped; a reader never waits.
const bridgeQueue = 5

// BridgeOption tunes a Bridge.
type BridgeOption func(*bridgeOptions)

type bridgeOptions struct {
	events *event.Client
	log    *slog.Logger
}

// WithBridgeEvents publishes event.CallBridged and event.CallUnbridged on pub.
func WithBridgeEvents(pub *event.Client) BridgeOption {
	return func(o *bridgeOptions) { o.events = pub }
}

// WithBridgeLog logs the bridge's end and media errors to log.
func WithBridgeLog(log *slog.Logger) BridgeOption {
	return func(o *bridgeOptions) { o.log = log }
}

// Bridge joins a and b: what a's far end says, b's far end hears, and the other
// way round, until one of them ends. Bridge then hangs up the other with
// CauseNormal and returns nil. A media error on either leg hangs up both with
// CauseMediaError and returns the error. When ctx ends first, the bridge comes
// down with both legs left up (for a transfer, say) and Bridge returns ctx.Err().
//
// Neither leg's media may be in use elsewhere (release a Session first). Each
// direction runs in two goroutines, a reader and a writer, with a short queue
// between them, so a leg that is slow to take frames costs dropped frames,
// never a stalled reader. Bridge returns once all four have stopped, except
// that when ctx ends each reader may still be waiting for its leg's next frame:
// it takes that frame (which is lost) and stops.
func Bridge(ctx context.Context, a, b Leg, opts ...BridgeOption) error {
	var o bridgeOptions
	for _, f := range opts {
		f(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	ar, aw, err := a.Media()
	if err != nil {
		return fmt.Errorf("telephony: bridge %s: %w", a.ID(), err)
	}
	br, bw, err := b.Media()
	if err != nil {
		return fmt.Errorf("telephony: bridge %s: %w", b.ID(), err)
	}
	ai, bi := a.Info(), b.Info()
	start := time.Now()
	if o.events != nil {
		o.events.Publish(event.CallBridged{
			Base: event.Base{CallID: ai.CallID, At: start},
			A:    string(ai.ID), B: string(bi.ID), ALine: ai.Line, BLine: bi.Line,
		})
	}

	stop := make(chan struct{})
	errc := make(chan sideError, 4)
	var readers, writers sync.WaitGroup
	pipe := func(from string, r media.FrameReader, to string, w media.FrameWriter) {
		q := make(chan media.Frame, bridgeQueue)
		readers.Add(1)
		writers.Add(1)
		go func() {
			defer readers.Done()
			pumpIn(from, r, q, stop, errc)
		}()
		go func() {
			defer writers.Done()
			pumpOut(to, w, q, stop, errc)
		}()
	}
	pipe("a", ar, "b", bw)
	pipe("b", br, "a", aw)

	var by string
	var out error
	hang := context.WithoutCancel(ctx)
	select {
	case <-a.Context().Done():
		by = "a"
		_ = b.Hangup(hang, CauseNormal)
	case <-b.Context().Done():
		by = "b"
		_ = a.Hangup(hang, CauseNormal)
	case e := <-errc:
		// A leg that hung up ends its streams too; that is a plain hangup.
		cause := CauseNormal
		select {
		case <-a.Context().Done():
			by = "a"
		case <-b.Context().Done():
			by = "b"
		default:
			by, cause = e.side, CauseMediaError
			out = fmt.Errorf("telephony: bridge %s to %s: leg %s: %w", ai.ID, bi.ID, e.side, e.err)
			o.log.Warn("bridge media failed", "side", e.side, "err", e.err)
		}
		_ = a.Hangup(hang, cause)
		_ = b.Hangup(hang, cause)
	case <-ctx.Done():
		by = "app"
		out = ctx.Err()
	}
	close(stop)
	writers.Wait()
	if by != "app" {
		readers.Wait() // the legs are down, so their reads end at once
	}
	d := time.Since(start)
	o.log.Debug("bridge down", "by", by, "duration", d)
	if o.events != nil {
		o.events.Publish(event.CallUnbridged{
			Base: event.Base{CallID: ai.CallID, At: time.Now()},
			A:    string(ai.ID), B: string(bi.ID), By: by, Duration: d,
		})
	}
	return out
}

type sideError struct {
	side string
	err  error
}

// pumpIn reads frames from r into q, dropping the oldest when q is full.
func pumpIn(side string, r media.FrameReader, q chan media.Frame, stop <-chan struct{}, errc chan<- sideError) {
	var f media.Frame
	for {
		if err := r.ReadFrame(&f); err != nil {
			errc <- sideError{side, err}
			return
		}
		select {
		case <-stop:
			return
		default:
		}
		pushDropOldest(q, &f)
	}
}

// pumpOut writes what q holds to w.
func pumpOut(side string, w media.FrameWriter, q <-chan media.Frame, stop <-chan struct{}, errc chan<- sideError) {
	for {
		select {
		case f := <-q:
			if err := w.WriteFrame(&f); err != nil {
				errc <- sideError{side, err}
				return
			}
		case <-stop:
			return
		}
	}
}
