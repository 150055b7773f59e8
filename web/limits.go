package web

import "time"

// Refusals are the calls the telephony drivers refused by their per-source
// limits (the SIP driver's: drivers/sip, limit_calls.go) since the daemon
// started, as GET /api/status, tracectl status and the line monitor show
// them. Refused calls never became calls: they are counted here, not in the
// call records.
type Refusals struct {
	// Total counts the calls refused, Shed those of them dropped unanswered
	// (the source went on past its refusals).
	Total uint64 `json:"total"`
	Shed  uint64 `json:"shed"`
	// ByLimit counts them per limit (source_calls, source_call_rate,
	// network_calls, unknown_calls, peer_calls, peer_call_rate).
	ByLimit map[string]uint64 `json:"by_limit"`
	// Sources are the sources refused most, most first.
	Sources []RefusedSource `json:"sources"`
	// MessagesDropped counts messages dropped by the per-address message rate.
	MessagesDropped uint64 `json:"messages_dropped"`
	// TCPRefused counts SIP TCP connections closed on accept, past their
	// source's or the total share; TCPTimedOut those closed for sending no
	// whole message in time (a slow or half-sent request holding a socket).
	TCPRefused  uint64 `json:"tcp_refused"`
	TCPTimedOut uint64 `json:"tcp_timed_out"`
}

// RefusedSource is one source's refusals.
type RefusedSource struct {
	Source  string    `json:"source"`         // its IP address
	Peer    string    `json:"peer,omitempty"` // the configured peer it is one of
	Refused uint64    `json:"refused"`
	Limit   string    `json:"limit"` // the limit it last hit
	Last    time.Time `json:"last"`
}

// RefusalSource reports the refusals; the daemon adapts the SIP driver.
type RefusalSource interface{ Refusals() Refusals }

// refusalView is the line monitor's line about refused calls, in the
// page's words.
type refusalView struct {
	Total               uint64
	Source, Peer, Limit string // the source refused most; "" when none was
	Refused             uint64
}

// refusals is the line monitor's view of Deps.Refusals, nil without one.
func (s *Server) refusals(m map[string]string) *refusalView {
	if s.deps.Refusals == nil {
		return nil
	}
	r := s.deps.Refusals.Refusals()
	v := &refusalView{Total: r.Total}
	if len(r.Sources) > 0 {
		top := r.Sources[0]
		v.Source, v.Peer, v.Refused, v.Limit = top.Source, top.Peer, top.Refused, m["limit_"+top.Limit]
		if v.Limit == "" {
			v.Limit = m["limit_other"]
		}
	}
	return v
}
