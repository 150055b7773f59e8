package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"syscall"
	"time"

	bolt "go.etcd.io/bbolt"

	"tracecall/trace"
)

// An import is all or nothing across a crash, in three steps:
//
//  1. Stage: chains are encoded and written, a batch per transaction, to
//     the import bucket (import/<code> → uvarint first line, chain value),
//     which nothing reads. A crash here leaves the bucket, and Open drops it.
//  2. Switch: one transaction writes meta/store.import (the apply cursor,
//     empty). From this commit on the import has happened.
//  3. Apply: batches of staged chains are put into chains and the indexes
//     in code order and deleted from the import bucket, each transaction
//     moving the cursor on; the last one deletes the bucket and the cursor.
//     A crash here leaves the cursor, and Open finishes the apply before it
//     returns.
//
// Why not one transaction: bbolt keeps every page a transaction dirties in
// memory and splits nodes only at commit, so one transaction of 40,000
// chains took 82 s and 870 MB (growing faster than the chain count: 200,000
// did not commit in 10 minutes), all the while holding the writer lock that
// call records wait for. Batches keep both at one batch's worth.

// Import batches: a staging or apply transaction takes this many chains or
// this many bytes of values, whichever comes first. The byte bound sets the
// import's memory: at 4 MB (about 2,000 chains) a 20,000-chain import peaked
// at 172 MB resident against 266 MB at 16 MB, and took 6.0 s against 5.3 s
// (cmd/tracecalld/import_load_test.go).
const (
	DefaultImportBatch = 10_000
	importBatchBytes   = 4 << 20
)

// ImportReserve is the free space an import leaves on the data disk for call
// records: it stops with an error wrapping syscall.ENOSPC, before its switch
// and with the store as it was, rather than go below it.
const ImportReserve = 64 << 20

// applySpace estimates the room the apply step takes per byte of staged
// value: the value again, in chains, and its index entries.
const applySpace = 1.5

// Import is an import being staged (DB.BeginImport). Its methods are for one
// goroutine; it stages each batch in the background while the next is
// added. Commit or Abort ends it.
type Import struct {
	db    *DB
	batch []stagedChain
	codes map[string]int // code → line of the chains in batch
	size  int            // bytes of values in batch
	limit int            // chains per batch

	// staging is the result of the background write of inFlight, nil when
	// none is running; inFlight's codes are looked up while it runs.
	staging  chan error
	inFlight map[string]int

	staged      int   // chains staged or in flight, repeats not counted
	stagedBytes int64 // bytes of their values
	done        bool
}

// stagedChain is an encoded chain and the line it came from.
type stagedChain struct {
	encodedChain
	line int
}

// BeginImport starts an all-or-nothing import; see Import. It fails with
// ErrImportRunning while another import of this DB is being staged or
// applied. batchSize is the chains per transaction (DefaultImportBatch if
// <= 0).
func (db *DB) BeginImport(batchSize int) (*Import, error) {
	if batchSize <= 0 {
		batchSize = DefaultImportBatch
	}
	if !db.importing.CompareAndSwap(false, true) {
		return nil, fmt.Errorf("store: import: %w", ErrImportRunning)
	}
	// An earlier import whose apply failed is finished first.
	if err := db.recoverImport(); err != nil {
		db.importing.Store(false)
		return nil, err
	}
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketImport) != nil {
			if err := btx.DeleteBucket(bucketImport); err != nil {
				return err
			}
		}
		_, err := btx.CreateBucket(bucketImport)
		return err
	})
	if err != nil {
		db.importing.Store(false)
		return nil, fmt.Errorf("store: import: begin: %w", err)
	}
	return &Import{db: db, codes: map[string]int{}, limit: batchSize}, nil
}

// Add stages c, read from line of the import file. If a chain with the
// same code was added already it is not added: first is that chain's line.
// A chain the store cannot hold (a key over 256 bytes, say) is refused
// with ErrInvalid, and the import can go on. Any other error (the disk is
// full, a write failed) ends the import: call Abort.
func (im *Import) Add(c *trace.Chain, line int) (first int, err error) {
	if first, err := im.repeatOf(c.TraceCode); first != 0 || err != nil {
		return first, err
	}
	return 0, im.add(c, line)
}

func (im *Import) add(c *trace.Chain, line int) error {
	if im.done {
		return errors.New("store: import: already committed or aborted")
	}
	e, err := encodeChain(c)
	if err != nil {
		return fmt.Errorf("store: import: %w", err)
	}
	if _, ok := im.codes[e.code]; !ok {
		im.staged++
	}
	im.codes[e.code] = line
	im.batch = append(im.batch, stagedChain{e, line})
	im.size += len(e.value)
	im.stagedBytes += int64(len(e.value))
	if len(im.batch) >= im.limit || im.size >= importBatchBytes {
		return im.flush()
	}
	return nil
}

