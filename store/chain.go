package store

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"tracecall/trace"
)

// appendFillPercent is the page fill used when a batch only adds codes after
// the last stored one, as a bulk import in code order does: pages that will
// never get an insert in the middle may as well be full. The index buckets
// get it too, because refs are mostly serial numbers that grow with the
// codes; bbolt's default of half-full pages doubled their size.
const appendFillPercent = 0.95

// Page sizes for listing.
const (
	DefaultListChains = 100    // ListChains when n <= 0
	MaxListChains     = 10_000 // ListChains caps n here
	forEachPage       = 1_000  // chains read per transaction by ForEachChain
)

// PutChain stores c under c.TraceCode, replacing any chain there, and
// updates the ref and certificate indexes to match. It fails with
// ErrInvalid if the code, a ref or a certificate number cannot be a key.
func (tx *Tx) PutChain(c *trace.Chain) error {
	e, err := encodeChain(c)
	if err != nil {
		return fmt.Errorf("store: put chain: %w", err)
	}
	if _, err := tx.unstage(e.code); err != nil {
		return fmt.Errorf("store: put chain: %w", err)
	}
	return tx.putEncoded([]encodedChain{e})
}

// PutChains stores chains as PutChain does, all in this transaction, which
// makes an all-or-nothing import: call it inside one Update. Encoding runs on
// all cores and keys are written in order. When a code occurs more than once,
// the last one wins.
func (tx *Tx) PutChains(chains []trace.Chain) error {
	enc, err := encodeChains(chains)
	if err != nil {
		return fmt.Errorf("store: put chains: %w", err)
	}
	for i := range enc {
		if _, err := tx.unstage(enc[i].code); err != nil {
			return fmt.Errorf("store: put chains: %w", err)
		}
	}
	return tx.putEncoded(enc)
}

// putEncoded writes a batch. It sorts batch in place.
func (tx *Tx) putEncoded(batch []encodedChain) error {
	if len(batch) == 0 {
		return nil
	}
	// Sort by code; stable so that the last of equal codes is the input's last.
	slices.SortStableFunc(batch, func(a, b encodedChain) int { return strings.Compare(a.code, b.code) })
	chains, idxTran, idxCert := tx.bucket(bucketChains), tx.bucket(bucketIdxTran), tx.bucket(bucketIdxCert)
	if last, _ := chains.Cursor().Last(); last == nil || bytes.Compare(last, []byte(batch[0].code)) < 0 {
		chains.FillPercent = appendFillPercent
		idxTran.FillPercent = appendFillPercent
		idxCert.FillPercent = appendFillPercent
	}
	var addTran, addCert, delTran, delCert [][]byte
	for i := range batch {
		e := &batch[i]
		if i+1 < len(batch) && batch[i+1].code == e.code {
			continue // superseded within the batch
		}
		key := []byte(e.code)
		var oldTran, oldCert []string
		if old := chains.Get(key); old != nil {
			if bytes.Equal(old, e.value) {
				continue
			}
			cv, err := openChainValue(old)
			if err != nil {
				return fmt.Errorf("store: put chain %s: stored value: %w", e.code, err)
			}
			oldTran, oldCert = cv.tran, cv.cert
		} else {
			tx.chainDelta++
		}
		if err := chains.Put(key, e.value); err != nil {
			return fmt.Errorf("store: put chain %s: %w", e.code, err)
		}
		addTran, delTran = diffIndex(addTran, delTran, e.code, oldTran, e.tran)
		addCert, delCert = diffIndex(addCert, delCert, e.code, oldCert, e.cert)
	}
	if err := applyIndex(idxTran, addTran, delTran); err != nil {
		return fmt.Errorf("store: put chains: index %s: %w", bucketIdxTran, err)
	}
	if err := applyIndex(idxCert, addCert, delCert); err != nil {
		return fmt.Errorf("store: put chains: index %s: %w", bucketIdxCert, err)
	}
	return nil
}

// diffIndex appends the index keys of code to add (in new, not old) and to
// del (in old, not new). old and new are sorted and distinct.
func diffIndex(add, del [][]byte, code string, old, new []string) ([][]byte, [][]byte) {
	i, j := 0, 0
	for i < len(old) || j < len(new) {
		switch {
		case j == len(new) || (i < len(old) && old[i] < new[j]):
			del = append(del, indexKey(old[i], code))
			i++
		case i == len(old) || new[j] < old[i]:
			add = append(add, indexKey(new[j], code))
			j++
		default:
			i++
			j++
		}
	}
	return add, del
}

