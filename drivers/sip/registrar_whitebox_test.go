package sip

import (
	"log/slog"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

func testRegistrar(t testing.TB, onChange func(PhoneState)) *registrar {
	t.Helper()
	cfg, err := Config{Listen: "127.0.0.1:0", Phones: []Phone{{User: "8001", Password: "pw"}}, OnPhone: onChange}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	return newRegistrar(cfg, slog.New(slog.DiscardHandler))
}

func TestBindingsLapseOnTheirOwn(t *testing.T) {
	var changes []PhoneState
	r := testRegistrar(t, func(s PhoneState) { changes = append(changes, s) })
	t0 := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	uri := siplib.Uri{Scheme: "sip", User: "8001", Host: "127.0.0.1", Port: 5062}
	r.update("8001", []binding{{contact: uri, key: uri.String(), expires: t0.Add(time.Minute), refreshed: t0}}, nil, false, t0)

	tests := []struct {
		name  string
		at    time.Duration
		sweep bool
		want  bool
	}{
		{"registered", 30 * time.Second, false, true},
		{"lapsed for lookups before any sweep", 61 * time.Second, false, false},
		{"swept", 61 * time.Second, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := t0.Add(tt.at)
			if tt.sweep {
				r.sweep(now)
			}
			if _, ok := r.lookup("8001", now); ok != tt.want {
				t.Errorf("lookup at +%v = %v, want %v", tt.at, ok, tt.want)
			}
			if got := r.phones(now)[0].Registered; got != tt.want {
				t.Errorf("phones at +%v: registered %v, want %v", tt.at, got, tt.want)
			}
		})
	}
	if len(changes) != 2 || !changes[0].Registered || changes[1].Registered {
		t.Errorf("changes %+v: want registered, then lapsed", changes)
	}
}

func TestAuthorize(t *testing.T) {
	r := testRegistrar(t, nil)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	answer := func(nonce, user, password string) string {
		chal := &digest.Challenge{Realm: r.realm, Nonce: nonce, Algorithm: "MD5", QOP: []string{"auth"}}
		c, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:127.0.0.1", Username: user, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return c.String()
	}
	fresh := r.nonce(now.Add(-time.Minute))
	old := r.nonce(now.Add(-nonceLifetime - time.Minute))
	tests := []struct {
		name   string
		header string
		want   authResult
	}{
		{"no credentials", "", authChallenge},
		{"good", answer(fresh, "8001", "pw"), authOK},
		{"wrong password", answer(fresh, "8001", "nope"), authForbidden},
		{"another user", answer(fresh, "8002", "pw"), authForbidden},
		{"stale nonce, right password", answer(old, "8001", "pw"), authStale},
		{"stale nonce, wrong password", answer(old, "8001", "nope"), authForbidden},
		{"nonce we never issued", answer("00112233445566778899aabbccddeeff0011223344556677", "8001", "pw"), authChallenge},
		{"another scheme", "Basic Zm9vOmJhcg==", authChallenge},
		{"a scheme nobody knows", "NobodyKnowsThisScheme opaque-stuff=here", authChallenge},
		{"garbled digest", `Digest username="8001, realm=`, authBad},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, _ := r.authorize(tt.header, "REGISTER", "8001", "pw", now); got != tt.want {
				t.Errorf("authorize = %v, want %v", got, tt.want)
			}
		})
	}
}

// FuzzAuthorize feeds Authorization values and REGISTER bindings from the
// outside: neither may panic, and no garbage may authenticate.
func FuzzAuthorize(f *testing.F) {
	r := testRegistrar(f, nil)
	now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
	f.Add(`Digest username="8001", realm="tracecall", nonce="` + r.nonce(now) + `", uri="sip:127.0.0.1", response="00000000000000000000000000000000", cnonce="ab", qop=auth, nc=00000001`)
	f.Add(`Digest username="8001", realm="tracecall", nonce="zz", uri="sip:x", response="", algorithm=SHA-256`)
	f.Add(`Digest username=8001,,,realm=`)
	f.Add("Basic Zm9vOmJhcg==")
	f.Add("NobodyKnowsThisScheme opaque-stuff=here")
	f.Add("")
	f.Fuzz(func(t *testing.T, header string) {
		for _, method := range []string{"REGISTER", "INVITE"} {
			if got, _ := r.authorize(header, method, "8001", "pw", now); got == authOK {
				t.Errorf("authorize(%q, %s) = ok without knowing the password", header, method)
			}
		}
	})
}
