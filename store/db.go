package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// SchemaVersion is the layout version this build writes and understands. Open
// refuses a file with a higher version (ErrSchema) and upgrades a lower one.
const SchemaVersion = 1

// DefaultTimeout is how long Open waits for the file lock when
// Options.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// Bucket names. See doc.go for what each holds.
var (
	bucketMeta         = []byte("meta")
	bucketChains       = []byte("chains")
	bucketIdxTran      = []byte("idx_tran")
	bucketIdxCert      = []byte("idx_cert")
	bucketCalls        = []byte("calls")
	bucketCallsByStart = []byte("calls_by_start")
	bucketCallsOpen    = []byte("calls_open")
	bucketUsers        = []byte("users")
	bucketSessions     = []byte("sessions")
	// bucketImport holds an import's staged chains (chain_import.go). It is
	// not in allBuckets: it exists only while an import runs.
	bucketImport = []byte("import")
)

// allBuckets is created on Open; the order is irrelevant. Adding a bucket
// does not change SchemaVersion: Open creates it in files written before it
// existed, and an older build leaves buckets it does not know alone.
var allBuckets = [][]byte{
	bucketMeta, bucketChains, bucketIdxTran, bucketIdxCert,
	bucketCalls, bucketCallsByStart, bucketCallsOpen,
	bucketUsers, bucketSessions,
}

// Options configures Open. The zero value is the production default.
type Options struct {
	// Timeout is how long Open waits for the file lock held by another
	// process before failing with ErrLocked. Zero means DefaultTimeout; a
	// negative value waits forever.
	Timeout time.Duration

	// NoSync skips fsync on commit. It is for benchmarks only: with it a
	// power cut can lose committed transactions or corrupt the file.
	NoSync bool

	// Logger receives the store's and bbolt's messages. Nil discards them.
	Logger *slog.Logger
}

// DB is an open store file. It is safe for concurrent use: any number of
// readers run in parallel with one writer (see doc.go, "Concurrency").
type DB struct {
	bolt *bolt.DB
	log  *slog.Logger
	// importing is set while an Import is staged or applied: one at a time.
	importing atomic.Bool
}

// Open opens or creates the store file at path, creates missing buckets and
// checks the schema version. It fails with ErrLocked if another process has the
// file open, and with ErrSchema if a newer tracecall wrote it.
func Open(path string, o Options) (*DB, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "store")
	timeout := o.Timeout
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		timeout = 0 // bbolt: wait forever
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      timeout,
		NoSync:       o.NoSync,
		FreelistType: bolt.FreelistMapType,
		Logger:       boltLogger{log: log.With("component", "bbolt")},
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("store: open %s: %w (waited %v)", path, ErrLocked, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{bolt: bdb, log: log}
	if err := db.init(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := db.recoverImport(); err != nil {
		bdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if o.NoSync {
		log.Warn("fsync disabled: committed data can be lost on power cut", "path", path)
	}
	log.Debug("store opened", "path", path, "schema", SchemaVersion)
	return db, nil
}

// init creates missing buckets and records or checks the schema version.
func (db *DB) init() error {
	return db.bolt.Update(func(btx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := btx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("create bucket %s: %w", name, err)
			}
		}
		meta := btx.Bucket(bucketMeta)
		v := meta.Get([]byte(metaSchema))
		switch {
		case v == nil:
			return putUint64(meta, metaSchema, SchemaVersion)
		case len(v) != 8:
			return fmt.Errorf("meta %s: bad length %d", metaSchema, len(v))
		}
		got := binary.BigEndian.Uint64(v)
		if got > SchemaVersion {
			return fmt.Errorf("%w: file has version %d, this build supports up to %d (upgrade tracecall or restore a backup)",
				ErrSchema, got, SchemaVersion)
		}
		// Version 1 is the first layout: there is nothing to migrate yet.
		// Migrations from got to SchemaVersion go here, in this transaction.
		return nil
	})
}

// Close closes the file. It waits for running transactions to finish.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path returns the file the store was opened on.
func (db *DB) Path() string { return db.bolt.Path() }

// Update runs fn in a read-write transaction. If fn returns nil the
// transaction is committed, and the data is on disk (fsync) before Update
// returns; otherwise it is rolled back and fn's error is returned. Only one
// Update or Batch transaction runs at a time. A commit that fails on the
// disk is marked with ErrDiskFull, ErrReadOnly or ErrDiskIO (disk.go).
func (db *DB) Update(fn func(*Tx) error) error {
	return diskError(db.bolt.Update(func(btx *bolt.Tx) error { return run(btx, fn) }))
}

// View runs fn in a read-only transaction: a consistent snapshot that does
// not block writers or other readers. Keep it short: a long View delays the
// file growing (see doc.go, "Concurrency").
func (db *DB) View(fn func(*Tx) error) error {
	return diskError(db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{btx: btx}) }))
}

// Batch is like Update, but concurrent callers share one transaction and one
// fsync, which suits many small writers such as CDR updates. It returns after
// the shared commit. fn may be called more than once (it is rerun alone if
// another fn in the batch fails), so it must be idempotent: putting a
// record is, appending to one read in fn is not unless fn rereads it.
func (db *DB) Batch(fn func(*Tx) error) error {
	return diskError(db.bolt.Batch(func(btx *bolt.Tx) error { return run(btx, fn) }))
}

// run calls fn with a Tx on btx and flushes what the Tx accumulated.
func run(btx *bolt.Tx, fn func(*Tx) error) error {
	tx := &Tx{btx: btx}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.flush()
}

// Tx is a store transaction, valid only inside the function passed to
// Update, View or Batch. Its write methods fail in a View. Values it returns
// are copies and stay valid after the transaction ends.
type Tx struct {
	btx *bolt.Tx
	// chainDelta is the change in the number of chains, written to meta when
	// fn returns so that a bulk import updates the counter once.
	chainDelta int64
}

// flush writes the accumulated chain count.
func (tx *Tx) flush() error {
	if tx.chainDelta == 0 {
		return nil
	}
	meta := tx.btx.Bucket(bucketMeta)
	n := int64(getUint64(meta, metaChainCount)) + tx.chainDelta
	if n < 0 {
		n = 0 // cannot happen unless the file was edited; do not wrap around
	}
	tx.chainDelta = 0
	return putUint64(meta, metaChainCount, uint64(n))
}

// bucket returns a bucket created by Open.
func (tx *Tx) bucket(name []byte) *bolt.Bucket { return tx.btx.Bucket(name) }
