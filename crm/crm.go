package crm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"tracecall/store"
)

// Customer classes.
const (
	ClassNormal = "normal"
	ClassVIP    = "vip"
)

// Limits of a customer's fields, in characters (runes).
const (
	MaxNumbers    = 10
	maxNameLen    = 64
	maxCompanyLen = 128
	maxAddressLen = 256
	maxNotesLen   = 2000
)

// Config tunes the book. The zero value is the default.
type Config struct {
	// VIPPriority is the queue priority of a VIP caller (default 10); other
	// callers get 0.
	VIPPriority int `toml:"vip_priority"`
}

// Book is the customer book over the store.
type Book struct {
	db  *store.DB
	cfg Config
	log *slog.Logger
	now func() time.Time
}

// New returns a book over db. log may be nil.
func New(db *store.DB, cfg Config, log *slog.Logger) *Book {
	if cfg.VIPPriority == 0 {
		cfg.VIPPriority = 10
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Book{db: db, cfg: cfg, log: log.With("component", "crm"), now: time.Now}
}

// Input is a customer as an agent fills it in (the API's JSON body).
type Input struct {
	Numbers []string `json:"numbers"`
	Name    string   `json:"name"`
	Class   string   `json:"class"` // normal (default) or vip
	Company string   `json:"company"`
	Address string   `json:"address"`
	Notes   string   `json:"notes"`
}

// Clean returns in with numbers canonical and deduplicated, text trimmed
// and the class defaulted, or the first *FieldError: at least one and at
// most MaxNumbers numbers, each as ParseNumber accepts; a name of 1 to 64
// characters; company, address and notes within their lengths; printable
// text (notes and address may have line breaks); class normal or vip.
func (in Input) Clean() (Input, error) {
	out := Input{Class: strings.ToLower(strings.TrimSpace(in.Class))}
	if len(in.Numbers) == 0 {
		return Input{}, &FieldError{Field: "numbers", Reason: "no_number"}
	}
	if len(in.Numbers) > MaxNumbers {
		return Input{}, &FieldError{Field: "numbers", Reason: "too_many_numbers"}
	}
	for _, raw := range in.Numbers {
		n, err := ParseNumber(raw)
		if err != nil {
			return Input{}, err
		}
		if !slices.Contains(out.Numbers, n) {
			out.Numbers = append(out.Numbers, n)
		}
	}
	fields := []struct {
		name, v   string
		dst       *string
		max       int
		multiline bool
	}{
		{"name", in.Name, &out.Name, maxNameLen, false},
		{"company", in.Company, &out.Company, maxCompanyLen, false},
		{"address", in.Address, &out.Address, maxAddressLen, true},
		{"notes", in.Notes, &out.Notes, maxNotesLen, true},
	}
	for _, f := range fields {
		v := strings.TrimSpace(f.v)
		switch {
		case !utf8.ValidString(v) || !printable(v, f.multiline):
			return Input{}, &FieldError{Field: f.name, Reason: "bad_text"}
		case utf8.RuneCountInString(v) > f.max:
			return Input{}, &FieldError{Field: f.name, Reason: "too_long"}
		}
		*f.dst = v
	}
	if out.Name == "" {
		return Input{}, &FieldError{Field: "name", Reason: "no_name"}
	}
	switch out.Class {
	case "":
		out.Class = ClassNormal
	case ClassNormal, ClassVIP:
	default:
		return Input{}, &FieldError{Field: "class", Reason: "bad_class", Value: clip(in.Class)}
	}
	return out, nil
}

// printable reports whether s has no control characters but, when multiline,
// line breaks and tabs.
func printable(s string, multiline bool) bool {
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// Lookup returns the customer one of whose numbers is number (in any form
// ParseNumber accepts); ok is false when nobody has it or it is not a number.
func (b *Book) Lookup(number string) (c store.Customer, ok bool, err error) {
	n, perr := ParseNumber(number)
	if perr != nil {
		return store.Customer{}, false, nil
	}
	c, ok, err = b.db.CustomerByNumber(n)
	if err != nil {
		return store.Customer{}, false, fmt.Errorf("crm: look up %s: %w", n, err)
	}
	return c, ok, nil
}

// Get returns the customer under id, or ErrNotFound.
func (b *Book) Get(id string) (store.Customer, error) {
	c, ok, err := b.db.Customer(id)
	switch {
	case err != nil:
		return store.Customer{}, fmt.Errorf("crm: get %s: %w", id, err)
	case !ok:
		return store.Customer{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return c, nil
}

// Create adds a customer from in (see Input.Clean), made by the panel user
// by, and returns it with its new id. A number another customer has fails
// with ErrNumberTaken.
func (b *Book) Create(in Input, by string) (store.Customer, error) {
	in, err := in.Clean()
	if err != nil {
		return store.Customer{}, err
	}
	now := b.now()
	c := store.Customer{
		Numbers: in.Numbers, Name: in.Name, Class: in.Class, Company: in.Company,
		Address: in.Address, Notes: in.Notes, Created: now, Updated: now, UpdatedBy: by,
	}
	if err := b.put(&c); err != nil {
		return store.Customer{}, fmt.Errorf("crm: create: %w", err)
	}
	b.log.Info("customer created", "customer", c.ID, "by", by)
	return c, nil
}

// Update replaces every field of customer id with in (see Input.Clean);
// ErrNotFound if there is none, ErrNumberTaken as for Create.
func (b *Book) Update(id string, in Input, by string) (store.Customer, error) {
	in, err := in.Clean()
	if err != nil {
		return store.Customer{}, err
	}
	var c store.Customer
	err = b.db.Update(func(tx *store.Tx) error {
		old, ok, err := tx.Customer(id)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		c = store.Customer{
			ID: id, Numbers: in.Numbers, Name: in.Name, Class: in.Class, Company: in.Company,
			Address: in.Address, Notes: in.Notes, Created: old.Created, Updated: b.now(), UpdatedBy: by,
		}
		return putTx(tx, &c)
	})
	if err != nil {
		return store.Customer{}, fmt.Errorf("crm: update %s: %w", id, err)
	}
	b.log.Info("customer updated", "customer", id, "by", by)
	return c, nil
}

func (b *Book) put(c *store.Customer) error {
	return b.db.Update(func(tx *store.Tx) error { return putTx(tx, c) })
}

// putTx stores c, naming the number and its owner when one is taken.
func putTx(tx *store.Tx, c *store.Customer) error {
	for _, n := range c.Numbers {
		other, ok, err := tx.CustomerByNumber(n)
		if err != nil {
			return err
		}
		if ok && other.ID != c.ID {
			return &NumberTakenError{Number: n, Owner: other.ID, OwnerName: other.Name}
		}
	}
	err := tx.PutCustomer(c)
	if errors.Is(err, store.ErrNumberTaken) {
		return fmt.Errorf("%w: %v", ErrNumberTaken, err)
	}
	return err
}

// Priority is the queue priority of a caller: Config.VIPPriority for a VIP
// customer, else 0. The IVR calls it when it queues a call (ivr.Deps).
func (b *Book) Priority(ctx context.Context, number string) int {
	if ctx.Err() != nil {
		return 0
	}
	c, ok, err := b.Lookup(number)
	if err != nil {
		b.log.Warn("caller priority: lookup failed; serving as normal", "err", err)
		return 0
	}
	if ok && c.Class == ClassVIP {
		return b.cfg.VIPPriority
	}
	return 0
}
