package store_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"tracecall/store"
	"tracecall/store/storetest"
)

func TestSIPPhones(t *testing.T) {
	db := storetest.Open(t)
	// Before any phone is added the bucket does not exist: lookups see none.
	if _, ok, err := db.SIPPhonePassword("8001"); ok || err != nil {
		t.Fatalf("empty store: ok %v, err %v", ok, err)
	}
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		phone   store.SIPPhone
		wantErr error
	}{
		{"a phone", store.SIPPhone{User: "8001", Password: "s3cret", Created: at}, nil},
		{"another", store.SIPPhone{User: "8002", Password: "other", Created: at}, nil},
		{"replaced", store.SIPPhone{User: "8001", Password: "n3w", Created: at}, nil},
		{"no password", store.SIPPhone{User: "8003"}, store.ErrInvalid},
		{"no user", store.SIPPhone{Password: "x"}, store.ErrInvalid},
		{"not a sip user", store.SIPPhone{User: "80 01@x", Password: "x"}, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Update(func(tx *store.Tx) error { return tx.PutSIPPhone(&tt.phone) })
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PutSIPPhone = %v, want %v", err, tt.wantErr)
			}
		})
	}
	if pw, ok, err := db.SIPPhonePassword("8001"); !ok || err != nil || pw != "n3w" {
		t.Errorf("SIPPhonePassword(8001) = %q, %v, %v; want the replaced password", pw, ok, err)
	}
	if users, err := db.SIPPhoneUsers(); err != nil || !slices.Equal(users, []string{"8001", "8002"}) {
		t.Errorf("SIPPhoneUsers = %v, %v", users, err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteSIPPhone("8002") }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.DeleteSIPPhone("8002") }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleting twice = %v, want ErrNotFound", err)
	}
	if _, ok, _ := db.SIPPhonePassword("8002"); ok {
		t.Error("a deleted phone still has a password")
	}
}
