package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"
)

// JSON Lines: one Chain per line, in the JSON of model.go, UTF-8, '\n' line ends
// ("\r\n" accepted). Blank lines are skipped. Unknown fields are errors, so a
// misspelt field is reported rather than silently dropped.

// MaxLineBytes bounds one line of an import file, JSON Lines or CSV, and the
// rows of one CSV chain together. A longer line ends the read with a
// *LineTooLongError, so that a file without line breaks costs no more memory
// than one line.
const MaxLineBytes = 8 << 20

// WriteJSONL writes each chain on its own line.
func WriteJSONL(w io.Writer, chains iter.Seq[Chain]) error {
	bw := bufio.NewWriter(w)
	e := NewEncoder(bw)
	for c := range chains {
		if err := e.Encode(&c); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("trace: write jsonl: %w", err)
	}
	return nil
}

// Encoder writes chains as JSON Lines, one Encode per line.
type Encoder struct {
	enc *json.Encoder
}

// NewEncoder returns an encoder writing to w. Chinese text is written as UTF-8,
// and '<', '>' and '&' are not escaped.
func NewEncoder(w io.Writer) *Encoder {
	e := json.NewEncoder(w)
	e.SetEscapeHTML(false)
	return &Encoder{enc: e}
}

// Encode writes c and a newline.
func (e *Encoder) Encode(c *Chain) error {
	if err := e.enc.Encode(c); err != nil {
		return fmt.Errorf("trace: encode chain %s: %w", c.TraceCode, err)
	}
	return nil
}

// Decoder reads JSON Lines one chain at a time, so files of any size stream in
// constant memory. Every chain is validated (Chain.Validate with the decoder's
// Options) and normalised (Chain.Normalise) before it is returned. A Decoder does
// not detect a trace code that appears on two lines; ReadJSONL does.
type Decoder struct {
	r    *bufio.Reader
	o    Options
	line int
	err  error // sticky: io.EOF or a read error
	buf  []byte
}

// NewDecoder returns a decoder reading r.
func NewDecoder(r io.Reader, o Options) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10), o: o}
}

// Line returns the line number of the chain or row error Next last returned.
func (d *Decoder) Line() int { return d.line }

// Next returns the next valid chain. A bad line gives a *RowError, after which
// Next may be called again; the end of input gives io.EOF; any other error is
// final: a *LineTooLongError, or a read error.
func (d *Decoder) Next() (Chain, error) {
	for {
		if d.err != nil {
			return Chain{}, d.err
		}
		line, tooLong, err := d.readLine()
		if tooLong {
			d.err = &LineTooLongError{Line: d.line + 1, Limit: MaxLineBytes}
			return Chain{}, d.err
		}
		if err != nil {
			d.err = err
			if err != io.EOF {
				return Chain{}, fmt.Errorf("trace: read jsonl line %d: %w", d.line+1, err)
			}
			if len(line) == 0 {
				return Chain{}, io.EOF
			}
		}
		d.line++
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		c, reason := decodeChainLine(line, d.o)
		if reason != "" {
			return Chain{}, &RowError{Line: d.line, Reason: reason}
		}
		return c, nil
	}
}

// All yields every chain and row error in order; it stops after a read error,
// which it yields last. End of input is not yielded.
func (d *Decoder) All() iter.Seq2[Chain, error] {
	return decodeAll(d.Next)
}

// readLine returns the next line without its '\n'. A line over MaxLineBytes
// sets tooLong and is not read further. At the end of input err is io.EOF and
// line holds any last unterminated line.
func (d *Decoder) readLine() (line []byte, tooLong bool, err error) {
	d.buf = d.buf[:0]
	for {
		chunk, err := d.r.ReadSlice('\n')
		if len(d.buf)+len(chunk) > MaxLineBytes+2 { // +2: "\r\n" is not the line's
			d.buf = d.buf[:0]
			return nil, true, nil
		}
		d.buf = append(d.buf, chunk...)
		if err == nil || err != bufio.ErrBufferFull {
			if n := len(bytes.TrimSuffix(bytes.TrimSuffix(d.buf, []byte{'\n'}), []byte{'\r'})); n > MaxLineBytes {
				d.buf = d.buf[:0]
				return nil, true, nil
			}
		}
		switch err {
		case nil:
			return bytes.TrimSuffix(d.buf, []byte{'\n'}), false, nil
		case bufio.ErrBufferFull:
			continue
		default:
			return d.buf, false, err
		}
	}
}

// decodeChainLine decodes, validates and normalises one line, or says what is
// wrong with it.
func decodeChainLine(line []byte, o Options) (Chain, string) {
	var c Chain
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Chain{}, jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Chain{}, "extra data after the chain's JSON object"
	}
	if err := c.Validate(o); err != nil {
		return Chain{}, err.Error()
	}
	c.Normalise()
	return c, ""
}

// jsonProblem turns a decoding error into a short message naming the field.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("bad time %q: want RFC 3339, e.g. 2024-03-15T09:12:00+08:00", cut(pe.Value))
	case errors.As(err, &te) && te.Field != "":
		return fmt.Sprintf("%s: want %s, got JSON %s", te.Field, te.Type, te.Value)
	case errors.As(err, &te):
		return fmt.Sprintf("want a JSON object, got JSON %s", te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("not valid JSON at byte %d: %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "JSON object cut short"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// ReadJSONL reads every line of r and returns the valid chains and every bad
// row, in line order, including a trace code repeated on a later line. err is
// only a read error. It holds all chains in memory; use a Decoder to stream.
// See the package doc ("# Import") for the all-or-nothing policy.
func ReadJSONL(r io.Reader, o Options) (chains []Chain, rows []RowError, err error) {
	err = readJSONL(r, o, func(c Chain) { chains = append(chains, c) }, &rows)
	return chains, rows, err
}

func readJSONL(r io.Reader, o Options, keep func(Chain), rows *[]RowError) error {
	d := NewDecoder(r, o)
	seen := map[string]int{}
	for {
		c, err := d.Next()
		var re *RowError
		switch {
		case err == io.EOF:
			return nil
		case errors.As(err, &re):
			*rows = append(*rows, *re)
			continue
		case err != nil:
			return err
		}
		if first, dup := seen[c.TraceCode]; dup {
			*rows = append(*rows, RowError{Line: d.Line(),
				Reason: fmt.Sprintf("traceCode: %s already on line %d", c.TraceCode, first)})
			continue
		}
		seen[c.TraceCode] = d.Line()
		keep(c)
	}
}
