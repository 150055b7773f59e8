package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// CallRecord is a call detail record (CDR). The cdr package writes it when a
// call starts and on each change, so a crash leaves at most the last change
// unwritten and InProgress still set, which OpenCalls finds at startup. The
// values of Type, Disposition and Phase are the cdr package's (cdr/doc.go).
type CallRecord struct {
	ID        string `json:"id"`
	Line      string `json:"line"`
	Caller    string `json:"caller"`
	Called    string `json:"called"`
	Direction string `json:"direction"` // inbound | outbound
	// Type is what the call was: ivr, trace (a code was keyed), agent (an
	// agent answered), callback (the caller asked to be called back), or
	// feature_code (an agent's phone dialling *21–*24: housekeeping, not a
	// customer's call).
	Type  string    `json:"type"`
	Start time.Time `json:"start"` // set once; PutCall refuses to change it
	// LineAnswer is when the line was picked up: by the IVR for a caller
	// (which is no answer by a person), by the far end of a dialled call.
	LineAnswer time.Time `json:"lineAnswer,omitzero"`
	// Answer is when the first agent answered: the caller's "answered".
	Answer   time.Time `json:"answer,omitzero"`
	End      time.Time `json:"end,omitzero"`
	Duration float64   `json:"duration"` // seconds from start to end
	// Disposition is how the call ended: self_service, answered,
	// abandoned_queue, abandoned_ivr, overflowed, callback_pending,
	// callback_failed, failed or interrupted; "" while in progress.
	Disposition string `json:"disposition"`
	InProgress  bool   `json:"inProgress"`
	// Phase is what a call in progress is doing (setup, ivr, waiting,
	// ringing, talking: package cdr/phase); "" once it ended.
	Phase    string   `json:"phase,omitempty"`
	HangupBy string   `json:"hangupBy,omitempty"`
	Cause    string   `json:"cause,omitempty"`
	IVRPath  []string `json:"ivrPath,omitempty"` // flow/node, each step
	// IVRTypes are the kinds of IVRPath's nodes (menu, trace_query...), step
	// for step, so that pages can put the path in words.
	IVRTypes []string     `json:"ivrTypes,omitempty"`
	Codes    []CodeLookup `json:"codes,omitempty"`
	// The ACD's part: the queue the caller waited in (the first agent's,
	// or the last one left), how long in seconds (to the first agent's
	// answer, or to leaving the queue), that queue's service level time in
	// seconds then (answers and abandons within it are "in time"), the
	// agent who took it and every agent it was offered to, in order.
	Queue            string    `json:"queue,omitempty"`
	QueueWait        float64   `json:"queueWait,omitempty"`
	ServiceLevelTime float64   `json:"serviceLevelTime,omitempty"`
	Agent            string    `json:"agent,omitempty"`
	AgentsTried      []string  `json:"agentsTried,omitempty"`
	Updated          time.Time `json:"updated"` // set by the writer; the store does not touch it
	// Notes are the agents' wrap-up notes, kept apart from the record so that
	// the cdr writer's rewrites cannot lose them (customer_calls.go): reads
	// fill them in, PutCall ignores them.
	Notes []CallNote `json:"notes,omitempty"`
}

