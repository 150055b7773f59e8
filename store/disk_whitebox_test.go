package store

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	bolterrors "go.etcd.io/bbolt/errors"
)

func TestDiskError(t *testing.T) {
	pathErr := func(e syscall.Errno) error { return &fs.PathError{Op: "write", Path: "/data/tracecall.db", Err: e} }
	tests := []struct {
		name string
		err  error
		want error // nil: returned unmarked
	}{
		{"nil", nil, nil},
		{"write ENOSPC", pathErr(syscall.ENOSPC), ErrDiskFull},
		{"quota", pathErr(syscall.EDQUOT), ErrDiskFull},
		{"grow worded with %s", fmt.Errorf("file resize error: %s", pathErr(syscall.ENOSPC)), ErrDiskFull},
		{"max size", bolterrors.ErrMaxSizeReached, ErrDiskFull},
		{"read-only fs", pathErr(syscall.EROFS), ErrReadOnly},
		{"read-only db", bolterrors.ErrDatabaseReadOnly, ErrReadOnly},
		{"EIO", pathErr(syscall.EIO), ErrDiskIO},
		{"closed", bolterrors.ErrDatabaseNotOpen, ErrClosed},
		{"invalid record", fmt.Errorf("store: put call: %w", ErrInvalid), nil},
		{"marked already", fmt.Errorf("crm: %w", diskError(pathErr(syscall.ENOSPC))), ErrDiskFull},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := diskError(tt.err)
			if tt.want == nil {
				if got != tt.err {
					t.Fatalf("diskError(%v) = %v, want it unchanged", tt.err, got)
				}
				return
			}
			if !errors.Is(got, tt.want) || !errors.Is(got, tt.err) {
				t.Fatalf("diskError(%v) = %v, want %v wrapping the original", tt.err, got, tt.want)
			}
		})
	}
}
