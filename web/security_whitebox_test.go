package web

import (
	"strings"
	"testing"
	"time"

	"tracecall/web/auth"
)

// TestLoginBusyRefusal: a login refused because another from the same
// address is being checked says so, in the user's language, with nothing
// to lift.
func TestLoginBusyRefusal(t *testing.T) {
	for lang, want := range map[string]string{"zh": "另一次登录正在核验", "en": "Another login from your address is being checked"} {
		msg, console := loginRefusal(messages[lang], &auth.LoginError{Err: auth.ErrLoginBusy, Wait: time.Second}, "li")
		if !strings.Contains(msg, want) || console != "" {
			t.Errorf("%s: %q, console %q; want %q and no console command", lang, msg, console, want)
		}
	}
}
