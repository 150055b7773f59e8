package cdr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"time"

	"tracecall/store"
	"tracecall/telephony"
	"tracecall/telephony/event"
)

// Durability (doc.go, "Crash guarantees"). The writer holds every record
// changed since its last commit, in the order of its first change (held),
// and commits them in group commits: a commit takes everything held (up to
// commitMost records), and whatever changes while it runs waits for the
// next. The core waits for a call's start (Started) before serving the
// call; answers, ends and everything else wait for the next commit without
// anyone waiting on them. When the store fails the records stay held and
// the writer retries with a growing delay, in order, until the store takes
// them.

// Tuning of the writer's commits.
const (
	// commitGap is the least time from the end of a commit to the start of
	// the next: at most ~1/commitGap commits a second however fast calls
	// come (a start waits for at most this, and the commit), so a flood of
	// calls costs a bounded number of commits (doc.go, "Figures measured").
	commitGap = 10 * time.Millisecond
	// commitMost is the most records one commit writes: a backlog written
	// when space returns goes in transactions of this many, in order.
	commitMost = 1000
	// retryFirst and retryMost bound the delay between tries while the
	// store fails: it doubles from the first to the most.
	retryFirst = 100 * time.Millisecond
	retryMost  = 5 * time.Second
	// heldMost is the most records held in memory, waiting for the store
	// (about 1 KiB each). Past it the records of new calls are not kept
	// (counted in Health.Lost and logged); calls already held keep theirs.
	heldMost = 50_000
	// startsQueue is how many calls' starts may wait for the writer at once.
	startsQueue = 4096
)

// ErrHeld is returned by Started when the call's start is held in memory,
// not yet on disk: the store is failing (Health says why) or the writer
// stopped. The writer writes it once the store takes it again.
var ErrHeld = errors.New("call record held in memory, not on disk")

// ErrNotKept is returned by Started when the call's record is not kept at
// all: more than heldMost records wait for a failing store.
var ErrNotKept = errors.New("call record not kept: too many records wait for the store")

// startReq is a call's start the core waits on.
type startReq struct {
	e    event.CallStarted
	done chan error // buffered: the writer never waits on it
}

// Started makes e's record durable: it returns nil once the record is
// committed, ErrHeld (wrapped, with the store's error) when the store fails
// and the record waits in memory, ErrNotKept past heldMost, or ctx's error
// when ctx ends first (the record is then still written, as soon as it can
// be). It is the core's telephony.Journal.
func (w *Writer) Started(ctx context.Context, e event.CallStarted) error {
	req := startReq{e: e, done: make(chan error, 1)}
	select {
	case w.starts <- req:
	case <-w.stopped:
		return fmt.Errorf("cdr: start of %s: %w: the writer stopped", e.CallID, ErrHeld)
	case <-ctx.Done():
		return fmt.Errorf("cdr: start of %s: %w", e.CallID, ctx.Err())
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("cdr: start of %s: %w", e.CallID, ctx.Err())
	}
}

// start applies a start the core waits on: the record is made (unless the
// bus brought it first) and the request waits for the commit that writes it.
func (w *Writer) start(req startReq) {
	id := req.e.CallID
	w.apply(req.e)
	switch {
	case w.held.has(id):
		if w.failing != nil {
			req.done <- fmt.Errorf("cdr: start of %s: %w: %v", id, ErrHeld, w.failing)
			return
		}
		w.waiters[id] = append(w.waiters[id], req.done)
	case w.open[id] == nil:
		req.done <- fmt.Errorf("cdr: start of %s: %w", id, ErrNotKept)
	default: // already committed
		req.done <- nil
	}
}

// held is the records changed since their last commit, oldest change first.
type held struct {
	order []event.CallID
	recs  map[event.CallID]*store.CallRecord
}

func (h *held) has(id event.CallID) bool { return h.recs[id] != nil }

func (h *held) len() int { return len(h.order) }

// hold marks r changed: it is written with the next commit.
func (h *held) hold(id event.CallID, r *store.CallRecord) {
	if h.recs == nil {
		h.recs = make(map[event.CallID]*store.CallRecord)
	}
	if h.recs[id] == nil {
		h.order = append(h.order, id)
	}
	h.recs[id] = r
}

// written forgets the first n records: they are on disk.
func (h *held) written(n int) {
	for _, id := range h.order[:n] {
		delete(h.recs, id)
	}
	h.order = slices.Delete(h.order, 0, n)
}

// lose counts a new call whose record is not kept: heldMost records wait
// for a failing store. It is logged once a spell. The call's start comes
// twice (Started, then the bus): it counts once.
func (w *Writer) lose(id event.CallID) {
	if _, seen := w.lostIDs[id]; seen {
		return
	}
	if w.lostIDs == nil || len(w.lostIDs) >= heldMost {
		w.lostIDs = make(map[event.CallID]struct{})
	}
	w.lostIDs[id] = struct{}{}
	w.lost++
	if !w.dropping {
		w.dropping = true
		w.log.Error("call records lost: too many wait in memory for the store, new calls go unrecorded until it takes them",
			"held", w.held.len(), "most", heldMost, "reason", reason(w.failing), "err", w.failing)
	}
	w.publishHealth()
}

// recordError is a record the store refuses (store.ErrInvalid, a key too
// large): no retry can store it. Failures of the disk come from the commit,
// after the records are in the transaction, never as a recordError.
type recordError struct {
	id  event.CallID
	err error
}

func (e *recordError) Error() string { return e.err.Error() }
func (e *recordError) Unwrap() error { return e.err }

