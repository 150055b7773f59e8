package crm

import (
	"strings"
	"unicode/utf8"
)

// Bounds of a phone number, in digits, after ParseNumber's clean-up.
const (
	minNumberDigits = 3
	maxNumberDigits = 20
	// maxRawNumber bounds the raw input, so that a hostile value costs little.
	maxRawNumber = 64
)

// ParseNumber returns number in its canonical form (see the package doc,
// "Numbers"), or a *FieldError with Reason "bad_number".
func ParseNumber(number string) (string, error) {
	bad := &FieldError{Field: "numbers", Reason: "bad_number", Value: clip(number)}
	if len(number) > maxRawNumber || !utf8.ValidString(number) {
		return "", bad
	}
	var b strings.Builder
	b.Grow(len(number))
	for i, r := range strings.TrimSpace(number) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９': // full-width, as Chinese input methods type
			b.WriteRune('0' + (r - '０'))
		case r == '+' || r == '＋':
			if i != 0 {
				return "", bad
			}
			b.WriteByte('+')
		case strings.ContainsRune(" -.()\u3000－（）", r):
		default:
			return "", bad
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+86"):
		n = n[3:]
	case strings.HasPrefix(n, "0086"):
		n = n[4:]
	}
	if isMobile(strings.TrimPrefix(n, "0")) {
		n = strings.TrimPrefix(n, "0")
	}
	digits := strings.TrimPrefix(n, "+")
	if len(digits) < minNumberDigits || len(digits) > maxNumberDigits || strings.Contains(digits, "+") {
		return "", bad
	}
	return n, nil
}

// isMobile reports whether n is a mainland mobile number: 11 digits, 1[3-9].
func isMobile(n string) bool {
	return len(n) == 11 && n[0] == '1' && n[1] >= '3' && n[1] <= '9' && strings.Trim(n, "0123456789") == ""
}

// clip shortens v for an error message.
func clip(v string) string {
	if len(v) <= maxRawNumber {
		return strings.ToValidUTF8(v, "?")
	}
	return strings.ToValidUTF8(v[:maxRawNumber], "?") + "…"
}
