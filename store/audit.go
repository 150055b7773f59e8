package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
)

// The audit log of reads of personal data lives in one bucket, created by
// the first append:
//
//	audit/<seq>  → AuditEntry as JSON; seq is a big-endian uint64 from the
//	               bucket's sequence, so keys sort in the order written
//
// It is append-only: nothing but AppendAudit writes it, and the only delete
// is of the oldest entries once there are more than MaxAuditEntries, so
// the bucket (and the file) stays bounded however many reads there are.
// Because entries are only appended at the end and removed from the
// front, the count is the last key less the first, plus one.

var bucketAudit = []byte("audit")

// MaxAuditEntries is how many entries the audit log keeps; past it the
// oldest go (about 250 bytes each: some 50 MB).
const MaxAuditEntries = 200_000

// maxAuditEntries is MaxAuditEntries, smaller in tests.
var maxAuditEntries uint64 = MaxAuditEntries

// AuditEntry is one read (or refused read) of personal data: who, when,
// from where, what they asked and what they got. The store does not know
// what the actions mean: web names them.
type AuditEntry struct {
	Seq    uint64    `json:"seq"` // set by AppendAudit
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Role   string    `json:"role,omitempty"`
	Remote string    `json:"remote,omitempty"`
	Action string    `json:"action"`           // e.g. customer_search
	Query  string    `json:"query,omitempty"`  // what was asked: a number, an id
	Result string    `json:"result,omitempty"` // e.g. found, not_found, denied
	// Customer is the customer the read gave or was refused.
	Customer string `json:"customer,omitempty"`
}

// AppendAudit adds e at the end of the audit log, setting e.Seq, and drops
// the oldest entries past MaxAuditEntries.
func (tx *Tx) AppendAudit(e *AuditEntry) error {
	b, err := tx.writeBucket(bucketAudit)
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	seq, err := b.NextSequence()
	if err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	e.Seq = seq
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("store: append audit: encode: %w", err)
	}
	if err := b.Put(binary.BigEndian.AppendUint64(nil, seq), v); err != nil {
		return fmt.Errorf("store: append audit: %w", err)
	}
	c := b.Cursor()
	for k, _ := c.First(); len(k) == 8 && seq-binary.BigEndian.Uint64(k)+1 > maxAuditEntries; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return fmt.Errorf("store: append audit: drop oldest: %w", err)
		}
	}
	return nil
}

// AuditFilter selects audit entries; the zero value is the newest
// DefaultAuditLimit entries.
type AuditFilter struct {
	Before uint64 // only entries with Seq below this; 0: from the newest
	User   string // only this user's; "" for everyone's
	Action string // only this action; "" for every one
	Limit  int    // at most this many (0: DefaultAuditLimit, at most MaxAuditLimit)
}

// Limits of one read of the audit log.
const (
	DefaultAuditLimit = 200
	MaxAuditLimit     = 5000
)

// Audit returns the entries f selects, newest first.
func (tx *Tx) Audit(f AuditFilter) ([]AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultAuditLimit
	}
	limit = min(limit, MaxAuditLimit)
	b := tx.btx.Bucket(bucketAudit)
	if b == nil {
		return nil, nil
	}
	var out []AuditEntry
	c := b.Cursor()
	var k, v []byte
	if f.Before == 0 {
		k, v = c.Last()
	} else if k, _ = c.Seek(binary.BigEndian.AppendUint64(nil, f.Before)); k == nil {
		k, v = c.Last() // every entry is older
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && len(out) < limit; k, v = c.Prev() {
		var e AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return nil, fmt.Errorf("store: audit %x: decode: %w", k, err)
		}
		if (f.User != "" && e.User != f.User) || (f.Action != "" && e.Action != f.Action) {
			continue
		}
		out = append(out, e)
	}
	return out, nil
}

// Audit returns the audit entries f selects, newest first.
func (db *DB) Audit(f AuditFilter) (out []AuditEntry, err error) {
	err = db.View(func(tx *Tx) error {
		out, err = tx.Audit(f)
		return err
	})
	return out, err
}
