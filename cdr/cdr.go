package cdr

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
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
	db  *store.DB
	sub *event.Subscriber[event.Event]
	log *slog.Logger
	// starts are the calls' starts the core waits on (Started).
	starts chan startReq
	// stopped is closed when Run returns.
	stopped chan struct{}
	health  atomic.Pointer[Health]

	// The rest is Run's goroutine's own.

	open map[event.CallID]*record
	// ended are the records of calls ended less than lateFor ago, for the
	// ACD's events that come after the call's end (late.go).
	ended map[event.CallID]*record
	// callbacks follow the callback requests of open records, until the call is
	// done (callback.go).
	callbacks map[event.CallID]*callbackState
	// tally keeps the queues' figures over the records of recent days.
	tally *tally
	// held are the records changed since they were last written (journal.go),
	// waiters the starts the core waits on, by call.
	held    held
	waiters map[event.CallID][]chan error
	// aliveDue asks the next commit to stamp the writer alive.
	aliveDue bool
	// lastTry is when the last commit ended; failing its error while the
	// store fails (since failedSince, retrying every retry), else nil.
	lastTry     time.Time
	failing     error
	failedSince time.Time
	retry       time.Duration
	// lost counts the calls left without a record; dropping says the
	// bound on held records was reached in this spell of failures.
	lost     int
	lostIDs  map[event.CallID]struct{}
	dropping bool
	commits  int64
	// gap is commitGap; benchmarks try others. onCommit, nil but in
	// benchmarks, sees each commit's records once they are on disk.
	gap      time.Duration
	onCommit func([]*store.CallRecord)
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
		db:      db,
		sub:     event.Subscribe[event.Event](bus.Client("cdr"), event.WithQueue(queueLen)),
		log:     log.With("component", "cdr"),
		starts:  make(chan startReq, startsQueue),
		stopped: make(chan struct{}),
		open:    make(map[event.CallID]*record),
		ended:   make(map[event.CallID]*record),
		tally:   newTally(),
		waiters: make(map[event.CallID][]chan error),
		gap:     commitGap,
	}
	if err := w.tally.load(db, time.Now()); err != nil {
		w.log.Error("reading the recent records for the queue figures", "err", err)
	}
	w.publishHealth()
	return w
}

// aliveKey holds the last moment the writer was known running with every
// change before it on disk, written with the commit that empties the held
// records and at least every aliveEvery while calls are up; Recover ends
// interrupted calls there.
const (
	aliveKey   = "cdr.alive"
	aliveEvery = time.Second
)

// drainMost is the most events and starts taken between two looks at
// whether a commit is due, so a flood of events cannot put commits off.
const drainMost = 4096

// Run writes records until ctx ends, then writes what is still queued and returns.
// Stop the drivers first, so their last events are in the queue.
func (w *Writer) Run(ctx context.Context) error {
	defer close(w.stopped)
	defer w.sub.Close()
	alive := time.NewTicker(aliveEvery)
	defer alive.Stop()
	wake := time.NewTimer(time.Hour)
	defer wake.Stop()
	for {
		w.drain(drainMost)
		at, due := w.due()
		if due && !time.Now().Before(at) {
			w.commit()
			continue
		}
		var woken <-chan time.Time
		if due {
			wake.Reset(time.Until(at))
			woken = wake.C
		}
		select {
		case e := <-w.sub.Events():
			w.apply(e)
		case req := <-w.starts:
			w.start(req)
		case <-woken:
		case now := <-alive.C:
			if len(w.open) > 0 {
				w.aliveDue = true
			}
			w.forgetEnded(now)
		case <-w.sub.Done():
			w.drain(-1)
			w.flush()
			return fmt.Errorf("cdr: %w", w.sub.Err())
		case <-ctx.Done():
			w.drain(-1)
			w.flush()
			return nil
		}
	}
}

// drain applies the events and starts already queued, at most n (all if
// n < 0), without waiting for more.
func (w *Writer) drain(n int) {
	for ; n != 0; n-- {
		select {
		case e := <-w.sub.Events():
			w.apply(e)
		case req := <-w.starts:
			w.start(req)
		default:
			return
		}
	}
}

// flush writes every held record before Run returns, trying once more
// after a failure; what the store still refuses is lost, and logged.
func (w *Writer) flush() {
	for tries := 0; w.held.len() > 0 || w.aliveDue; {
		w.commit()
		if w.failing != nil {
			if tries++; tries == 2 {
				break
			}
			time.Sleep(w.retry) // the writer is stopping: nothing else to do meanwhile
		}
	}
	if n := w.held.len(); n > 0 {
		w.log.Error("call records lost at stop: the store does not take them", "calls", n,
			"reason", reason(w.failing), "err", w.failing)
	}
	for id, ws := range w.waiters {
		for _, done := range ws {
			done <- fmt.Errorf("cdr: start of %s: %w: the writer stopped", id, ErrHeld)
		}
	}
	clear(w.waiters)
}

// apply updates the record e belongs to.
func (w *Writer) apply(e event.Event) {
	id := e.Call()
	if id == "" || w.callback(e) {
		return
	}
	if s, ok := e.(event.CallStarted); ok {
		if w.open[id] != nil {
			return // the core's Started brought it first
		}
		if w.held.len() >= heldMost {
			w.lose(id)
			return
		}
		r := &store.CallRecord{
			ID: string(id), Line: s.Line, Caller: s.From, Called: s.To, Direction: s.Direction,
			Type: TypeIVR, Start: s.At, InProgress: true, Updated: s.At, Phase: string(phase.Setup),
		}
		w.open[id] = &record{r: r, call: phase.New(s)}
		w.held.hold(id, r)
		return
	}
	o, ok := w.open[id]
	if !ok {
		if o, ok = w.ended[id]; ok && w.late(o, e) {
			w.held.hold(id, o.r)
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
	w.held.hold(id, r)
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