// indexKey is ref, NUL, code: all codes under one ref are adjacent, and
// neither part may contain NUL (checkKey).
func indexKey(ref, code string) []byte {
	k := make([]byte, 0, len(ref)+1+len(code))
	k = append(k, ref...)
	k = append(k, 0)
	return append(k, code...)
}

func applyIndex(b *bolt.Bucket, add, del [][]byte) error {
	slices.SortFunc(del, bytes.Compare)
	for _, k := range del {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	slices.SortFunc(add, bytes.Compare)
	for _, k := range add {
		if err := b.Put(k, nil); err != nil {
			return err
		}
	}
	return nil
}

// DeleteChain removes the chain under code and its index entries. It
// returns ErrNotFound if there is none.
func (tx *Tx) DeleteChain(code string) error {
	chains := tx.bucket(bucketChains)
	key := []byte(code)
	unstaged, err := tx.unstage(code)
	if err != nil {
		return fmt.Errorf("store: delete chain %s: %w", code, err)
	}
	old := chains.Get(key)
	if old == nil && unstaged {
		return nil // it was the import's, not yet applied
	}
	if old == nil {
		return fmt.Errorf("store: delete chain %s: %w", code, ErrNotFound)
	}
	cv, err := openChainValue(old)
	if err != nil {
		return fmt.Errorf("store: delete chain %s: stored value: %w", code, err)
	}
	_, delTran := diffIndex(nil, nil, code, cv.tran, nil)
	_, delCert := diffIndex(nil, nil, code, cv.cert, nil)
	if err := chains.Delete(key); err != nil {
		return fmt.Errorf("store: delete chain %s: %w", code, err)
	}
	tx.chainDelta--
	if err := applyIndex(tx.bucket(bucketIdxTran), nil, delTran); err != nil {
		return fmt.Errorf("store: delete chain %s: index: %w", code, err)
	}
	if err := applyIndex(tx.bucket(bucketIdxCert), nil, delCert); err != nil {
		return fmt.Errorf("store: delete chain %s: index: %w", code, err)
	}
	return nil
}

// Chain returns the chain under code; ok is false if there is none.
func (tx *Tx) Chain(code string) (c trace.Chain, ok bool, err error) {
	v := tx.bucket(bucketChains).Get([]byte(code))
	if v == nil {
		return trace.Chain{}, false, nil
	}
	c, err = decodeChain(v)
	if err != nil {
		return trace.Chain{}, false, fmt.Errorf("store: chain %s: %w", code, err)
	}
	return c, true, nil
}

// chainValue returns a copy of the stored value under code, or nil.
func (db *DB) chainValue(code string) ([]byte, error) {
	var v []byte
	err := db.bolt.View(func(btx *bolt.Tx) error {
		v = bytes.Clone(btx.Bucket(bucketChains).Get([]byte(code)))
		return nil
	})
	return v, err
}

// Chain returns the chain under code; ok is false if there is none. It is
// one short read transaction; decoding happens after it ends.
func (db *DB) Chain(code string) (c trace.Chain, ok bool, err error) {
	v, err := db.chainValue(code)
	if err != nil || v == nil {
		return trace.Chain{}, false, err
	}
	c, err = decodeChain(v)
	if err != nil {
		return trace.Chain{}, false, fmt.Errorf("store: chain %s: %w", code, err)
	}
	return c, true, nil
}

// ChainJSON returns the chain under code as the JSON document json.Marshal
// gives for a trace.Chain, without decoding it: the cheap path for an API
// that answers with that document. ok is false if there is none.
func (db *DB) ChainJSON(code string) (doc []byte, ok bool, err error) {
	v, err := db.chainValue(code)
	if err != nil || v == nil {
		return nil, false, err
	}
	cv, err := openChainValue(v)
	if err != nil {
		return nil, false, fmt.Errorf("store: chain %s: %w", code, err)
	}
	return cv.doc, true, nil
}

// CodesByRef returns, in order, the trace codes of the chains in which ref
// is an event's OutputRef or one of its InputRefs (a tran_id, batch_id or
// certificate number quoted as input).
func (db *DB) CodesByRef(ref string) ([]string, error) {
	return db.codesBy(bucketIdxTran, ref)
}

// CodesByCert returns, in order, the trace codes of the chains carrying a
// certificate numbered no.
func (db *DB) CodesByCert(no string) ([]string, error) {
	return db.codesBy(bucketIdxCert, no)
}

func (db *DB) codesBy(bucket []byte, ref string) ([]string, error) {
	if checkKey("ref", ref) != nil {
		return nil, nil // cannot have been stored
	}
	prefix := indexKey(ref, "")
	var codes []string
	err := db.bolt.View(func(btx *bolt.Tx) error {
		c := btx.Bucket(bucket).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			codes = append(codes, string(k[len(prefix):]))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: lookup %s %s: %w", bucket, ref, err)
	}
	return codes, nil
}

// rawChain is a stored value copied out of a transaction.
type rawChain struct {
	code  string
	value []byte
}

// listRaw copies up to n values with codes after after, in code order.
func (db *DB) listRaw(after string, n int) ([]rawChain, error) {
	var out []rawChain
	err := db.bolt.View(func(btx *bolt.Tx) error {
		c := btx.Bucket(bucketChains).Cursor()
		k, v := c.Seek([]byte(after))
		if k != nil && string(k) == after {
			k, v = c.Next()
		}
		for ; k != nil && len(out) < n; k, v = c.Next() {
			out = append(out, rawChain{code: string(k), value: bytes.Clone(v)})
		}
		return nil
	})
	return out, err
}

// ListChains returns up to n chains whose codes sort after after, in code
// order; after "" starts at the first. n <= 0 means DefaultListChains, and n
// is capped at MaxListChains. To page, pass the last code returned.
func (db *DB) ListChains(after string, n int) ([]trace.Chain, error) {
	if n <= 0 {
		n = DefaultListChains
	}
	n = min(n, MaxListChains)
	raw, err := db.listRaw(after, n)
	if err != nil {
		return nil, fmt.Errorf("store: list chains: %w", err)
	}
	out := make([]trace.Chain, len(raw))
	for i, r := range raw {
		if out[i], err = decodeChain(r.value); err != nil {
			return nil, fmt.Errorf("store: list chains: %s: %w", r.code, err)
		}
	}
	return out, nil
}

// ForEachChain calls fn for every chain in code order, for export. It reads
// a page at a time in short transactions and calls fn outside them, so it
// does not hold up writers, and fn may itself use the store; but it is not a
// snapshot: chains written meanwhile may or may not be seen. It stops at the
// first error from fn or when ctx is done, and returns that error.
func (db *DB) ForEachChain(ctx context.Context, fn func(trace.Chain) error) error {
	return db.forEach(ctx, func(r rawChain) error {
		c, err := decodeChain(r.value)
		if err != nil {
			return fmt.Errorf("store: chain %s: %w", r.code, err)
		}
		return fn(c)
	})
}

// ForEachChainJSON is ForEachChain handing fn each chain's JSON document
// (as ChainJSON) instead of decoding it: about four times cheaper, for
// exporting JSON Lines. doc is fn's to keep.
func (db *DB) ForEachChainJSON(ctx context.Context, fn func(code string, doc []byte) error) error {
	return db.forEach(ctx, func(r rawChain) error {
		cv, err := openChainValue(r.value)
		if err != nil {
			return fmt.Errorf("store: chain %s: %w", r.code, err)
		}
		return fn(r.code, cv.doc)
	})
}

func (db *DB) forEach(ctx context.Context, fn func(rawChain) error) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		page, err := db.listRaw(after, forEachPage)
		if err != nil {
			return fmt.Errorf("store: for each chain: %w", err)
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < forEachPage {
			return nil
		}
		after = page[len(page)-1].code
	}
}

// CountChains returns the number of chains. It reads a counter kept in
// meta, so it costs the same for ten chains or ten million.
func (db *DB) CountChains() (int, error) {
	var n uint64
	err := db.bolt.View(func(btx *bolt.Tx) error {
		n = getUint64(btx.Bucket(bucketMeta), metaChainCount)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: count chains: %w", err)
	}
	return int(n), nil
}
