package trace

import (
	"errors"
	"fmt"
)

// Source gives chains by their exact stored code; the store implements it.
type Source interface {
	Chain(code string) (Chain, bool, error)
}

// ErrNotFound is returned by Lookup for a well-formed code that no chain has.
var ErrNotFound = errors.New("trace: code not found")

// Lookup parses raw as a code of kind want (KindRetail for what a caller keys;
// "" infers the kind from its shape), then tries each of its candidate keys in
// order (exact, then with the padding of the trace-data spec §5). It returns a
// *CodeError for malformed input, ErrNotFound for a code no chain has, and the
// parsed code in every case where parsing succeeded.
func Lookup(src Source, raw string, want Kind, o Options) (Chain, Code, error) {
	code, err := Parse(raw, want, o)
	if err != nil {
		return Chain{}, Code{}, err
	}
	for _, key := range Candidates(code) {
		c, ok, err := src.Chain(key)
		if err != nil {
			return Chain{}, code, fmt.Errorf("trace: look up %s: %w", key, err)
		}
		if ok {
			return c, code, nil
		}
	}
	return Chain{}, code, ErrNotFound
}