// due reports whether anything waits to be committed (records, or the alive
// stamp), and when the next commit may run: commitGap after the last one
// ended, or the retry delay after it while the store fails.
func (w *Writer) due() (at time.Time, ok bool) {
	if w.held.len() == 0 && !w.aliveDue {
		return time.Time{}, false
	}
	if w.failing != nil {
		return w.lastTry.Add(w.retry), true
	}
	return w.lastTry.Add(w.gap), true
}

// commit writes the oldest held records, at most commitMost, in one
// transaction; the one that writes the last of them also stamps the writer
// alive (Recover ends open records there: every change before that moment
// is on disk with it).
func (w *Writer) commit() {
	n := min(w.held.len(), commitMost)
	ids := w.held.order[:n]
	last := n == w.held.len()
	now := time.Now()
	err := w.db.Update(func(tx *store.Tx) error {
		for _, id := range ids {
			if err := tx.PutCall(w.held.recs[id]); err != nil {
				return &recordError{id: id, err: err}
			}
		}
		if last {
			b, _ := now.MarshalText()
			return tx.PutMeta(aliveKey, b)
		}
		return nil
	})
	w.lastTry = time.Now()
	if re, ok := errors.AsType[*recordError](err); ok {
		w.refuse(re)
		return
	}
	if err != nil {
		w.failed(err, n)
		return
	}
	if w.onCommit != nil {
		recs := make([]*store.CallRecord, n)
		for i, id := range ids {
			recs[i] = w.held.recs[id]
		}
		w.onCommit(recs)
	}
	for _, id := range ids {
		w.tally.put(w.held.recs[id]) // after the commit: the figures never run ahead of the records
		for _, done := range w.waiters[id] {
			done <- nil
		}
		delete(w.waiters, id)
	}
	w.held.written(n)
	if last {
		w.aliveDue = false
	}
	w.committed(n)
}

// refused drops a record the store can never take, so that it does not hold
// up the others: it is logged whole, for whoever mends it.
func (w *Writer) refuse(re *recordError) {
	r := w.held.recs[re.id]
	w.log.Error("call record refused by the store; dropped", "call_id", re.id, "record", r, "err", re.err)
	i := slices.Index(w.held.order, re.id)
	w.held.order = slices.Delete(w.held.order, i, i+1)
	delete(w.held.recs, re.id)
	for _, done := range w.waiters[re.id] {
		done <- fmt.Errorf("cdr: start of %s: %w", re.id, re.err)
	}
	delete(w.waiters, re.id)
	w.lost++
	w.publishHealth()
}

// failed notes a failed commit of n records: the first failure of a spell
// is logged with its reason, the waiting starts go on (held), and the next
// try comes after a growing delay.
func (w *Writer) failed(err error, n int) {
	if w.failing == nil {
		w.failedSince, w.retry = w.lastTry, retryFirst
		w.log.Error("call records cannot be written; keeping them in memory and retrying until the store takes them",
			"reason", reason(err), "held", w.held.len(), "path", w.db.Path(), "err", err)
	} else {
		w.retry = min(2*w.retry, retryMost)
	}
	w.failing = err
	for id, ws := range w.waiters {
		for _, done := range ws {
			done <- fmt.Errorf("cdr: start of %s: %w: %v", id, ErrHeld, err)
		}
	}
	clear(w.waiters)
	w.publishHealth()
}

// committed notes a commit of n records, ending a spell of failures.
func (w *Writer) committed(n int) {
	if w.failing != nil {
		w.log.Info("call records written again", "failed_for", w.lastTry.Sub(w.failedSince).Round(time.Millisecond),
			"written", n, "still_held", w.held.len(), "lost", w.lost)
		w.failing, w.dropping = nil, false
	}
	w.commits++
	w.publishHealth()
}

// reason names why a write failed, for the log and the panel.
func reason(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return ReasonDiskFull
	case errors.Is(err, syscall.EROFS):
		return ReasonReadOnly
	case errors.Is(err, syscall.EIO):
		return ReasonIO
	}
	return ReasonOther
}

// Reasons of Health.Reason.
const (
	ReasonDiskFull = "disk_full" // no space left (or over quota) on the data disk
	ReasonReadOnly = "read_only" // the data disk went read-only
	ReasonIO       = "io_error"  // the disk reported an I/O error
	ReasonOther    = "write_error"
)

// Health is the state of the record writer, for the panel and the status
// API.
type Health struct {
	// OK is false while the store fails to take records, or once records
	// were lost.
	OK bool `json:"ok"`
	// Reason names the failure (Reason* constants); "" while writing.
	Reason string `json:"reason,omitempty"`
	// Error is the store's error, as logged; "" while writing.
	Error string `json:"error,omitempty"`
	// FailingSince is when the failure began.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// Held is how many records wait in memory for the store.
	Held int `json:"held"`
	// Lost is how many calls since start have no record: past the bound on
	// held records, or refused by the store.
	Lost int `json:"lost"`
	// Commits is how many commits the writer made since start.
	Commits int64 `json:"commits"`
}

// Health returns the writer's state. It is safe to call from any goroutine.
func (w *Writer) Health() Health {
	if h := w.health.Load(); h != nil {
		return *h
	}
	return Health{OK: true}
}

// publishHealth refreshes what Health returns.
func (w *Writer) publishHealth() {
	h := Health{OK: w.failing == nil && w.lost == 0, Held: w.held.len(), Lost: w.lost, Commits: w.commits}
	if w.failing != nil {
		h.Reason, h.Error, h.FailingSince = reason(w.failing), w.failing.Error(), w.failedSince
	}
	w.health.Store(&h)
}

var _ telephony.Journal = (*Writer)(nil)
