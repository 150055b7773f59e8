package sip

import (
	"sync"
	"time"
)

// inviteMemory is how long the driver remembers an initial INVITE it took:
// as long as its sender may retransmit it (Timer B, 64×T1).
const inviteMemory = 32 * time.Second

// seenInvites remembers the initial INVITEs the driver has taken, by Call-ID,
// From tag and CSeq (a retry after a challenge counts up its CSeq). Their
// transactions end with the call (at the BYE), which may be sooner than the
// 32 s a caller may retransmit for; a retransmission that comes after its
// transaction is gone would otherwise start the same call a second time (in
// a load run, SIPp on a saturated CPU resent a few INVITEs that late, and
// their second calls took the callers' media). RFC 3261 8.2.2.2 asks the
// same of a request merged with one already taken. A key costs ~150 bytes.
type seenInvites struct {
	mu    sync.Mutex
	at    map[string]time.Time
	order []seenInvite // oldest first
}

type seenInvite struct {
	key string
	at  time.Time
}

func newSeenInvites() *seenInvites { return &seenInvites{at: map[string]time.Time{}} }

// first records key at now and says whether it is new, forgetting what is
// older than inviteMemory on the way.
func (s *seenInvites) first(key string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for n < len(s.order) && now.Sub(s.order[n].at) > inviteMemory {
		if e := s.order[n]; s.at[e.key].Equal(e.at) {
			delete(s.at, e.key)
		}
		n++
	}
	// Moving the start on, not copying: append makes a fresh array, and
	// lets the forgotten entries go, whenever this one is full.
	s.order = s.order[n:]
	if _, ok := s.at[key]; ok {
		return false
	}
	s.at[key] = now
	s.order = append(s.order, seenInvite{key: key, at: now})
	return true
}