// CodeLookup is one trace code a caller keyed during a call.
type CodeLookup struct {
	Code   string    `json:"code"`   // normalised code (or raw digits when invalid)
	Result string    `json:"result"` // found | not_found | invalid
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

// CallFilter selects calls for ListCalls. The zero value is the newest
// DefaultCallLimit calls.
type CallFilter struct {
	From time.Time // calls that started at or after From; zero: no bound
	To   time.Time // calls that started before To (exclusive); zero: no bound
	// Caller keeps calls whose Caller contains it as a substring, so that a
	// partial number finds a call; "" keeps all.
	Caller string
	// Type keeps calls whose Type or Direction equals it, ignoring case, so
	// "trace" and "inbound" both work; "" keeps all.
	Type string
	// ExcludeTypes leaves out the calls whose Type is one of these (the
	// agents' feature-code calls from the customers' records, say); a Type
	// asked for by name is kept all the same.
	ExcludeTypes []string
	// Limit is the most calls returned: DefaultCallLimit if <= 0, at most
	// MaxCallLimit.
	Limit int
}

// Limits of ListCalls.
const (
	DefaultCallLimit = 100
	MaxCallLimit     = 10_000
)

// Bounds of a call's start: the index key is its Unix time in nanoseconds.
var (
	minCallStart = time.Unix(0, 0)
	maxCallStart = time.Unix(0, 1<<63-1)
)

// callKey is the calls_by_start key: start as big-endian Unix nanoseconds,
// then the ID, so that calls sort by start and ties by ID.
func callKey(start time.Time, id string) []byte {
	k := make([]byte, 8, 8+len(id))
	binary.BigEndian.PutUint64(k, uint64(start.UnixNano()))
	return append(k, id...)
}

// startBound converts t to an index position, clamped to the key range.
func startBound(t time.Time) []byte {
	switch {
	case t.Before(minCallStart):
		t = minCallStart
	case t.After(maxCallStart):
		t = maxCallStart
	}
	return binary.BigEndian.AppendUint64(nil, uint64(t.UnixNano()))
}

// PutCall stores r, creating or replacing the record under r.ID, and keeps
// the start and open-call indexes in step. Start is fixed when the record is
// first stored: a different Start later fails with ErrInvalid, as do an
// empty ID and a start before 1970 or after 2262.
func (tx *Tx) PutCall(r *CallRecord) error {
	if err := checkKey("call id", r.ID); err != nil {
		return fmt.Errorf("store: put call: %w", err)
	}
	if r.Start.Before(minCallStart) || r.Start.After(maxCallStart) {
		return fmt.Errorf("store: put call %s: %w: start %v out of range", r.ID, ErrInvalid, r.Start)
	}
	calls, byStart, open := tx.bucket(bucketCalls), tx.bucket(bucketCallsByStart), tx.bucket(bucketCallsOpen)
	id := []byte(r.ID)
	sk := callKey(r.Start, r.ID)
	if calls.Get(id) == nil {
		if err := byStart.Put(sk, nil); err != nil {
			return fmt.Errorf("store: put call %s: %w", r.ID, err)
		}
		if err := tx.indexCaller(r.Caller, sk); err != nil {
			return fmt.Errorf("store: put call %s: %w", r.ID, err)
		}
	} else if byStart.Get(sk) == nil {
		return fmt.Errorf("store: put call %s: %w: start changed to %v", r.ID, ErrInvalid, r.Start)
	}
	if r.Notes != nil { // stored apart (AddCallNote)
		c := *r
		c.Notes = nil
		r = &c
	}
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: put call %s: encode: %w", r.ID, err)
	}
	if err := calls.Put(id, v); err != nil {
		return fmt.Errorf("store: put call %s: %w", r.ID, err)
	}
	if r.InProgress {
		err = open.Put(id, nil)
	} else {
		err = open.Delete(id)
	}
	if err != nil {
		return fmt.Errorf("store: put call %s: open index: %w", r.ID, err)
	}
	return nil
}

// Call returns the call record under id; ok is false if there is none.
func (tx *Tx) Call(id string) (r CallRecord, ok bool, err error) {
	v := tx.bucket(bucketCalls).Get([]byte(id))
	if v == nil {
		return CallRecord{}, false, nil
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return CallRecord{}, false, fmt.Errorf("store: call %s: decode: %w", id, err)
	}
	if r.Notes, err = tx.CallNotes(id); err != nil {
		return CallRecord{}, false, err
	}
	return r, true, nil
}

// OpenCalls returns the calls still marked InProgress, oldest first. At
// startup they are the calls a crash interrupted.
func (tx *Tx) OpenCalls() ([]CallRecord, error) {
	var out []CallRecord
	c := tx.bucket(bucketCallsOpen).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		r, ok, err := tx.Call(string(k))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b CallRecord) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// Call returns the call record under id; ok is false if there is none.
func (db *DB) Call(id string) (r CallRecord, ok bool, err error) {
	err = db.View(func(tx *Tx) error {
		r, ok, err = tx.Call(id)
		return err
	})
	return r, ok, err
}

// OpenCalls returns the calls still marked InProgress, oldest first.
func (db *DB) OpenCalls() ([]CallRecord, error) {
	var out []CallRecord
	err := db.View(func(tx *Tx) (err error) {
		out, err = tx.OpenCalls()
		return err
	})
	return out, err
}

