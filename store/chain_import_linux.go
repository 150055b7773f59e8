package store

import (
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// dropMapped tells the kernel the process no longer needs the pages of the
// store file it has mapped (madvise MADV_DONTNEED). bbolt reads through a
// read-only shared mapping of the file, so every page an import reads (all
// of its staged chains, while applying) stays in the daemon's resident set
// until the mapping changes: a 200,000-chain import left a gigabyte resident
// that was only page cache. The pages are clean and stay in the page cache;
// a later read maps them again with a minor fault.
//
// It must run inside a write transaction, btx: bbolt remaps the file only
// while committing one, so the mapping cannot move under the call. The range
// is btx.Size(), the pages the transaction started with, all of them mapped;
// not the file's size, which bbolt grows ahead of the mapping.
func (db *DB) dropMapped(btx *bolt.Tx) {
	size := btx.Size()
	if size <= 0 {
		return
	}
	base := db.bolt.Info().Data
	if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, base, uintptr(size), syscall.MADV_DONTNEED); errno != 0 {
		db.log.Debug("madvise the store's mapping", "err", errno)
	}
}
