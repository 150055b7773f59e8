package store

import bolt "go.etcd.io/bbolt"

// SetSchemaVersion overwrites the recorded schema version, as a newer build
// would, so that tests can check Open refuses the file.
func SetSchemaVersion(db *DB, v uint64) error {
	return db.bolt.Update(func(btx *bolt.Tx) error {
		return putUint64(btx.Bucket(bucketMeta), metaSchema, v)
	})
}
