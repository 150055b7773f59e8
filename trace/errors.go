package trace

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reason is the stable, machine-readable cause of a *CodeError. The IVR maps each
// reason to a spoken prompt and the HTTP API returns it as "reason", so the values
// never change once released.
type Reason string

// Reasons a code is rejected.
const (
	// ReasonEmpty: nothing was entered (or only spaces, '-' or '#').
	ReasonEmpty Reason = "empty"
	// ReasonTooShort: fewer characters than the kind allows.
	ReasonTooShort Reason = "too_short"
	// ReasonTooLong: more characters than the kind allows.
	ReasonTooLong Reason = "too_long"
	// ReasonBadLength: within the overall range, but not a length the kind has
	// (a GTIN of 9, 10 or 11 digits).
	ReasonBadLength Reason = "bad_length"
	// ReasonBadChar: a character the kind does not allow, e.g. a letter in a trace code.
	ReasonBadChar Reason = "bad_char"
	// ReasonBadCheckDigit: the GS1 mod-10 check digit does not match (GTIN, SSCC, and
	// 20-digit demo codes when Options.CheckDigit is set).
	ReasonBadCheckDigit Reason = "bad_check_digit"
	// ReasonBadRegion: the region part names no GB/T 2260 province.
	ReasonBadRegion Reason = "bad_region"
	// ReasonUnknownNode: the operator code's node is not in the loaded node table
	// (only when Options.KnownNode is set).
	ReasonUnknownNode Reason = "unknown_node"
	// ReasonBadDate: a GS1 date field is not a calendar date.
	ReasonBadDate Reason = "bad_date"
	// ReasonUnknownAI: a GS1 application identifier this package does not support.
	ReasonUnknownAI Reason = "unknown_ai"
	// ReasonBadFormat: the structure is wrong in another way (ear tag species digit,
	// GS1 syntax, Digital Link path, unknown kind).
	ReasonBadFormat Reason = "bad_format"
)

// CodeError reports why a code was rejected. Raw is the input as given; Kind is the
// kind it was parsed as ("" when no kind could be inferred).
type CodeError struct {
	Raw    string
	Kind   Kind
	Reason Reason
	Detail string
}

// Error returns clear English, e.g. "trace code 1234: too short: 4 digits, want 20".
func (e *CodeError) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.label())
	if shown := showRaw(e.Raw); shown != "" {
		b.WriteByte(' ')
		b.WriteString(shown)
	}
	b.WriteString(": ")
	b.WriteString(strings.ReplaceAll(string(e.Reason), "_", " "))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// showRaw renders raw input for an error message: as typed when it is short and
// printable, quoted when it has spaces or control characters, cut when long.
func showRaw(raw string) string {
	const max = 48
	if utf8.RuneCountInString(raw) > max {
		n, i := 0, 0
		for i = range raw {
			if n == max {
				break
			}
			n++
		}
		return strconv.Quote(raw[:i]) + "…"
	}
	for _, r := range raw {
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) {
			return strconv.Quote(raw)
		}
	}
	return raw
}

// FieldError is one problem found by Chain.Validate. Event is the index of the event
// the problem is in, or -1 for a chain-level field; Field is the JSON path within
// that event or chain, e.g. "at", "node.nodeCode" or "certificates[1].number".
type FieldError struct {
	Event   int
	Field   string
	Problem string
}

// Error names the field and the problem, e.g. "events[2].at: missing".
func (e *FieldError) Error() string {
	if e.Event >= 0 {
		return "events[" + strconv.Itoa(e.Event) + "]." + e.Field + ": " + e.Problem
	}
	return e.Field + ": " + e.Problem
}

// RowError is a bad line in an import file: its 1-based line number and what is
// wrong, e.g. `line 7: weight_kg: not a number: "abc"`. The JSON form is what the
// import API returns in "rows".
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Error returns "line N: reason".
func (e *RowError) Error() string {
	return "line " + strconv.Itoa(e.Line) + ": " + e.Reason
}

// LineTooLongError is the final error of a Decoder or CSVDecoder whose input has
// a line longer than Limit bytes (MaxLineBytes), or, in CSV, a record running
// over that many bytes across lines (Record set: a quote left open swallows the
// rest of the file). Such a file is not one this package reads: going on would
// mean holding the line in memory, and a row boundary after it cannot be
// trusted. Line is the 1-based line where the limit was crossed.
type LineTooLongError struct {
	Line   int
	Limit  int
	Record bool
}

// Error names the line and the limit, e.g. "line 3 is longer than the limit of
// 8388608 bytes (8 MiB)".
func (e *LineTooLongError) Error() string {
	if e.Record {
		return fmt.Sprintf("the CSV record running to line %d is longer than the limit of %d bytes (%d MiB): is a quote left open?",
			e.Line, e.Limit, e.Limit>>20)
	}
	return fmt.Sprintf("line %d is longer than the limit of %d bytes (%d MiB)", e.Line, e.Limit, e.Limit>>20)
}

// ValidationError is what Chain.Validate returns: every problem found, in order.
type ValidationError struct {
	Problems []*FieldError
}

// maxShownProblems bounds how many problems one message lists.
const maxShownProblems = 10

// Error lists the problems separated by "; ", at most ten of them.
func (e *ValidationError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i == maxShownProblems {
			b.WriteString("; and " + strconv.Itoa(len(e.Problems)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, so errors.As finds the first *FieldError.
func (e *ValidationError) Unwrap() []error {
	errs := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		errs[i] = p
	}
	return errs
}

// problem is the error without its kind and input, for use inside a longer
// message: "too short: 4 digits, want 20".
func (e *CodeError) problem() string {
	s := strings.ReplaceAll(string(e.Reason), "_", " ")
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}
