package store

// CallerIndexLen counts the entries of the caller index, so that tests can
// check retention removes them.
func CallerIndexLen(db *DB) (n int, err error) {
	err = db.View(func(tx *Tx) error {
		if b := tx.btx.Bucket(bucketCallsByCaller); b != nil {
			n = b.Stats().KeyN
		}
		return nil
	})
	return n, err
}