// ListCalls returns the calls f selects, newest start first. It walks the
// start index from f.To down to f.From, so a narrow time range reads only
// the calls in it; Caller and Type are checked on each record in the range.
func (db *DB) ListCalls(f CallFilter) ([]CallRecord, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultCallLimit
	}
	limit = min(limit, MaxCallLimit)
	var from []byte
	if !f.From.IsZero() {
		from = startBound(f.From)
	}
	var out []CallRecord
	err := db.View(func(tx *Tx) error {
		calls := tx.bucket(bucketCalls)
		c := tx.bucket(bucketCallsByStart).Cursor()
		var k []byte
		if f.To.IsZero() {
			k, _ = c.Last()
		} else if k, _ = c.Seek(startBound(f.To)); k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && len(out) < limit; k, _ = c.Prev() {
			if len(k) < 8 {
				continue
			}
			if from != nil && bytes.Compare(k[:8], from) < 0 {
				break
			}
			v := calls.Get(k[8:])
			if v == nil {
				continue // index without record: cannot happen, do not fail the listing
			}
			var r CallRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("call %s: decode: %w", k[8:], err)
			}
			if !f.keeps(&r) {
				continue
			}
			var err error
			if r.Notes, err = tx.CallNotes(r.ID); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	return out, nil
}

// keeps reports whether r passes f's Caller and type tests.
func (f *CallFilter) keeps(r *CallRecord) bool {
	if f.Caller != "" && !strings.Contains(r.Caller, f.Caller) {
		return false
	}
	if f.Type != "" {
		return strings.EqualFold(r.Type, f.Type) || strings.EqualFold(r.Direction, f.Type)
	}
	return !slices.Contains(f.ExcludeTypes, r.Type)
}

// ForEachCall calls fn with each call that started in [from, to), oldest
// first, without notes; zero bounds are open. It stops at fn's first error
// and returns it. The read holds one transaction: keep fn quick.
func (db *DB) ForEachCall(from, to time.Time, fn func(r *CallRecord) error) error {
	err := db.View(func(tx *Tx) error {
		calls := tx.bucket(bucketCalls)
		c := tx.bucket(bucketCallsByStart).Cursor()
		var k []byte
		if from.IsZero() {
			k, _ = c.First()
		} else {
			k, _ = c.Seek(startBound(from))
		}
		var end []byte
		if !to.IsZero() {
			end = startBound(to)
		}
		for ; k != nil; k, _ = c.Next() {
			if len(k) < 8 {
				continue
			}
			if end != nil && bytes.Compare(k[:8], end) >= 0 {
				break
			}
			v := calls.Get(k[8:])
			if v == nil {
				continue
			}
			var r CallRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("call %s: decode: %w", k[8:], err)
			}
			if err := fn(&r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: for each call: %w", err)
	}
	return nil
}

// DeleteCallsBefore removes the calls that started before t, with their
// index entries, for retention. It works in transactions of a thousand
// calls, so it does not hold up CDR writes for long, and returns how many it
// removed; on error or when ctx is done the removals so far stay.
func (db *DB) DeleteCallsBefore(ctx context.Context, t time.Time) (int, error) {
	bound := startBound(t)
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, fmt.Errorf("store: delete calls: %w", err)
		}
		n := 0
		err := db.bolt.Update(func(btx *bolt.Tx) error {
			calls, byStart, open := btx.Bucket(bucketCalls), btx.Bucket(bucketCallsByStart), btx.Bucket(bucketCallsOpen)
			c := byStart.Cursor()
			for k, _ := c.First(); k != nil && n < 1000 && bytes.Compare(k, bound) < 0; k, _ = c.First() {
				id := bytes.Clone(k[min(8, len(k)):])
				if err := c.Delete(); err != nil {
					return err
				}
				if err := (&Tx{btx: btx}).forgetCall(id); err != nil { // notes, caller index
					return err
				}
				if err := calls.Delete(id); err != nil {
					return err
				}
				if err := open.Delete(id); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, fmt.Errorf("store: delete calls: %w", err)
		}
		total += n
		if n < 1000 {
			return total, nil
		}
	}
}
