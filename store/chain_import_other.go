//go:build !linux

package store

import bolt "go.etcd.io/bbolt"

// dropMapped does nothing here: see chain_import_linux.go.
func (db *DB) dropMapped(*bolt.Tx) {}
