package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Meta keys owned by the store. Keys with this prefix are refused by PutMeta.
const (
	metaReservedPrefix = "store."
	metaSchema         = "store.schema" // uint64 big-endian: SchemaVersion of the layout
	metaChainCount     = "store.chains" // uint64 big-endian: number of keys in chains
)

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

func checkMetaKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty meta key", ErrInvalid)
	case strings.HasPrefix(key, metaReservedPrefix):
		return fmt.Errorf("%w: meta key %q is reserved", ErrInvalid, key)
	case len(key) > bolt.MaxKeySize:
		return fmt.Errorf("%w: meta key too long", ErrInvalid)
	}
	return nil
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
