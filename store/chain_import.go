package store

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"tracecall/trace"
)

// DefaultImportBatch is the number of chains ImportChains commits at a time
// when batchSize is zero or less.
const DefaultImportBatch = 10_000

// ImportChains stores the chains seq yields, as PutChain does, committing
// every batchSize chains (DefaultImportBatch if batchSize <= 0). It is the
// fast path for loading a city feed of a million chains: while one batch is
// being written the next is encoded on the other cores, and each batch is
// written in code order.
//
// Each batch is one write transaction, which holds bbolt's writer lock for
// roughly 50µs per chain (half a second for 10,000 on two cores): CDR writes
// wait that long while an import runs. Pass a smaller batchSize to import
// beside live traffic at some cost in speed.
//
// It is not all-or-nothing: on error or when ctx is done it stops, and the
// batches committed so far stay. n is the number of chains consumed from seq
// and committed, counting repeats of a code; it is returned with any error.
// For an all-or-nothing import use Tx.PutChains inside one Update.
func (db *DB) ImportChains(ctx context.Context, seq iter.Seq[trace.Chain], batchSize int) (n int, err error) {
	if batchSize <= 0 {
		batchSize = DefaultImportBatch
	}
	start := time.Now()

	type job struct {
		enc []encodedChain
		n   int // input chains in enc, before repeats are dropped
	}
	jobs := make(chan job, 1)
	failed := make(chan struct{}) // closed by the writer when it stops on an error
	var (
		wg        sync.WaitGroup
		writeErr  error // set by the writer before closing failed
		committed int   // written by the writer; read after wg.Wait
	)
	wg.Go(func() {
		for j := range jobs {
			if writeErr != nil {
				continue // drain
			}
			err := db.Update(func(tx *Tx) error { return tx.putEncoded(j.enc) })
			if err != nil {
				writeErr = err
				close(failed)
				continue
			}
			committed += j.n
			db.log.Debug("import batch committed", "chains", committed)
		}
	})

	var readErr error
	seen := 0
	batch := make([]trace.Chain, 0, batchSize)
	send := func() bool {
		if err := ctx.Err(); err != nil {
			readErr = fmt.Errorf("store: import: %w", err)
			return false
		}
		enc, err := encodeChains(batch)
		if err != nil {
			readErr = fmt.Errorf("store: import: %w (batch ending at chain %d)", err, seen)
			return false
		}
		clear(batch) // drop the decoded chains while the batch is written
		select {
		case jobs <- job{enc: enc, n: len(batch)}:
			batch = batch[:0]
			return true
		case <-failed:
			return false
		}
	}
	for c := range seq {
		seen++
		batch = append(batch, c)
		if len(batch) == batchSize && !send() {
			break
		}
	}
	if readErr == nil && len(batch) > 0 {
		send()
	}
	close(jobs)
	wg.Wait()

	switch {
	case writeErr != nil:
		err = fmt.Errorf("store: import: %w", writeErr)
	case readErr != nil:
		err = readErr
	}
	if err != nil {
		db.log.Warn("chain import stopped", "committed", committed, "err", err)
		return committed, err
	}
	db.log.Info("chains imported", "chains", committed, "elapsed", time.Since(start).Round(time.Millisecond))
	return committed, nil
}
