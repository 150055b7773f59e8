package auth

import (
	"strings"
	"testing"
)

func TestRandomPassword(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		pw, err := randomPassword()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != generatedPasswordLen || strings.Trim(pw, passwordAlphabet) != "" {
			t.Fatalf("randomPassword() = %q", pw)
		}
		if seen[pw] {
			t.Fatalf("randomPassword repeated %q", pw)
		}
		seen[pw] = true
	}
}

// FuzzDecodeHash feeds any stored value to the hash parser: it must not
// panic, and what it accepts must be within the bounds CheckPassword can
// afford to compute.
func FuzzDecodeHash(f *testing.F) {
	good, _ := HashPassword("pw", TestParams())
	f.Add(good)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=99999999999,t=2,p=1$$")
	f.Add("$argon2id$v=19$p=300,m=1,t=1$AAAA$AAAA")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := decodeHash(s)
		if err != nil {
			return
		}
		if p.check() != nil || len(salt) != int(p.SaltLen) || len(key) != int(p.KeyLen) {
			t.Errorf("decodeHash(%q) accepted %+v", s, p)
		}
	})
}
