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
	line  int  // 1-based number of the line being read
	cur   int  // bytes of that line read so far, without its '\n'
	cr    bool // the last byte read was '\r'
	since int  // bytes read since mark
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
	over := false
	for chunk := p[:n]; len(chunk) > 0; {
		i := bytes.IndexByte(chunk, '\n')
		if i < 0 {
			// A '\r' at the end may be half of "\r\n": not counted yet.
			l.cur += len(chunk)
			l.cr = chunk[len(chunk)-1] == '\r'
			over = l.cur > l.limit+1 || (l.cur == l.limit+1 && !l.cr)
			break
		}
		// "\r\n" ends a line as well as '\n' does: the '\r' is not counted.
		content := l.cur + i
		if (i > 0 && chunk[i-1] == '\r') || (i == 0 && l.cr) {
			content--
		}
		if content > l.limit {
			over = true
			break
		}
		l.line++
		l.cur, l.cr = 0, false
		chunk = chunk[i+1:]
	}
	switch {
	case over:
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
