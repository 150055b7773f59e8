package store

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// SIP phones added at run time (tracectl sip phone add, the panel) live in
// their own bucket, next to those in the config file:
//
//	sip_phones/<user> → SIPPhone as JSON
//
// The password is kept as given: SIP digest authentication (MD5, RFC 2617)
// needs it, or a hash that is as good as it, to check a phone's answer. The
// bucket is created by the first PutSIPPhone, so files written before it
// existed open unchanged.
var bucketSIPPhones = []byte("sip_phones")

// SIPPhone is an agent or supervisor phone that may REGISTER with the SIP
// driver.
type SIPPhone struct {
	User     string    `json:"user"`
	Password string    `json:"password"`
	Created  time.Time `json:"created"`
}

// PutSIPPhone creates or replaces the phone under p.User. A user that is not
// a SIP user name (empty, over-long, or with blanks, @ : ; < > or quotes) or
// an empty password fails with ErrInvalid: there is no default password.
func (tx *Tx) PutSIPPhone(p *SIPPhone) error {
	if err := checkKey("sip user", p.User); err != nil {
		return fmt.Errorf("store: put sip phone: %w", err)
	}
	if strings.ContainsAny(p.User, " \t\r\n@:;<>\"") {
		return fmt.Errorf("store: put sip phone %q: %w: not a SIP user name", p.User, ErrInvalid)
	}
	if p.Password == "" {
		return fmt.Errorf("store: put sip phone %s: %w: empty password", p.User, ErrInvalid)
	}
	v, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("store: put sip phone %s: encode: %w", p.User, err)
	}
	b, err := tx.btx.CreateBucketIfNotExists(bucketSIPPhones)
	if err != nil {
		return fmt.Errorf("store: put sip phone %s: %w", p.User, err)
	}
	if err := b.Put([]byte(p.User), v); err != nil {
		return fmt.Errorf("store: put sip phone %s: %w", p.User, err)
	}
	return nil
}

// SIPPhone returns the phone under user; ok is false if there is none.
func (tx *Tx) SIPPhone(user string) (p SIPPhone, ok bool, err error) {
	b := tx.btx.Bucket(bucketSIPPhones)
	if b == nil {
		return SIPPhone{}, false, nil
	}
	v := b.Get([]byte(user))
	if v == nil {
		return SIPPhone{}, false, nil
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return SIPPhone{}, false, fmt.Errorf("store: sip phone %s: decode: %w", user, err)
	}
	return p, true, nil
}

// SIPPhones returns every stored phone, sorted by user.
func (tx *Tx) SIPPhones() ([]SIPPhone, error) {
	b := tx.btx.Bucket(bucketSIPPhones)
	if b == nil {
		return nil, nil
	}
	var out []SIPPhone
	err := b.ForEach(func(k, v []byte) error {
		var p SIPPhone
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("store: sip phone %s: decode: %w", k, err)
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// DeleteSIPPhone removes the phone. It fails with ErrNotFound if there is no
// such phone.
func (tx *Tx) DeleteSIPPhone(user string) error {
	b := tx.btx.Bucket(bucketSIPPhones)
	if b == nil || b.Get([]byte(user)) == nil {
		return fmt.Errorf("store: delete sip phone %s: %w", user, ErrNotFound)
	}
	if err := b.Delete([]byte(user)); err != nil {
		return fmt.Errorf("store: delete sip phone %s: %w", user, err)
	}
	return nil
}

// SIPPhonePassword looks a phone's password up in its own short read
// transaction: what the SIP driver's registrar asks for each REGISTER of a
// phone that is not in the config file.
func (db *DB) SIPPhonePassword(user string) (password string, ok bool, err error) {
	err = db.View(func(tx *Tx) error {
		p, found, err := tx.SIPPhone(user)
		password, ok = p.Password, found
		return err
	})
	return password, ok, err
}

// SIPPhoneUsers lists the stored phones' users, sorted.
func (db *DB) SIPPhoneUsers() ([]string, error) {
	var users []string
	err := db.View(func(tx *Tx) error {
		ps, err := tx.SIPPhones()
		for _, p := range ps {
			users = append(users, p.User)
		}
		return err
	})
	return users, err
}
