package cdr

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"tracecall/store"
	"tracecall/telephony/event"
)

// Dispositions of a finished call.
const (
	Answered    = "answered"
	Abandoned   = "abandoned"
	Failed      = "failed"
	Interrupted = "interrupted"
)

// queueLen is deep enough for the worst burst of events at 1,000 calls; the
// writer is cut off (and says so loudly) only if it falls this far behind.
const queueLen = 1 << 16

// Writer turns call events into call records.
type Writer struct {
	db   *store.DB
	sub  *event.Subscriber[event.Event]
	log  *slog.Logger
	open map[event.CallID]*store.CallRecord
	// callbacks follow the callback requests of open records, until the call is
	// done (callback.go).
	callbacks map[event.CallID]*callbackState
	// committed is when the last cycle's commit ended.
	committed time.Time
}

// New subscribes to the bus at once, so no event published after New returns is
// missed, even before Run starts.
func New(db *store.DB, bus *event.Bus, log *slog.Logger) *Writer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Writer{
		db:   db,
		sub:  event.Subscribe[event.Event](bus.Client("cdr"), event.WithQueue(queueLen)),
		log:  log.With("component", "cdr"),
		open: make(map[event.CallID]*store.CallRecord),
	}
}

// aliveKey holds the last moment the writer was known running, refreshed every
// aliveEvery; Recover ends interrupted calls there.
const (
	aliveKey   = "cdr.alive"
	aliveEvery = time.Second
)

// commitGap is the least time between two commits. When calls come by the
// hundred a second, the events of the next gap wait and go in one commit (one
// fsync, one rewrite of the pages they share) instead of a commit for every
// few; at 800 calls that took the writer from 15 % of the daemon's CPU to a
// few. A lone event after a quiet spell is written at once.
const commitGap = 250 * time.Millisecond

// Run writes records until ctx ends, then writes what is still queued and returns.
// Stop the drivers first, so their last events are in the queue.
func (w *Writer) Run(ctx context.Context) error {
	defer w.sub.Close()
	alive := time.NewTicker(aliveEvery)
	defer alive.Stop()
	for {
		select {
		case e := <-w.sub.Events():
			w.cycle(ctx, e)
		case now := <-alive.C:
			if len(w.open) > 0 {
				w.markAlive(now)
			}
		case <-w.sub.Done():
			return fmt.Errorf("cdr: %w", w.sub.Err())
		case <-ctx.Done():
			for {
				select {
				case e := <-w.sub.Events():
					w.cycle(ctx, e)
				default:
					return nil
				}
			}
		}
	}
}

// cycle applies e and the events that follow it until commitGap has passed
// since the last commit (or 512 calls have changed), then commits.
func (w *Writer) cycle(ctx context.Context, first event.Event) {
	const most = 512
	dirty := map[event.CallID]*store.CallRecord{}
	w.apply(first, dirty)
	if wait := time.Until(w.committed.Add(commitGap)); wait > 0 && ctx.Err() == nil {
		gap := time.NewTimer(wait)
	gather:
		for len(dirty) < most {
			select {
			case e := <-w.sub.Events():
				w.apply(e, dirty)
			case <-gap.C:
				break gather
			case <-ctx.Done():
				break gather
			}
		}
		gap.Stop()
	}
drain:
	for len(dirty) < most {
		select {
		case e := <-w.sub.Events():
			w.apply(e, dirty)
		default:
			break drain
		}
	}
	if len(dirty) == 0 {
		return
	}
	err := w.db.Update(func(tx *store.Tx) error {
		for _, r := range dirty {
			if err := tx.PutCall(r); err != nil {
				return err
			}
		}
		return nil
	})
	w.committed = time.Now()
	if err != nil {
		w.log.Error("writing call records", "calls", len(dirty), "err", err)
	}
}

func (w *Writer) markAlive(now time.Time) {
	b, _ := now.MarshalText()
	if err := w.db.Update(func(tx *store.Tx) error { return tx.PutMeta(aliveKey, b) }); err != nil {
		w.log.Error("writing alive mark", "err", err)
	}
}

