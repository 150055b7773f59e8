package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracecall/config"
)

// TestSIPTrunkConfig: the shipped file carries the trunk credentials (empty)
// and the per-source rate, and still parses; credentials without a trunk, or
// a password without a user, are refused naming the key.
func TestSIPTrunkConfig(t *testing.T) {
	c, err := config.Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if c.SIP.TrunkUser != "" || c.SIP.TrunkPassword != "" || c.SIP.SourceRate != 1000 || c.SIP.CompletedWait != 5*time.Second {
		t.Errorf("shipped sip = %+v: want no trunk credentials, source_rate 1000, completed_wait 5s", c.SIP)
	}
	base, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	const trunk, user, pass = "trunk = \"\"\n", "trunk_user = \"\"", "trunk_password = \"\""
	const wait = `completed_wait = "5s"`
	tests := []struct {
		name  string
		edits []string // old, new, ...
		want  string
	}{
		{"credentials", []string{trunk, "trunk = \"192.0.2.10:5060\"\n", user, `trunk_user = "tracecall"`, pass, `trunk_password = "s3cret"`}, ""},
		{"credentials without a trunk", []string{user, `trunk_user = "tracecall"`}, "sip.trunk_user/trunk_password"},
		{"password without a user", []string{trunk, "trunk = \"192.0.2.10:5060\"\n", pass, `trunk_password = "s3cret"`}, "sip.trunk_password"},
		{"user that is not a sip user", []string{trunk, "trunk = \"192.0.2.10:5060\"\n", user, `trunk_user = "a b@c"`}, "sip.trunk_user"},
		{"completed_wait under a second", []string{wait, `completed_wait = "500ms"`}, "sip.completed_wait"},
		{"completed_wait over the RFC's 32 s", []string{wait, `completed_wait = "1m"`}, "sip.completed_wait"},
		{"completed_wait that is no duration", []string{wait, `completed_wait = "soon"`}, "completed_wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := string(base)
			for i := 0; i < len(tt.edits); i += 2 {
				if !strings.Contains(text, tt.edits[i]) {
					t.Fatalf("shipped config lacks %q", tt.edits[i])
				}
				text = strings.Replace(text, tt.edits[i], tt.edits[i+1], 1)
			}
			path := filepath.Join(t.TempDir(), "tracecall.toml")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := config.Load(path)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tt.want == "":
				if c.SIP.TrunkUser != "tracecall" || c.SIP.TrunkPassword != "s3cret" {
					t.Errorf("sip = %+v", c.SIP)
				}
			case err == nil || !strings.Contains(err.Error(), tt.want):
				t.Errorf("Load = %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
