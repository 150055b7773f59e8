package trace

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestLineLimiter: a line may hold limit bytes besides its "\n" or "\r\n",
// however the reads split it; one byte more fails on that line.
func TestLineLimiter(t *testing.T) {
	const limit = 4
	tests := []struct {
		in       string
		wantLine int // 0: no error
	}{
		{"abcd\nabcd", 0},
		{"abcd\r\nabcd\r\n", 0},
		{"abcd\r", 0},
		{"abcde\n", 1},
		{"abcd\nabcde", 2},
		{"abc\r\r\n", 0},
		{"abcd\r\r\n", 1},
		{"ab\n\n\nabcd\rx", 4},
		{strings.Repeat("\n", 10) + "abcdef", 11},
	}
	for _, tt := range tests {
		for _, split := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.in)
			if split {
				r = iotest.OneByteReader(r)
			}
			_, err := io.ReadAll(newLineLimiter(r, limit))
			var le *LineTooLongError
			switch {
			case tt.wantLine == 0 && err != nil:
				t.Errorf("%q (bytewise %v): %v, want no error", tt.in, split, err)
			case tt.wantLine != 0 && (!errors.As(err, &le) || le.Line != tt.wantLine || le.Limit != limit):
				t.Errorf("%q (bytewise %v): %v, want line %d too long", tt.in, split, err, tt.wantLine)
			}
		}
	}
}
