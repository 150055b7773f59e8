package auth_test

import (
	"errors"
	"strings"
	"testing"

	"tracecall/web/auth"
)

func TestHashPassword(t *testing.T) {
	h, err := auth.HashPassword("正确的密码 correct", auth.TestParams())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, "correct") {
		t.Errorf("hash %q", h)
	}
	h2, _ := auth.HashPassword("正确的密码 correct", auth.TestParams())
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt?")
	}
	for _, tt := range []struct {
		pw   string
		want bool
	}{{"正确的密码 correct", true}, {"正确的密码 correct ", false}, {"", false}, {"wrong", false}} {
		if ok, err := auth.CheckPassword(h, tt.pw); ok != tt.want || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want %v", tt.pw, ok, err, tt.want)
		}
	}
}

func TestDefaultParamsRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("one real-cost hash")
	}
	h, err := auth.HashPassword("pw", auth.Params{})
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("HashPassword with zero params = %q, %v", h, err)
	}
	if ok, err := auth.CheckPassword(h, "pw"); !ok || err != nil {
		t.Errorf("CheckPassword = %v, %v", ok, err)
	}
}

func TestCheckPasswordBadHash(t *testing.T) {
	good, _ := auth.HashPassword("pw", auth.TestParams())
	f := strings.Split(good, "$")
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"plain text", "pw"},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuv"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"version", strings.Replace(good, "v=19", "v=16", 1)},
		{"missing parameter", "$argon2id$v=19$m=64,t=1$" + f[4] + "$" + f[5]},
		{"unknown parameter", "$argon2id$v=19$m=64,t=1,p=1,x=2$" + f[4] + "$" + f[5]},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + f[4] + "$" + f[5]},
		{"huge time", "$argon2id$v=19$m=64,t=1000,p=1$" + f[4] + "$" + f[5]},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + f[4] + "$" + f[5]},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$AAAA$" + f[5]},
		{"bad base64", "$argon2id$v=19$m=64,t=1,p=1$!!!!$" + f[5]},
		{"extra field", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := auth.CheckPassword(tt.hash, "pw")
			if ok || !errors.Is(err, auth.ErrBadHash) {
				t.Errorf("CheckPassword(%q) = %v, %v; want ErrBadHash", tt.hash, ok, err)
			}
		})
	}
}

func TestValidUsername(t *testing.T) {
	for _, good := range []string{"admin", "zhang.wei", "agent_01", "a", "9lives", strings.Repeat("a", 32)} {
		if err := auth.ValidUsername(good); err != nil {
			t.Errorf("ValidUsername(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"", "Admin", "张伟", "a b", ".a", "-a", "a/b", strings.Repeat("a", 33)} {
		if err := auth.ValidUsername(bad); !errors.Is(err, auth.ErrBadUsername) {
			t.Errorf("ValidUsername(%q) = %v, want ErrBadUsername", bad, err)
		}
	}
}

func TestValidPassword(t *testing.T) {
	for _, tt := range []struct {
		pw string
		ok bool
	}{{"1234567", false}, {"12345678", true}, {"密码密码密码密码", true}, {"密码密码", false}, {strings.Repeat("x", 256), true}, {strings.Repeat("x", 257), false}, {"\xff\xff\xff\xff\xff\xff\xff\xff", false}} {
		if err := auth.ValidPassword(tt.pw); (err == nil) != tt.ok {
			t.Errorf("ValidPassword(%q) = %v, want ok %v", tt.pw, err, tt.ok)
		}
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		r, min auth.Role
		want   bool
	}{
		{auth.RoleAdmin, auth.RoleAgent, true},
		{auth.RoleAdmin, auth.RoleAdmin, true},
		{auth.RoleDutyManager, auth.RoleAdmin, false},
		{auth.RoleDutyManager, auth.RoleTeamLeader, true},
		{auth.RoleTeamLeader, auth.RoleDutyManager, false},
		{auth.RoleAgent, auth.RoleTeamLeader, false},
		{auth.RoleAgent, auth.RoleAgent, true},
		{"root", auth.RoleAgent, false},
		{"", auth.RoleAgent, false},
	}
	for _, tt := range tests {
		if got := tt.r.AtLeast(tt.min); got != tt.want {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", tt.r, tt.min, got, tt.want)
		}
	}
	for i, r := range auth.Roles() {
		if r.Rank() != i+1 {
			t.Errorf("%s has rank %d, want %d", r, r.Rank(), i+1)
		}
		if got, err := auth.ParseRole(string(r)); got != r || err != nil {
			t.Errorf("ParseRole(%s) = %q, %v", r, got, err)
		}
	}
	if _, err := auth.ParseRole("boss"); !errors.Is(err, auth.ErrBadRole) {
		t.Errorf("ParseRole(boss) = %v", err)
	}
}
