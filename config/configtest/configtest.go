package configtest

import (
	"strings"
	"testing"
)

// Check fails t unless err, what a Validate returned, is what the case
// wants: nil when want is "", else an error whose text holds want, the key
// it must name ("sip.listen") or more of its message.
func Check(t testing.TB, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("Validate() = %v, want nil", err)
	case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
		t.Errorf("Validate() = %v, want an error naming %s", err, want)
	}
}
