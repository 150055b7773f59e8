package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Agents' wrap-up notes on calls live beside the call records, not in them:
//
//	call_notes/<call id> → []CallNote as JSON, oldest first
//
// The cdr writer keeps each open call's record in memory and stores the
// whole record again on every change, so a note written into the record
// while the call goes on would be lost at the next change. Notes therefore
// have their own bucket, which PutCall never touches; Call, OpenCalls,
// ListCalls and CallsByCaller fill CallRecord.Notes from it, and PutCall does
// not store that field. DeleteCallsBefore removes a call's notes with it.
// The bucket is created by the first note.

var bucketCallNotes = []byte("call_notes")

// Bounds of call notes.
const (
	// MaxCallNotes is the most notes one call keeps: AddCallNote refuses
	// more (ErrInvalid).
	MaxCallNotes = 50
	// maxCallNoteBytes bounds one note's text.
	maxCallNoteBytes = 16 << 10
)

// CallNote is a note an agent (or a team leader) left on a call, usually
// while wrapping it up.
type CallNote struct {
	Agent string    `json:"agent"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
}

// AddCallNote appends n to the notes of call id. It fails with ErrNotFound if
// there is no such call, and with ErrInvalid for an empty or over-long text
// or when the call has MaxCallNotes already.
func (tx *Tx) AddCallNote(id string, n CallNote) error {
	if n.Text == "" || len(n.Text) > maxCallNoteBytes {
		return fmt.Errorf("store: add note to call %s: %w: text empty or over %d bytes", id, ErrInvalid, maxCallNoteBytes)
	}
	if id == "" || tx.bucket(bucketCalls).Get([]byte(id)) == nil {
		return fmt.Errorf("store: add note to call %s: %w", id, ErrNotFound)
	}
	notes, err := tx.CallNotes(id)
	if err != nil {
		return err
	}
	if len(notes) >= MaxCallNotes {
		return fmt.Errorf("store: add note to call %s: %w: already %d notes", id, ErrInvalid, len(notes))
	}
	b, err := tx.writeBucket(bucketCallNotes)
	if err != nil {
		return fmt.Errorf("store: add note to call %s: %w", id, err)
	}
	v, err := json.Marshal(append(notes, n))
	if err != nil {
		return fmt.Errorf("store: add note to call %s: encode: %w", id, err)
	}
	if err := b.Put([]byte(id), v); err != nil {
		return fmt.Errorf("store: add note to call %s: %w", id, err)
	}
	return nil
}

// CallNotes returns the notes on call id, oldest first; none is nil.
func (tx *Tx) CallNotes(id string) ([]CallNote, error) {
	b := tx.btx.Bucket(bucketCallNotes)
	if b == nil {
		return nil, nil
	}
	v := b.Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	var out []CallNote
	if err := json.Unmarshal(v, &out); err != nil {
		return nil, fmt.Errorf("store: notes of call %s: decode: %w", id, err)
	}
	return out, nil
}

// Callers' calls are indexed for the screen pop's recent calls:
//
//	calls_by_caller/<caller> NUL <start><id> → empty
//
// PutCall adds a call when it first stores it (callers never change), and
// DeleteCallsBefore removes it with the call. Calls stored before the index
// existed are added by IndexCallers, which the web server runs once in the
// background; until it has finished (meta store.callers_indexed),
// CallsByCaller walks the calls instead.

var bucketCallsByCaller = []byte("calls_by_caller")

// metaCallersIndexed is set once every call is in calls_by_caller.
const metaCallersIndexed = "store.callers_indexed"

// callerKey is the calls_by_caller key of a call: caller, NUL, its
// calls_by_start key. Callers that cannot be keys (empty, NUL, too long)
// get none.
func callerKey(caller string, startKey []byte) []byte {
	if checkKey("caller", caller) != nil {
		return nil
	}
	k := make([]byte, 0, len(caller)+1+len(startKey))
	k = append(k, caller...)
	k = append(k, 0)
	return append(k, startKey...)
}

// indexCaller adds the call with calls_by_start key sk to its caller's index.
func (tx *Tx) indexCaller(caller string, sk []byte) error {
	k := callerKey(caller, sk)
	if k == nil {
		return nil
	}
	b, err := tx.writeBucket(bucketCallsByCaller)
	if err != nil {
		return err
	}
	return b.Put(k, nil)
}

// forgetCall removes what is kept beside call id: its notes and its
// caller's index entry. It runs before the record is deleted.
func (tx *Tx) forgetCall(id []byte) error {
	if b := tx.btx.Bucket(bucketCallNotes); b != nil {
		if err := b.Delete(id); err != nil {
			return err
		}
	}
	b := tx.btx.Bucket(bucketCallsByCaller)
	v := tx.bucket(bucketCalls).Get(id)
	if b == nil || v == nil {
		return nil
	}
	var r struct {
		Caller string    `json:"caller"`
		Start  time.Time `json:"start"`
	}
	if json.Unmarshal(v, &r) != nil {
		return nil // a damaged record: nothing to find its entry by
	}
	if k := callerKey(r.Caller, callKey(r.Start, string(id))); k != nil {
		return b.Delete(k)
	}
	return nil
}

// IndexCallers adds every call stored before the caller index existed to
// it, a thousand calls per transaction so that call records keep being
// written meanwhile, then records that the index is complete. It returns
// at once when it is; stopped by ctx, it starts over next time (adding a
// call twice is harmless).
func (db *DB) IndexCallers(ctx context.Context) error {
	done := false
	if err := db.View(func(tx *Tx) error {
		done = tx.bucket(bucketMeta).Get([]byte(metaCallersIndexed)) != nil
		return nil
	}); err != nil || done {
		return err
	}
	var after []byte
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("store: index callers: %w", err)
		}
		n := 0
		err := db.Update(func(tx *Tx) error {
			calls := tx.bucket(bucketCalls)
			c := tx.bucket(bucketCallsByStart).Cursor()
			k, _ := c.First()
			if after != nil {
				if k, _ = c.Seek(after); bytes.Equal(k, after) {
					k, _ = c.Next()
				}
			}
			for ; k != nil && n < 1000; k, _ = c.Next() {
				n++
				after = bytes.Clone(k)
				if len(k) < 8 {
					continue
				}
				var r struct {
					Caller string `json:"caller"`
				}
				if v := calls.Get(k[8:]); v == nil || json.Unmarshal(v, &r) != nil {
					continue
				}
				if err := tx.indexCaller(r.Caller, k); err != nil {
					return err
				}
			}
			if n < 1000 {
				return tx.bucket(bucketMeta).Put([]byte(metaCallersIndexed), []byte{1})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("store: index callers: %w", err)
		}
		if n < 1000 {
			return nil
		}
	}
}

// maxCallerScan bounds how many records CallsByCaller looks at, newest
// first, while the caller index is not complete.
const maxCallerScan = 200_000

// CallsByCaller returns up to limit calls whose Caller is exactly caller,
// newest start first, that started at or after since (zero: no bound),
// leaving out the call skip (the one in progress), with their notes. It is
// for the agent's screen pop: it reads the caller index, or, until
// IndexCallers has completed it, walks the newest maxCallerScan records,
// decoding only those that name the caller.
func (db *DB) CallsByCaller(caller string, limit int, since time.Time, skip string) ([]CallRecord, error) {
	if caller == "" || limit <= 0 {
		return nil, nil
	}
	var from []byte
	if !since.IsZero() {
		from = startBound(since)
	}
	var out []CallRecord
	err := db.View(func(tx *Tx) error {
		add := func(id, v []byte) error {
			var r CallRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("call %s: decode: %w", id, err)
			}
			if r.Caller != caller {
				return nil
			}
			var err error
			if r.Notes, err = tx.CallNotes(r.ID); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		}
		calls := tx.bucket(bucketCalls)
		if idx := tx.btx.Bucket(bucketCallsByCaller); idx != nil && tx.bucket(bucketMeta).Get([]byte(metaCallersIndexed)) != nil {
			prefix := callerKey(caller, nil)
			if prefix == nil {
				return nil
			}
			c := idx.Cursor()
			// Start keys begin below 0x80 (Unix nanoseconds < 2^63), so
			// prefix+0xff sorts after every key of this caller.
			k, _ := c.Seek(append(bytes.Clone(prefix), 0xff))
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
			for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
				sk := k[len(prefix):]
				if len(sk) < 8 {
					continue
				}
				if from != nil && bytes.Compare(sk[:8], from) < 0 {
					break
				}
				id := sk[8:]
				if string(id) == skip {
					continue
				}
				if v := calls.Get(id); v != nil {
					if err := add(id, v); err != nil {
						return err
					}
				}
			}
			return nil
		}
		q, err := json.Marshal(caller)
		if err != nil {
			return err
		}
		needle := append([]byte(`"caller":`), q...)
		needle = append(needle, ',')
		c := tx.bucket(bucketCallsByStart).Cursor()
		n := 0
		for k, _ := c.Last(); k != nil && len(out) < limit && n < maxCallerScan; k, _ = c.Prev() {
			n++
			if len(k) < 8 {
				continue
			}
			if from != nil && bytes.Compare(k[:8], from) < 0 {
				break
			}
			id := k[8:]
			if string(id) == skip {
				continue
			}
			if v := calls.Get(id); v != nil && bytes.Contains(v, needle) {
				if err := add(id, v); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: calls by caller: %w", err)
	}
	return out, nil
}
