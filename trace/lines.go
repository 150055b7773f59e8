package trace

import (
	"bytes"
	"io"
)

// lineLimiter passes a reader through and fails with a *LineTooLongError once
// a line, or the bytes read since the last mark, exceed limit. encoding/csv
// reads a line or a quoted field of any length into memory; this keeps that
// memory to about the limit whatever the input. The mark bound catches a
// record that is long across many short lines (a quote never closed); it is
// checked with slack for the CSV reader's read-ahead, which counts towards
// the record after the mark.
type lineLimiter struct {
	r     io.Reader
	limit int
	line  int // 1-based number of the line being read
	cur   int // bytes of that line read so far, without its '\n'
	since int // bytes read since mark
	err   error
}

// markSlack is how far past the limit a record may run before it is refused:
// the CSV reader's buffer, which reads ahead of the record it returns.
const markSlack = 64 << 10

func newLineLimiter(r io.Reader, limit int) *lineLimiter {
	return &lineLimiter{r: r, limit: limit, line: 1}
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	l.since += n
	for chunk := p[:n]; ; {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			l.cur += len(chunk)
			break
		}
		// "\r\n" ends a line as well as '\n' does: allow for the '\r'.
		if l.cur+i > l.limit+1 {
			l.cur += i
			break
		}
		l.line++
		l.cur = 0
		chunk = chunk[i+1:]
	}
	switch {
	case l.cur > l.limit+1:
		l.err = &LineTooLongError{Line: l.line, Limit: l.limit}
	case l.since > l.limit+markSlack:
		l.err = &LineTooLongError{Line: l.line, Limit: l.limit, Record: true}
	}
	if l.err != nil {
		return n, l.err
	}
	return n, err
}

// mark starts counting a new record.
func (l *lineLimiter) mark() { l.since = 0 }
