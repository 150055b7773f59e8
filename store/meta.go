package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Meta keys owned by the store. Keys with this prefix are refused by PutMeta.
const (
	metaReservedPrefix = "store."
	metaSchema         = "store.schema" // uint64 big-endian: SchemaVersion of the layout
	metaChainCount     = "store.chains" // uint64 big-endian: number of keys in chains
	metaImport         = "store.import" // '>' and the last code applied, while an import is applied (chain_import.go)
)

// storeKeys are the meta keys the store keeps its own bookkeeping under:
// nothing else may write them, PutDoc included.
var storeKeys = []string{metaSchema, metaChainCount, metaImport}

// PutMeta stores v under key in the meta bucket, for small state such as a
// sync cursor per source. Keys starting with "store." are reserved
// (ErrInvalid).
func (tx *Tx) PutMeta(key string, v []byte) error {
	if err := checkMetaKey(key); err != nil {
		return err
	}
	if v == nil {
		v = []byte{} // bbolt stores nil as empty; be explicit
	}
	if err := tx.bucket(bucketMeta).Put([]byte(key), v); err != nil {
		return fmt.Errorf("store: put meta %s: %w", key, err)
	}
	return nil
}

// DeleteMeta removes key from the meta bucket. Removing a missing key is not
// an error.
func (tx *Tx) DeleteMeta(key string) error {
	if err := checkMetaKey(key); err != nil {
		return err
	}
	if err := tx.bucket(bucketMeta).Delete([]byte(key)); err != nil {
		return fmt.Errorf("store: delete meta %s: %w", key, err)
	}
	return nil
}

// Meta returns a copy of the value under key, or nil if there is none.
// Reserved keys can be read.
func (tx *Tx) Meta(key string) []byte {
	v := tx.bucket(bucketMeta).Get([]byte(key))
	if v == nil {
		return nil
	}
	return bytes.Clone(v)
}

// PutDoc stores v, encoded as JSON, under key in the meta bucket: a small
// document such as an app's settings, replaced whole on every write.
//
// Keys follow PutMeta's rules but for one: a document may be kept under a
// "store." key other than the store's own (store.schema, store.chains).
// Documents written before PutDoc existed live there (store.acd and
// store.acd.file, from when the store kept the ACD's queues and agents
// itself), and they keep their keys so an existing data directory loads.
func (tx *Tx) PutDoc(key string, v any) error {
	if err := checkDocKey(key); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: put doc %s: encode: %w", key, err)
	}
	if err := tx.bucket(bucketMeta).Put([]byte(key), b); err != nil {
		return fmt.Errorf("store: put doc %s: %w", key, err)
	}
	return nil
}

// Doc decodes the JSON document under key into v, which must be a pointer;
// ok is false, and v untouched, if there is none.
func (tx *Tx) Doc(key string, v any) (ok bool, err error) {
	b := tx.bucket(bucketMeta).Get([]byte(key))
	if b == nil {
		return false, nil
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("store: doc %s: decode: %w", key, err)
	}
	return true, nil
}

// PutDoc is Tx.PutDoc in a transaction of its own, committed before it
// returns.
func (db *DB) PutDoc(key string, v any) error {
	return db.Update(func(tx *Tx) error { return tx.PutDoc(key, v) })
}

// Doc is Tx.Doc in a read-only transaction of its own.
func (db *DB) Doc(key string, v any) (ok bool, err error) {
	err = db.View(func(tx *Tx) (err error) {
		ok, err = tx.Doc(key, v)
		return err
	})
	return ok, err
}

func checkDocKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty meta key", ErrInvalid)
	case slices.Contains(storeKeys, key):
		return fmt.Errorf("%w: meta key %q is the store's own", ErrInvalid, key)
	case len(key) > bolt.MaxKeySize:
		return fmt.Errorf("%w: meta key too long", ErrInvalid)
	}
	return nil
}

// checkMetaKey is checkDocKey with every "store." key reserved, not only
// the store's own.
func checkMetaKey(key string) error {
	if strings.HasPrefix(key, metaReservedPrefix) {
		return fmt.Errorf("%w: meta key %q is reserved", ErrInvalid, key)
	}
	return checkDocKey(key)
}

func getUint64(b *bolt.Bucket, key string) uint64 {
	v := b.Get([]byte(key))
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func putUint64(b *bolt.Bucket, key string, n uint64) error {
	return b.Put([]byte(key), binary.BigEndian.AppendUint64(nil, n))
}
