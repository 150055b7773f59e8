package trace

import (
	"errors"
	"fmt"
	"io"
	"iter"
)

// Format is an import/export file format.
type Format string

// Formats, as the import API's ?format= names them.
const (
	FormatJSONL Format = "jsonl"
	FormatCSV   Format = "csv"
)

// ReadAll reads a whole file in format f: the valid chains, every bad row in line
// order, and a read error if any. It does not decide what to import; see the
// package doc ("# Import").
func ReadAll(r io.Reader, f Format, o Options) ([]Chain, []RowError, error) {
	switch f {
	case FormatJSONL:
		return ReadJSONL(r, o)
	case FormatCSV:
		return ReadCSV(r, o)
	}
	return nil, nil, fmt.Errorf("trace: unknown format %q, want jsonl or csv", string(f))
}

// WriteAll writes chains to w in format f.
func WriteAll(w io.Writer, f Format, chains iter.Seq[Chain]) error {
	switch f {
	case FormatJSONL:
		return WriteJSONL(w, chains)
	case FormatCSV:
		return WriteCSV(w, chains)
	}
	return fmt.Errorf("trace: unknown format %q, want jsonl or csv", string(f))
}

// ValidateAll reads a whole file in format f and reports how many chains are
// valid and every bad row, keeping no chain. It accepts and rejects exactly what
// ReadAll does. Run it before an all-or-nothing import and import only when rows
// is empty; for JSON Lines it needs memory only for the set of trace codes seen,
// for CSV it groups rows as ReadCSV does and so holds the file.
func ValidateAll(r io.Reader, f Format, o Options) (valid int, rows []RowError, err error) {
	switch f {
	case FormatJSONL:
		err = readJSONL(r, o, func(Chain) { valid++ }, &rows)
		return valid, rows, err
	case FormatCSV:
		chains, rows, err := ReadCSV(r, o)
		return len(chains), rows, err
	}
	return 0, nil, fmt.Errorf("trace: unknown format %q, want jsonl or csv", string(f))
}

// decodeAll is the All of both decoders: it yields what next returns, chains and
// row errors, until io.EOF, which it does not yield, or a read error, which it
// yields last.
func decodeAll(next func() (Chain, error)) iter.Seq2[Chain, error] {
	return func(yield func(Chain, error) bool) {
		for {
			c, err := next()
			if err == io.EOF {
				return
			}
			if !yield(c, err) {
				return
			}
			var re *RowError
			if err != nil && !errors.As(err, &re) {
				return
			}
		}
	}
}
