package cdr

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"tracecall/cdr/phase"
	"tracecall/store"
	"tracecall/telephony/event"
)

// Dispositions: how a call ended, as a call center counts it.
const (
	// SelfService: the IVR ended the call (its flow ran to the end), or the
	// caller hung up in the IVR after a trace lookup answered them (found
	// or not found); no agent was asked for, or the caller left the queue
	// for the IVR and was served there.
	SelfService = "self_service"
	// Answered: an agent answered (Agent, after QueueWait in Queue).
	Answered = "answered"
	// AbandonedQueue: the caller hung up, or left, in a queue before any
	// agent answered (after QueueWait in Queue).
	AbandonedQueue = "abandoned_queue"
	// AbandonedIVR: the caller hung up before the IVR answered, or in the
	// IVR before any lookup answered them, without waiting for an agent.
	AbandonedIVR = "abandoned_ivr"
	// Overflowed: a queue sent the call on (too long a wait, the queue
	// full, nobody logged in) to something other than an agent.
	Overflowed = "overflowed"
	// Failed: the appliance ended a call nobody served for another reason
	// (a dialled call not answered, an error).
	Failed = "failed"
	// Interrupted: the daemon stopped (or died) before the call ended.
	Interrupted = "interrupted"
)

// Types: what a call was.
const (
	TypeIVR   = "ivr"   // the caller stayed in the IVR
	TypeTrace = "trace" // the caller keyed a trace code
	TypeAgent = "agent" // an agent answered
	// TypeFeatureCode is an agent's phone dialling a feature code (*21–*24)
	// to log in, out, ready or not ready: housekeeping, left out of the
	// customers' records and figures unless asked for by name.
	TypeFeatureCode = "feature_code"
)

// queueLen is deep enough for the worst burst of events at 1,000 calls; the
// writer is cut off (and says so loudly) only if it falls this far behind.
const queueLen = 1 << 16

// Writer turns call events into call records.
type Writer struct {
	db   *store.DB
	sub  *event.Subscriber[event.Event]
	log  *slog.Logger
	open map[event.CallID]*record
	// ended are the records of calls ended less than lateFor ago, for the
	// ACD's events that come after the call's end (late.go).
	ended map[event.CallID]*record
	// callbacks follow the callback requests of open records, until the call is
	// done (callback.go).
	callbacks map[event.CallID]*callbackState
	// tally keeps the queues' figures over the records of recent days.
	tally *tally
	// committed is when the last cycle's commit ended.
	committed time.Time
}

// record is an open call's record and what the call is doing.
type record struct {
	r    *store.CallRecord
	call *phase.Call
	end  event.CallEnded // once ended
	at   time.Time       // when it ended, by the writer's clock
}

// New subscribes to the bus at once, so no event published after New returns is
// missed, even before Run starts.
func New(db *store.DB, bus *event.Bus, log *slog.Logger) *Writer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Writer{
		db:    db,
		sub:   event.Subscribe[event.Event](bus.Client("cdr"), event.WithQueue(queueLen)),
		log:   log.With("component", "cdr"),
		open:  make(map[event.CallID]*record),
		ended: make(map[event.CallID]*record),
		tally: newTally(),
	}
	if err := w.tally.load(db, time.Now()); err != nil {
		w.log.Error("reading the recent records for the queue figures", "err", err)
	}
	return w
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
			w.forgetEnded(now)
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
		return
	}
	for _, r := range dirty {
		w.tally.put(r) // after the commit: the figures never run ahead of the records
	}
}

func (w *Writer) markAlive(now time.Time) {
	b, _ := now.MarshalText()
	if err := w.db.Update(func(tx *store.Tx) error { return tx.PutMeta(aliveKey, b) }); err != nil {
		w.log.Error("writing alive mark", "err", err)
	}
}

