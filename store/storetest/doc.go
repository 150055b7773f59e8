// Package storetest opens throwaway stores for tests, as httptest starts
// throwaway servers: storetest.Open(t) gives a *store.DB in t.TempDir() that
// is closed when the test ends.
//
//	db := storetest.Open(t)
//	err := db.Update(func(tx *store.Tx) error { return tx.PutCall(&rec) })
package storetest
