package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// TestAddressesFile: the file holds what was written, is replaced whole by the
// next write, leaves no temporary file behind, and goes on remove (twice is
// fine: a clean stop after a start that found none).
func TestAddressesFile(t *testing.T) {
	dir := t.TempDir()
	for _, want := range []addresses{
		{HTTP: "127.0.0.1:41234", SIP: "127.0.0.1:41236", Socket: "/run/tracecall/tracecalld.sock"},
		{HTTP: "127.0.0.1:8080", Socket: "s"}, // SIP off: no key
	} {
		if err := writeAddresses(dir, want); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, addressesFile))
		if err != nil {
			t.Fatal(err)
		}
		var got addresses
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		if got != want {
			t.Errorf("addresses.json = %+v, want %+v", got, want)
		}
		var raw map[string]any
		_ = json.Unmarshal(b, &raw)
		if _, ok := raw["sip"]; ok != (want.SIP != "") {
			t.Errorf("addresses.json %s: sip key present %v, want %v", b, ok, want.SIP != "")
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("data dir holds %d files after two writes, want addresses.json alone", len(entries))
	}
	for range 2 {
		if err := removeAddresses(dir); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, addressesFile)); !os.IsNotExist(err) {
		t.Errorf("after remove: %v", err)
	}
}