// apply updates the record e belongs to.
func (w *Writer) apply(e event.Event, dirty map[event.CallID]*store.CallRecord) {
	id := e.Call()
	if id == "" || w.callback(e, dirty) {
		return
	}
	if s, ok := e.(event.CallStarted); ok {
		r := &store.CallRecord{
			ID: string(id), Line: s.Line, Caller: s.From, Called: s.To, Direction: s.Direction,
			Type: TypeIVR, Start: s.At, InProgress: true, Updated: s.At, Phase: string(phase.Setup),
		}
		w.open[id] = &record{r: r, call: phase.New(s)}
		dirty[id] = r
		return
	}
	o, ok := w.open[id]
	if !ok {
		if o, ok = w.ended[id]; ok && w.late(o, e) {
			dirty[id] = o.r
		}
		return // else a call that started before this writer did
	}
	r := o.r
	switch e := e.(type) {
	case event.CallAnswered:
		if r.LineAnswer.IsZero() {
			r.LineAnswer = e.At
		}
	case event.IVRStep:
		step := e.Flow + "/" + e.Node
		if n := len(r.IVRPath); n == 0 || r.IVRPath[n-1] != step {
			r.IVRPath, r.IVRTypes = append(r.IVRPath, step), append(r.IVRTypes, e.Type)
		}
		if e.Type == phase.NodeAgentState {
			r.Type = TypeFeatureCode
		}
	case event.TraceLookup:
		r.Codes = append(r.Codes, store.CodeLookup{Code: e.Code, Result: e.Result, Reason: e.Reason, At: e.At})
		if r.Type == TypeIVR {
			r.Type = TypeTrace
		}
	case event.CallQueued:
		if r.Agent == "" { // after an agent, a queue is a transfer's
			r.Queue = e.Queue
		}
	case event.CallOffered:
		if !slices.Contains(r.AgentsTried, e.Agent) {
			r.AgentsTried = append(r.AgentsTried, e.Agent)
		}
	case event.CallTaken:
		// The first agent to answer is the call's agent, and the wait
		// before it is the caller's queue wait. Later answers are transfers
		// (the switchboard offers them under the same call id): the agents
		// show in AgentsTried and the first figures stand.
		if r.Agent == "" {
			r.Queue, r.Agent, r.QueueWait, r.Answer = e.Queue, e.Agent, e.Wait.Seconds(), e.At
			r.ServiceLevelTime = e.ServiceLevel.Seconds()
		}
		r.Type = TypeAgent
	case event.CallAbandonedQueue:
		// A transfer nobody took, or a consult cancelled, leaves the caller
		// with an agent: only a caller who never reached one abandoned.
		if r.Agent == "" {
			r.Queue, r.QueueWait, r.ServiceLevelTime = e.Queue, e.Wait.Seconds(), e.ServiceLevel.Seconds()
		}
	case event.CallOverflowed:
		if r.Queue == "" { // a queue that refused the call never queued it
			r.Queue = e.Queue
		}
	case event.CallOfferMissed, event.CallHeld, event.CallTransfer:
	case event.CallEnded:
	default:
		return
	}
	if at := e.When(); !at.IsZero() {
		r.Updated = at
	}
	o.call.Apply(e)
	if end, ok := e.(event.CallEnded); ok { // a callback request's is callback.go's
		w.close(o, end)
		delete(w.open, id)
		w.ended[id] = o
	} else {
		r.Phase = string(o.call.Phase())
	}
	dirty[id] = r
}

// close ends o's record at e.
func (w *Writer) close(o *record, e event.CallEnded) {
	r := o.r
	r.End, r.Updated = e.At, e.At
	r.Duration = e.At.Sub(r.Start).Seconds()
	r.InProgress, r.Phase = false, ""
	r.HangupBy, r.Cause = e.By, e.Cause
	if p := o.call.Phase(); (p == phase.Waiting || p == phase.Ringing) && r.Agent == "" && r.QueueWait == 0 {
		// Until the ACD says (late.go), the wait is the time in the queue.
		r.QueueWait = e.At.Sub(o.call.QueuedAt).Seconds()
	}
	o.end, o.at = e, time.Now()
	r.Disposition = disposition(r, o.call, e)
}

// disposition is how the call c of record r ended at e: an agent's answer
// first, then the daemon stopping, then where the caller was.
func disposition(r *store.CallRecord, c *phase.Call, e event.CallEnded) string {
	byCaller := e.By == "caller"
	switch p := c.Phase(); {
	case r.Agent != "":
		return Answered
	case e.By == "system":
		return Interrupted
	case c.LeftQueue:
		return AbandonedQueue
	case p == phase.Waiting || p == phase.Ringing:
		if byCaller {
			return AbandonedQueue
		}
		return Failed
	case c.Overflowed:
		return Overflowed
	case p == phase.Setup:
		if byCaller {
			return AbandonedIVR
		}
		return Failed
	case !byCaller: // the IVR ended it: its flow ran out
		return SelfService
	case served(r):
		return SelfService
	}
	return AbandonedIVR
}

// served reports whether a lookup answered the caller: the code found, or
// known not to be there.
func served(r *store.CallRecord) bool {
	return slices.ContainsFunc(r.Codes, func(c store.CodeLookup) bool {
		return c.Result == "found" || c.Result == "not_found"
	})
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
