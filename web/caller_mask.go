package web

import (
	"strings"

	"tracecall/web/auth"
)

// maskNumber hides the middle of a phone number, as Chinese service desks
// print them: 13800138000 becomes 138****8000. Numbers of 8 to 10
// characters keep 2 in front and 4 at the end; shorter ones keep only their
// last 2, and 4 or fewer are all stars. A leading + is kept and not
// counted. Masking keeps the length, so columns still line up.
func maskNumber(n string) string {
	if n == "" {
		return ""
	}
	plus := strings.HasPrefix(n, "+")
	if plus {
		n = n[1:]
	}
	rs := []rune(strings.ToValidUTF8(n, "?"))
	head, tail := 0, 0
	switch l := len(rs); {
	case l >= 11:
		head, tail = 3, 4
	case l >= 8:
		head, tail = 2, 4
	case l > 4:
		tail = 2
	}
	var b strings.Builder
	b.Grow(len(n) + 1)
	if plus {
		b.WriteByte('+')
	}
	for i, r := range rs {
		if i < head || i >= len(rs)-tail {
			b.WriteRune(r)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// seesCallers reports whether role sees every caller's number: team leaders
// and above watch all calls. Agents see only the numbers of calls offered to
// them (callerFor).
func seesCallers(role auth.Role) bool { return role.AtLeast(auth.RoleTeamLeader) }

// callerFor is number as id may see it: whole for roles that see callers
// and for the call offered to an agent, masked otherwise. Every page and API
// that shows a caller's number to agents goes through it.
func callerFor(id auth.Identity, offered bool, number string) string {
	if offered || seesCallers(id.Role) {
		return number
	}
	return maskNumber(number)
}
