package store

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Customers (the CRM's callers) live in two buckets:
//
//	customers/<id>                → Customer as JSON; id is random (newCustomerID),
//	                                or a decimal sequence in older files
//	customers_by_number/<number>  → id; every number of every customer
//
// The buckets are created by the first write that needs them, so that files
// written before customers existed open unchanged; reads treat a missing
// bucket as empty. The store keeps numbers as given: the crm package
// normalises them (and the caller's number it looks up) first.

var (
	bucketCustomers         = []byte("customers")
	bucketCustomersByNumber = []byte("customers_by_number")
)

// ErrNumberTaken is returned by PutCustomer when one of the customer's
// numbers already belongs to another customer; the error names which.
// Nothing is written.
var ErrNumberTaken = errors.New("number belongs to another customer")

// Customer is a known caller.
type Customer struct {
	ID      string   `json:"id"`
	Numbers []string `json:"numbers"` // at least one; the caller is found by any
	Name    string   `json:"name"`
	Class   string   `json:"class"` // normal | vip (crm names them)
	Company string   `json:"company,omitempty"`
	Address string   `json:"address,omitempty"`
	Notes   string   `json:"notes,omitempty"`
	// Created and Updated are set by the writer (crm); UpdatedBy is the
	// panel user who made the last change.
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
	UpdatedBy string    `json:"updatedBy,omitempty"`
}

// writeBucket returns the bucket name, creating it if needed; tx must be a
// write transaction.
func (tx *Tx) writeBucket(name []byte) (*bolt.Bucket, error) {
	b, err := tx.btx.CreateBucketIfNotExists(name)
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", name, err)
	}
	return b, nil
}

// PutCustomer creates (c.ID empty: the store assigns a random id and sets
// c.ID) or replaces the customer under c.ID, and points each of its numbers
// at it, dropping the numbers it no longer has. It fails with ErrInvalid for
// no number, an empty or over-long number, or an ID that is not stored when
// replacing; with ErrNumberTaken when a number belongs to another customer.
func (tx *Tx) PutCustomer(c *Customer) error {
	if len(c.Numbers) == 0 {
		return fmt.Errorf("store: put customer: %w: no number", ErrInvalid)
	}
	for _, n := range c.Numbers {
		if err := checkKey("number", n); err != nil {
			return fmt.Errorf("store: put customer: %w", err)
		}
	}
	cs, err := tx.writeBucket(bucketCustomers)
	if err != nil {
		return fmt.Errorf("store: put customer: %w", err)
	}
	idx, err := tx.writeBucket(bucketCustomersByNumber)
	if err != nil {
		return fmt.Errorf("store: put customer: %w", err)
	}
	var old Customer
	if c.ID != "" {
		v := cs.Get([]byte(c.ID))
		if v == nil {
			return fmt.Errorf("store: put customer %s: %w: no such customer", c.ID, ErrInvalid)
		}
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("store: put customer %s: decode: %w", c.ID, err)
		}
	}
	for _, n := range c.Numbers {
		if owner := idx.Get([]byte(n)); owner != nil && string(owner) != c.ID {
			return fmt.Errorf("store: put customer: %w: %s is customer %s's", ErrNumberTaken, n, owner)
		}
	}
	if c.ID == "" {
		if c.ID, err = newCustomerID(cs); err != nil {
			return fmt.Errorf("store: put customer: %w", err)
		}
	}
	for _, n := range old.Numbers {
		if !slices.Contains(c.Numbers, n) {
			if err := idx.Delete([]byte(n)); err != nil {
				return fmt.Errorf("store: put customer %s: %w", c.ID, err)
			}
		}
	}
	for _, n := range c.Numbers {
		if err := idx.Put([]byte(n), []byte(c.ID)); err != nil {
			return fmt.Errorf("store: put customer %s: %w", c.ID, err)
		}
	}
	v, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("store: put customer %s: encode: %w", c.ID, err)
	}
	if err := cs.Put([]byte(c.ID), v); err != nil {
		return fmt.Errorf("store: put customer %s: %w", c.ID, err)
	}
	return nil
}

// customerIDLen is the length of a new customer's id: 16 characters of
// base32, 80 random bits.
const customerIDLen = 16

// customerIDAlphabet is lower-case base32 without the letters read as
// digits (i, l, o, u dropped), as Crockford's.
const customerIDAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// newCustomerID returns a random id no customer in cs has. Ids are random
// rather than counted so that one id tells nothing of the others: nobody
// can walk the book by counting, nor learn from their own new customer's id
// how many there are. Files written when ids were a decimal sequence keep
// those ids.
func newCustomerID(cs *bolt.Bucket) (string, error) {
	var raw [customerIDLen]byte
	for range 8 {
		if _, err := rand.Read(raw[:]); err != nil {
			return "", fmt.Errorf("random id: %w", err)
		}
		for i, b := range raw {
			raw[i] = customerIDAlphabet[b&31]
		}
		if cs.Get(raw[:]) == nil {
			return string(raw[:]), nil
		}
	}
	return "", fmt.Errorf("random id: eight draws were all taken")
}

// Customer returns the customer under id; ok is false if there is none.
func (tx *Tx) Customer(id string) (c Customer, ok bool, err error) {
	b := tx.btx.Bucket(bucketCustomers)
	if b == nil || id == "" {
		return Customer{}, false, nil
	}
	v := b.Get([]byte(id))
	if v == nil {
		return Customer{}, false, nil
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return Customer{}, false, fmt.Errorf("store: customer %s: decode: %w", id, err)
	}
	return c, true, nil
}

// CustomerByNumber returns the customer one of whose numbers is number.
func (tx *Tx) CustomerByNumber(number string) (c Customer, ok bool, err error) {
	idx := tx.btx.Bucket(bucketCustomersByNumber)
	if idx == nil || number == "" {
		return Customer{}, false, nil
	}
	id := idx.Get([]byte(number))
	if id == nil {
		return Customer{}, false, nil
	}
	return tx.Customer(string(id))
}

// Customer returns the customer under id; ok is false if there is none.
func (db *DB) Customer(id string) (c Customer, ok bool, err error) {
	err = db.View(func(tx *Tx) error {
		c, ok, err = tx.Customer(id)
		return err
	})
	return c, ok, err
}

// CustomerByNumber returns the customer one of whose numbers is number.
func (db *DB) CustomerByNumber(number string) (c Customer, ok bool, err error) {
	err = db.View(func(tx *Tx) error {
		c, ok, err = tx.CustomerByNumber(number)
		return err
	})
	return c, ok, err
}