// repeatOf returns the line of an earlier chain with code, or 0.
func (im *Import) repeatOf(code string) (int, error) {
	if line, ok := im.codes[code]; ok {
		return line, nil
	}
	if line, ok := im.inFlight[code]; ok {
		return line, nil
	}
	var line uint64
	err := im.db.bolt.View(func(btx *bolt.Tx) error {
		if v := btx.Bucket(bucketImport).Get([]byte(code)); v != nil {
			line, _ = binary.Uvarint(v)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: import: %w", err)
	}
	return int(line), nil
}

// flush waits for the batch in flight and starts staging this one.
func (im *Import) flush() error {
	if err := im.wait(); err != nil {
		return err
	}
	if len(im.batch) == 0 {
		return nil
	}
	// Room for this batch staged and, later, all of the import applied.
	if err := im.db.roomFor(int64(im.size) + int64(applySpace*float64(im.stagedBytes))); err != nil {
		return err
	}
	batch := im.batch
	im.inFlight, im.codes = im.codes, map[string]int{}
	im.batch, im.size = nil, 0
	im.staging = make(chan error, 1)
	go func() { im.staging <- im.db.stage(batch) }()
	return nil
}

// wait waits for the batch in flight.
func (im *Import) wait() error {
	if im.staging == nil {
		return nil
	}
	err := <-im.staging
	im.staging, im.inFlight = nil, nil
	return err
}

// stage writes a batch to the import bucket.
func (db *DB) stage(batch []stagedChain) error {
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketImport)
		if b == nil {
			return errors.New("import bucket gone")
		}
		var v []byte
		for i := range batch {
			e := &batch[i]
			v = binary.AppendUvarint(v[:0], uint64(e.line))
			v = append(v, e.value...)
			if err := b.Put([]byte(e.code), bytes.Clone(v)); err != nil {
				return err
			}
		}
		db.dropMapped(btx)
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: import: stage: %w", err)
	}
	db.log.Debug("import batch staged", "chains", len(batch))
	return nil
}

// Commit stages what is left, switches (see Import) and applies the import:
// when it returns nil, the store holds every chain added, each replacing
// any chain with its code, and n is their number. If ctx ends or an error
// comes before the switch, nothing is imported (Commit aborts). After the
// switch, ctx is not consulted: the apply runs to its end, and if it fails
// (the disk failed under it) the next Open finishes it.
func (im *Import) Commit(ctx context.Context) (n int, err error) {
	if im.done {
		return 0, errors.New("store: import: already committed or aborted")
	}
	db := im.db
	start := time.Now()
	err = im.flush()
	if err == nil {
		err = im.wait()
	}
	if err == nil {
		err = ctx.Err()
	}
	if err == nil {
		err = db.roomFor(int64(applySpace * float64(im.stagedBytes)))
	}
	if err == nil {
		err = db.bolt.Update(func(btx *bolt.Tx) error {
			return btx.Bucket(bucketMeta).Put([]byte(metaImport), importCursor(""))
		})
	}
	if err != nil {
		if aerr := im.Abort(); aerr != nil {
			db.log.Error("import abort", "err", aerr)
		}
		return 0, fmt.Errorf("store: import: %w", err)
	}
	im.done = true
	defer db.importing.Store(false)
	db.log.Info("import committed; applying", "chains", im.staged, "staged_in", time.Since(start).Round(time.Millisecond))
	if err := db.applyImport(im.limit); err != nil {
		return 0, err
	}
	return im.staged, nil
}

// Abort drops what was staged: the store is as it was before BeginImport.
// It may be called after Commit or Abort, and then does nothing.
func (im *Import) Abort() error {
	if im.done {
		return nil
	}
	im.done = true
	defer im.db.importing.Store(false)
	_ = im.wait() // its error is moot: the batch is dropped with the rest
	im.batch, im.codes = nil, nil
	return im.db.dropStaged()
}

// dropStaged deletes the import bucket, unless the import has switched.
func (db *DB) dropStaged() error {
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		if btx.Bucket(bucketMeta).Get([]byte(metaImport)) != nil {
			return nil // switched: it is applied, not dropped
		}
		if btx.Bucket(bucketImport) == nil {
			return nil
		}
		return btx.DeleteBucket(bucketImport)
	})
	if err != nil {
		return fmt.Errorf("store: import: drop staged chains: %w", err)
	}
	return nil
}

// applyImport moves staged chains into chains and the indexes, from the
// cursor in meta to the end, a batch per transaction; see Import.
func (db *DB) applyImport(batchSize int) error {
	start := time.Now()
	applied := 0
	for {
		var last bool
		var n int
		err := db.Update(func(tx *Tx) error {
			var err error
			n, last, err = tx.applyBatch(batchSize)
			db.dropMapped(tx.btx) // the staged pages just read: see dropMapped
			return err
		})
		if err != nil {
			db.log.Error("import apply stopped; the next start finishes it", "applied", applied, "err", err)
			return fmt.Errorf("store: import: apply: %w", err)
		}
		applied += n
		db.log.Debug("import batch applied", "chains", applied)
		if last {
			db.log.Info("import applied", "chains", applied, "applied_in", time.Since(start).Round(time.Millisecond))
			// The last commit read the file's free pages: drop those too.
			return db.bolt.Update(func(btx *bolt.Tx) error { db.dropMapped(btx); return nil })
		}
	}
}

