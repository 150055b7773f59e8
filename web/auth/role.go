package auth

import "fmt"

// Role is what a user may do in the panel. Roles are ranked; each includes
// what the ones below it may do.
type Role string

// The roles, lowest first.
const (
	RoleAgent       Role = "agent"        // 普通席: answers calls
	RoleTeamLeader  Role = "team_leader"  // 班长席: watches lines, queues and agents
	RoleDutyManager Role = "duty_manager" // 值班经理席: reports, recordings, escalations
	RoleAdmin       Role = "admin"        // users, settings
)

// Roles returns every role, lowest rank first.
func Roles() []Role { return []Role{RoleAgent, RoleTeamLeader, RoleDutyManager, RoleAdmin} }

// Rank is the role's place in the order, from 1 (agent) to 4 (admin); 0 for
// a string that is not a role.
func (r Role) Rank() int {
	switch r {
	case RoleAgent:
		return 1
	case RoleTeamLeader:
		return 2
	case RoleDutyManager:
		return 3
	case RoleAdmin:
		return 4
	}
	return 0
}

// Valid reports whether r is one of Roles().
func (r Role) Valid() bool { return r.Rank() > 0 }

// AtLeast reports whether r is a valid role ranked at or above min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.Rank() >= min.Rank() }

// ParseRole returns the role named s, or ErrBadRole.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", fmt.Errorf("auth: %w: %q", ErrBadRole, s)
}
