package sip_test

import (
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/store"
	"tracecall/store/storetest"
)

// TestRegisterFromPhoneBook: phones kept in the store (a real bbolt file)
// register like configured ones, with their own password; a wrong one gets
// 403, a phone removed from the store 404, and Phones lists both kinds.
func TestRegisterFromPhoneBook(t *testing.T) {
	db := storetest.Open(t)
	put := func(user, password string) {
		t.Helper()
		if err := db.Update(func(tx *store.Tx) error {
			return tx.PutSIPPhone(&store.SIPPhone{User: user, Password: password, Created: time.Now()})
		}); err != nil {
			t.Fatal(err)
		}
	}
	put("9001", "from-the-store")
	put("8001", "not-this-one") // the config's password wins
	d := servePhones(t, sip.Config{PhoneBook: db}, nil)
	p := newPhoneUA(t, d.Addr())

	tests := []struct {
		name, user, password string
		want                 int
	}{
		{"stored phone", "9001", "from-the-store", 200},
		{"stored phone, wrong password", "9001", "guess", 403},
		{"configured phone keeps its password", "8001", "s3cret-8001", 200},
		{"the store's password for a configured phone", "8001", "not-this-one", 403},
		{"unknown", "9002", "whatever", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, res := p.register(t, tt.user, tt.password, "<sip:"+tt.user+"@127.0.0.1:5999>", 600); res.StatusCode != tt.want {
				t.Errorf("register %s: %d, want %d", tt.user, res.StatusCode, tt.want)
			}
		})
	}
	if _, ok := d.Registered("9001"); !ok {
		t.Error("9001 from the store is not registered")
	}
	users := map[string]bool{}
	for _, ps := range d.Phones() {
		users[ps.User] = true
	}
	if !users["9001"] || !users["8001"] {
		t.Errorf("Phones() = %v, want the store's 9001 and the config's 8001", d.Phones())
	}

	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteSIPPhone("9001") }); err != nil {
		t.Fatal(err)
	}
	if _, res := p.register(t, "9001", "from-the-store", "<sip:9001@127.0.0.1:5999>", 600); res.StatusCode != 404 {
		t.Errorf("register a phone removed from the store: %d, want 404", res.StatusCode)
	}
}
