package store

import "errors"

// Errors callers branch on, with errors.Is: the store returns them wrapped
// in context ("store: put chain: invalid record: empty trace code"). Other
// failures (I/O, a damaged value) are not meant to be compared.
var (
	// ErrImportRunning is returned by BeginImport (and ImportChains) while
	// another import of the same store is being staged or applied.
	ErrImportRunning = errors.New("another import is running")

	// ErrSchema is returned by Open when the file records a schema version newer
	// than this build understands: it was written by a newer tracecall, and
	// opening it could damage data that build relies on. Upgrade, or restore a
	// backup made by this version.
	ErrSchema = errors.New("file schema is newer than this build")

	// ErrLocked is returned by Open when another process (usually another
	// tracecalld) holds the file lock for longer than Options.Timeout.
	ErrLocked = errors.New("file is locked by another process")

	// ErrNotFound is returned by Tx.DeleteChain when there is no chain under the
	// code. Lookups report absence with a bool instead.
	ErrNotFound = errors.New("not found")

	// ErrInvalid is returned when a record cannot be stored as given: an empty,
	// over-long or NUL-containing trace code, reference or certificate number; a
	// call without an ID or with a start outside 1970–2261; a call whose start
	// differs from the one already stored; a write to a reserved meta key.
	// Nothing is written when it is returned.
	ErrInvalid = errors.New("invalid record")

	// ErrDiskFull is returned by Update and Batch when the commit could not
	// be written for want of space on the data disk (ENOSPC, a quota). The
	// transaction is rolled back: nothing of it is written, and what was
	// stored before is intact. The same write succeeds once space returns.
	ErrDiskFull = errors.New("the data disk is full")

	// ErrReadOnly is returned by Update and Batch when the data disk (or the
	// store) is read-only, as after the kernel remounts a failing disk.
	ErrReadOnly = errors.New("the data disk is read-only")

	// ErrDiskIO is returned when the data disk reported an I/O error (EIO):
	// a failing disk or controller. The transaction is not written.
	ErrDiskIO = errors.New("the data disk reported an I/O error")

	// ErrClosed is returned by a transaction begun after Close, as while the
	// daemon shuts down.
	ErrClosed = errors.New("the store is closed")
)
