package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// addressesFile is the file in the data directory that says where a running
// daemon listens.
const addressesFile = "addresses.json"

// addresses are the addresses the daemon bound, as bound: with port 0 in
// -http or -sip the kernel picks the port, and this is how tests, scripts and
// tracectl users find it without guessing a free port first (a port found free
// may be taken before the daemon binds it).
type addresses struct {
	HTTP   string `json:"http,omitempty"`  // the API and panel; absent with -http ""
	SIP    string `json:"sip,omitempty"`   // UDP and TCP, the same port; absent with SIP off
	Pprof  string `json:"pprof,omitempty"` // -pprof
	Socket string `json:"socket"`          // the unix socket tracectl uses
}

// writeAddresses writes a to dir/addresses.json atomically: a reader sees the
// whole file of this run or none (a temporary file renamed over it).
func writeAddresses(dir string, a addresses) error {
	b, err := json.MarshalIndent(a, "", "\t")
	if err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	f, err := os.CreateTemp(dir, addressesFile+".*")
	if err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	_, werr := f.Write(append(b, '\n'))
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("addresses: %w", err)
	}
	// CreateTemp makes the file 0600; the addresses are no secret, and
	// readable by the group like the socket.
	if err := os.Chmod(f.Name(), 0o640); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("addresses: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, addressesFile)); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("addresses: %w", err)
	}
	return nil
}

// removeAddresses removes dir/addresses.json: at start, a stale file of a run
// that did not stop cleanly; at a clean stop, this run's.
func removeAddresses(dir string) error {
	if err := os.Remove(filepath.Join(dir, addressesFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("addresses: %w", err)
	}
	return nil
}
