package main

import (
	"regexp"
	"strings"
	"testing"

	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/web"
)

// TestSIPPhoneCommands runs tracectl sip phone add, list and rm against the
// daemon's real API handler over a unix socket, on a real store.
func TestSIPPhoneCommands(t *testing.T) {
	db := storetest.Open(t)
	s := web.New(web.Deps{Store: db, Bus: event.New(nil), Token: "t", DataDir: t.TempDir()})
	sock := startDaemon(t, s.SocketHandler())

	if out := tracectlOK(t, "-s", sock, "sip", "phone", "add", "--user", "9001", "--password", "long-enough-1"); out != "sip phone 9001 added\n" {
		t.Errorf("add: %q", out)
	}
	out := tracectlOK(t, "-s", sock, "sip", "phone", "add", "--user", "9002")
	m := regexp.MustCompile(`^sip phone 9002 added; its password \(shown only now\): (\S{16})\n$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("add without a password: %q", out)
	}
	if pw, ok, _ := db.SIPPhonePassword("9002"); !ok || pw != m[1] {
		t.Errorf("stored %q, printed %q", pw, m[1])
	}
	wantContains(t, tracectlOK(t, "-s", sock, "sip", "phone", "list"), "USER", "9001", "9002")

	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"short password", []string{"add", "--user", "9003", "--password", "short"}, "at least 8"},
		{"bad user", []string{"add", "--user", "90 03"}, "SIP user name"},
		{"rm unknown", []string{"rm", "9009"}, "no sip phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tracectl(t, append([]string{"-s", sock, "sip", "phone"}, tt.args...)...)
			if code == exitOK || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want a failure saying %q", code, stderr, tt.wantErr)
			}
		})
	}
	if out := tracectlOK(t, "-s", sock, "sip", "phone", "rm", "9001"); out != "sip phone 9001 removed\n" {
		t.Errorf("rm: %q", out)
	}
	if _, ok, _ := db.SIPPhonePassword("9001"); ok {
		t.Error("9001 is still in the store")
	}
}
