package store_test

import (
	"errors"
	"strings"
	"testing"

	"tracecall/store"
	"tracecall/store/storetest"
)

func TestDoc(t *testing.T) {
	type settings struct {
		Name  string `json:"name"`
		Limit int    `json:"limit"`
	}
	tests := []struct {
		name    string
		key     string
		wantErr error
	}{
		{name: "plain key", key: "screenpop/settings"},
		{name: "store key kept for documents", key: "store.acd"},
		{name: "empty", key: "", wantErr: store.ErrInvalid},
		{name: "the schema is the store's", key: "store.schema", wantErr: store.ErrInvalid},
		{name: "the chain count is the store's", key: "store.chains", wantErr: store.ErrInvalid},
		{name: "too long", key: strings.Repeat("k", 40000), wantErr: store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storetest.Open(t)
			want := settings{Name: "张伟", Limit: 3}
			err := db.PutDoc(tt.key, want)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PutDoc(%.20q) = %v, want %v", tt.key, err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			var got settings
			if ok, err := db.Doc(tt.key, &got); err != nil || !ok || got != want {
				t.Errorf("Doc = %+v, %v, %v; want %+v, true", got, ok, err, want)
			}
		})
	}
}

func TestDocMissingAndUndecodable(t *testing.T) {
	db := storetest.Open(t)
	var v struct{ N int }
	if ok, err := db.Doc("nothing/here", &v); ok || err != nil {
		t.Errorf("Doc of a missing key = %v, %v; want false, nil", ok, err)
	}
	if err := db.Update(func(tx *store.Tx) error { return tx.PutMeta("raw", []byte("not json")) }); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.Doc("raw", &v); ok || err == nil {
		t.Errorf("Doc of a non-JSON value = %v, %v; want an error", ok, err)
	}
	// The store's own keys can be read, as with Meta, but are no documents.
	if _, err := db.Doc("store.schema", &v); err == nil {
		t.Error("Doc(store.schema) decoded the schema's binary value")
	}
}
