package web

import (
	"strings"
	"testing"
	"unicode/utf8"

	"tracecall/web/auth"
)

func TestMaskNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"13800138000", "138****8000"},
		{"+8613800138000", "+861******8000"},
		{"01012345678", "010****5678"},
		{"62345678", "62**5678"},
		{"8001", "****"},
		{"12315", "***15"},
		{"anonymous", "an***mous"},
		{"张三的电话号码很长吗", "张三****码很长吗"},
	}
	for _, tt := range tests {
		if got := maskNumber(tt.in); got != tt.want {
			t.Errorf("maskNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCallerFor(t *testing.T) {
	tests := []struct {
		name    string
		role    auth.Role
		offered bool
		want    string
	}{
		{"agent, not offered", auth.RoleAgent, false, "138****8000"},
		{"agent, offered", auth.RoleAgent, true, "13800138000"},
		{"team leader", auth.RoleTeamLeader, false, "13800138000"},
		{"admin", auth.RoleAdmin, false, "13800138000"},
		{"no role", "", false, "138****8000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := callerFor(auth.Identity{Role: tt.role}, tt.offered, "13800138000"); got != tt.want {
				t.Errorf("callerFor = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzMaskNumber: any input is masked without panic, keeps its length in
// characters, and shows at most seven of them.
func FuzzMaskNumber(f *testing.F) {
	for _, s := range []string{"", "13800138000", "+8613800138000", "8001", "\xff\xfe", "+", "++1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := maskNumber(s)
		valid := strings.ToValidUTF8(s, "?")
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(valid) {
			t.Fatalf("maskNumber(%q) = %q: length changed", s, got)
		}
		shown := 0
		for i, r := range []rune(got) {
			if r != '*' && !(i == 0 && r == '+') {
				shown++
			}
		}
		if shown > 7 {
			t.Fatalf("maskNumber(%q) = %q shows %d characters", s, got, shown)
		}
	})
}
