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

// FuzzLineLimiter checks the limiter against the plain reading of the rule
// (split at '\n', drop one '\r' before it, find the first line over limit),
// with reads of any size.
func FuzzLineLimiter(f *testing.F) {
	f.Add([]byte("abcd\r\nabcde\n"), uint8(4), false)
	f.Add([]byte("\r\r\r\n\n"), uint8(1), true)
	f.Fuzz(func(t *testing.T, data []byte, limit uint8, bytewise bool) {
		want := 0
		for i, line := range strings.Split(string(data), "\n") {
			last := i == strings.Count(string(data), "\n")
			if !last {
				line = strings.TrimSuffix(line, "\r")
			} else if len(line) == int(limit)+1 && strings.HasSuffix(line, "\r") {
				line = line[:len(line)-1] // a '\r' at the very end may yet be half of "\r\n"
			}
			if len(line) > int(limit) {
				want = i + 1
				break
			}
		}
		var r io.Reader = strings.NewReader(string(data))
		if bytewise {
			r = iotest.OneByteReader(r)
		}
		l := newLineLimiter(r, int(limit))
		l.since = -1 << 40 // the record bound is not under test
		_, err := io.ReadAll(l)
		var le *LineTooLongError
		switch {
		case want == 0 && err != nil:
			t.Fatalf("%q limit %d: %v, want no error", data, limit, err)
		case want != 0 && (!errors.As(err, &le) || le.Line != want):
			t.Fatalf("%q limit %d: %v, want line %d too long", data, limit, err, want)
		}
	})
}
