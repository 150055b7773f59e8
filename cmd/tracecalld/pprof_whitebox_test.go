package main

import (
	"strings"
	"testing"
)

// TestListenProfiles: profiles are served on loopback only; anything else is
// refused with the flag's name before a socket is opened.
func TestListenProfiles(t *testing.T) {
	for _, tt := range []struct {
		addr, want string
	}{
		{"127.0.0.1:0", ""},
		{"[::1]:0", ""},
		{"0.0.0.0:6060", "loopback address only"},
		{"192.0.2.1:6060", "loopback address only"},
		{"localhost:6060", "loopback address only"},
		{"6060", "want host:port"},
		{"", "want host:port"},
	} {
		ln, err := listenProfiles(tt.addr)
		if ln != nil {
			ln.Close()
		}
		switch {
		case tt.want == "" && err != nil:
			if strings.Contains(tt.addr, "::1") && strings.Contains(err.Error(), "assign") {
				continue // no IPv6 loopback on this machine
			}
			t.Errorf("listenProfiles(%q) = %v", tt.addr, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "-pprof")):
			t.Errorf("listenProfiles(%q) = %v, want an error naming -pprof and %q", tt.addr, err, tt.want)
		}
	}
}
