package crm

import (
	"errors"
	"fmt"
)

// Errors callers branch on with errors.Is; the web API maps each to a status.
var (
	// ErrNotFound is returned by Get and Update when there is no customer
	// with the id.
	ErrNotFound = errors.New("crm: no such customer")
	// ErrNumberTaken is returned by Create and Update when one of the numbers
	// already belongs to another customer (the error says which).
	ErrNumberTaken = errors.New("crm: number belongs to another customer")
)

// NumberTakenError is ErrNumberTaken with the number and whose it is, for
// those allowed to know (the web API tells agents only the number).
type NumberTakenError struct {
	Number    string
	Owner     string // the other customer's id
	OwnerName string
}

func (e *NumberTakenError) Error() string {
	return fmt.Sprintf("%v: %s is customer %s's (%s)", ErrNumberTaken, e.Number, e.Owner, e.OwnerName)
}

// Unwrap makes errors.Is(err, ErrNumberTaken) true.
func (e *NumberTakenError) Unwrap() error { return ErrNumberTaken }

// FieldError is a customer field that is not acceptable. Reason is stable
// (the API returns it); Field names the JSON field.
type FieldError struct {
	Field  string
	Reason string // no_number, bad_number, too_many_numbers, no_name, too_long, bad_text, bad_class
	Value  string // the offending value, for numbers
}

func (e *FieldError) Error() string {
	if e.Value != "" {
		return "crm: " + e.Field + ": " + e.Reason + ": " + e.Value
	}
	return "crm: " + e.Field + ": " + e.Reason
}
