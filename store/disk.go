package store

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	bolterrors "go.etcd.io/bbolt/errors"
)

// diskError marks err, a transaction's failure, with the sentinel that
// names its cause on the data disk (ErrDiskFull, ErrReadOnly, ErrDiskIO,
// ErrClosed), keeping err itself in the chain: callers branch on the
// sentinel and still log the system's words. Any other error is returned
// as it is.
func diskError(err error) error {
	if err == nil {
		return nil
	}
	var cause error
	switch {
	case errors.Is(err, ErrDiskFull), errors.Is(err, ErrReadOnly), errors.Is(err, ErrDiskIO), errors.Is(err, ErrClosed):
		return err // marked already (a nested transaction's error)
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), errors.Is(err, bolterrors.ErrMaxSizeReached),
		// bbolt words a failed grow with %s, dropping the errno.
		strings.Contains(err.Error(), syscall.ENOSPC.Error()):
		cause = ErrDiskFull
	case errors.Is(err, syscall.EROFS), errors.Is(err, bolterrors.ErrDatabaseReadOnly):
		cause = ErrReadOnly
	case errors.Is(err, syscall.EIO):
		cause = ErrDiskIO
	case errors.Is(err, bolterrors.ErrDatabaseNotOpen):
		cause = ErrClosed
	default:
		return err
	}
	return fmt.Errorf("store: %w: %w", cause, err)
}