// apply updates the open record e belongs to.
func (w *Writer) apply(e event.Event, dirty map[event.CallID]*store.CallRecord) {
	id := e.Call()
	if id == "" || w.callback(e, dirty) {
		return
	}
	if s, ok := e.(event.CallStarted); ok {
		r := &store.CallRecord{
			ID: string(id), Line: s.Line, Caller: s.From, Called: s.To, Direction: s.Direction,
			Type: "ivr", Start: s.At, InProgress: true, Updated: s.At,
		}
		w.open[id] = r
		dirty[id] = r
		return
	}
	r, ok := w.open[id]
	if !ok {
		return // a call that started before this writer did
	}
	switch e := e.(type) {
	case event.CallAnswered:
		r.Answer = e.At
		r.Updated = e.At
	case event.IVRStep:
		step := e.Flow + "/" + e.Node
		if n := len(r.IVRPath); n == 0 || r.IVRPath[n-1] != step {
			r.IVRPath = append(r.IVRPath, step)
		}
		r.Updated = e.At
	case event.TraceLookup:
		r.Codes = append(r.Codes, store.CodeLookup{Code: e.Code, Result: e.Result, Reason: e.Reason, At: e.At})
		r.Type = "trace"
		r.Updated = e.At
	case event.CallQueued:
		if r.Agent == "" { // after an agent, a queue is a transfer's
			r.Queue = e.Queue
		}
		r.Updated = e.At
	case event.CallOffered:
		if !slices.Contains(r.AgentsTried, e.Agent) {
			r.AgentsTried = append(r.AgentsTried, e.Agent)
		}
		r.Updated = e.At
	case event.CallTaken:
		// The first agent to answer is the call's agent, and the wait
		// before it is the caller's queue wait. Later answers are transfers
		// (the switchboard offers them under the same call id): the agents
		// show in AgentsTried and the first figures stand.
		if r.Agent == "" {
			r.Queue, r.Agent, r.QueueWait = e.Queue, e.Agent, e.Wait.Seconds()
		}
		r.Type = "agent"
		r.Updated = e.At
	case event.CallAbandonedQueue:
		// A transfer nobody took, or a consult cancelled, leaves the caller
		// with an agent: only a caller who never reached one abandoned.
		if r.Agent == "" {
			r.Queue, r.QueueWait = e.Queue, e.Wait.Seconds()
		}
		r.Updated = e.At
	case event.CallOverflowed:
		r.Updated = e.At
	case event.CallOfferMissed:
		r.Updated = e.At
	case event.CallUnbridged:
		r.Updated = e.At
	case event.CallBridged:
		r.Type = "agent"
		r.Updated = e.At
	case event.CallEnded:
		r.End, r.Updated = e.At, e.At
		r.Duration = e.At.Sub(r.Start).Seconds()
		r.InProgress = false
		r.HangupBy, r.Cause = e.By, e.Cause
		r.Disposition = disposition(r, e)
		delete(w.open, id)
	default:
		return
	}
	dirty[id] = r
}

func disposition(r *store.CallRecord, e event.CallEnded) string {
	switch {
	case !r.Answer.IsZero():
		return Answered
	case e.By == "caller":
		return Abandoned
	case e.By == "system":
		return Interrupted
	}
	return Failed
}

// Recover closes the records a crash left open: each becomes interrupted, ending
// when it was last known alive. It returns how many it closed.
func Recover(db *store.DB, log *slog.Logger) (int, error) {
	open, err := db.OpenCalls()
	if err != nil {
		return 0, fmt.Errorf("cdr: recover: %w", err)
	}
	if len(open) == 0 {
		return 0, nil
	}
	slices.SortFunc(open, func(a, b store.CallRecord) int { return a.Start.Compare(b.Start) })
	err = db.Update(func(tx *store.Tx) error {
		var alive time.Time
		_ = alive.UnmarshalText(tx.Meta(aliveKey))
		for i := range open {
			r := &open[i]
			end := r.Updated
			if alive.After(end) {
				end = alive
			}
			if end.IsZero() || end.Before(r.Start) {
				end = r.Start
			}
			r.End, r.InProgress, r.Disposition = end, false, Interrupted
			r.Duration = end.Sub(r.Start).Seconds()
			if r.Cause == "" {
				r.Cause = "daemon_stopped"
			}
			if err := tx.PutCall(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("cdr: recover: %w", err)
	}
	if log != nil {
		log.Warn("closed call records left open by an unclean stop", "calls", len(open))
	}
	return len(open), nil
}