// applyBatch applies up to batchSize staged chains after the cursor. last is
// set when none are left; the bucket and the cursor are then deleted.
func (tx *Tx) applyBatch(batchSize int) (n int, last bool, err error) {
	meta, staged := tx.bucket(bucketMeta), tx.btx.Bucket(bucketImport)
	cursor, ok := bytes.CutPrefix(meta.Get([]byte(metaImport)), importCursor(""))
	if !ok || staged == nil {
		return 0, true, meta.Delete([]byte(metaImport))
	}
	var batch []encodedChain
	size := 0
	c := staged.Cursor()
	k, v := c.Seek(cursor)
	if k != nil && len(cursor) > 0 && bytes.Equal(k, cursor) {
		k, v = c.Next()
	}
	for ; k != nil && len(batch) < batchSize && size < importBatchBytes; k, v = c.Next() {
		_, w := binary.Uvarint(v)
		if w <= 0 {
			return 0, false, fmt.Errorf("staged chain %s: %w", k, errBadValue)
		}
		value := bytes.Clone(v[w:])
		cv, err := openChainValue(value)
		if err != nil {
			return 0, false, fmt.Errorf("staged chain %s: %w", k, err)
		}
		batch = append(batch, encodedChain{code: string(k), value: value, tran: cv.tran, cert: cv.cert})
		size += len(value)
	}
	if err := tx.putEncoded(batch); err != nil {
		return 0, false, err
	}
	// Applied chains leave the bucket batch by batch, so that their pages are
	// free for the next batches' writes and the last transaction does not
	// walk the whole bucket to delete it.
	for i := range batch {
		if err := staged.Delete([]byte(batch[i].code)); err != nil {
			return 0, false, err
		}
	}
	if k != nil {
		return len(batch), false, meta.Put([]byte(metaImport), importCursor(batch[len(batch)-1].code))
	}
	if err := tx.btx.DeleteBucket(bucketImport); err != nil {
		return 0, false, err
	}
	return len(batch), true, meta.Delete([]byte(metaImport))
}

// importCursor is the value of meta/store.import: a marker byte, so that it
// is never empty, and the last code applied.
func importCursor(code string) []byte { return append([]byte{'>'}, code...) }

// recoverImport finishes or drops an import a crash interrupted; Open calls
// it before anything else can use the store.
func (db *DB) recoverImport() error {
	var switched, staged bool
	_ = db.bolt.View(func(btx *bolt.Tx) error {
		switched = btx.Bucket(bucketMeta).Get([]byte(metaImport)) != nil
		staged = btx.Bucket(bucketImport) != nil
		return nil
	})
	switch {
	case switched:
		db.log.Warn("finishing a chain import interrupted after its commit")
		return db.applyImport(DefaultImportBatch)
	case staged:
		db.log.Warn("dropping a chain import interrupted before its commit: the chains are as they were before it")
		return db.dropStaged()
	}
	return nil
}

// unstage removes code from an import being applied, so that a write made
// after the import's switch is not overwritten by the import. ok says
// whether code was there.
func (tx *Tx) unstage(code string) (ok bool, err error) {
	b := tx.btx.Bucket(bucketImport)
	if b == nil || tx.bucket(bucketMeta).Get([]byte(metaImport)) == nil || b.Get([]byte(code)) == nil {
		return false, nil
	}
	return true, b.Delete([]byte(code))
}

// FreeSpace returns the bytes free to an unprivileged user on the file
// system holding dir.
func FreeSpace(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("free space on %s: %w", dir, err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// roomFor checks that need bytes fit on the data disk with ImportReserve to
// spare, counting the file's free pages, which bbolt fills first.
func (db *DB) roomFor(need int64) error {
	free, err := FreeSpace(filepath.Dir(db.Path()))
	if err != nil {
		return fmt.Errorf("store: import: %w", err)
	}
	avail := free + int64(db.bolt.Stats().FreeAlloc)
	if avail-need < ImportReserve {
		return fmt.Errorf("store: import: %w: it needs about %d MB and the data disk has %d MB free, of which %d MB are kept for call records",
			syscall.ENOSPC, need>>20, free>>20, ImportReserve>>20)
	}
	return nil
}

// ImportChains imports the chains seq yields, all or nothing (BeginImport,
// then Add each and Commit), with batchSize chains per transaction
// (DefaultImportBatch if <= 0). Unlike Add, a code that comes again
// replaces the earlier chain, as with PutChains. n counts the chains seq
// yielded. On any error, or when ctx ends before the import switches,
// nothing is imported and n is 0.
func (db *DB) ImportChains(ctx context.Context, seq iter.Seq[trace.Chain], batchSize int) (n int, err error) {
	im, err := db.BeginImport(batchSize)
	if err != nil {
		return 0, err
	}
	defer im.Abort()
	for c := range seq {
		if err := ctx.Err(); err != nil {
			return 0, fmt.Errorf("store: import: %w", err)
		}
		n++
		if err := im.add(&c, n); err != nil {
			return 0, fmt.Errorf("%w (chain %d)", err, n)
		}
	}
	if _, err := im.Commit(ctx); err != nil {
		return 0, err
	}
	return n, nil
}
