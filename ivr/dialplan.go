package ivr

// DialPlan says what the configured routes offer whom: which dialled numbers
// reach a flow at all, and which of them are public, open to callers whose
// driver cannot vouch for who they are (telephony.LegInfo.FromVerified). The
// trace hotline is public; feature codes, and routes marked private, are for
// the appliance's own phones. Drivers that can refuse a call before it
// becomes a leg (SIP: 403 or 404, no call record) ask it; the daemon builds
// it from the [ivr] section. It never changes and is safe for concurrent use.
type DialPlan struct {
	public map[string]bool // by routed number: whether anyone may dial it
}

// NewDialPlan reads c's routes. A route is public unless it is marked
// private or its flow has an agent_state node.
func NewDialPlan(c Config) *DialPlan {
	p := &DialPlan{public: make(map[string]bool)}
	for _, r := range c.Routes {
		public := !r.Private && !hasAgentState(c.Flows[r.Flow])
		for _, n := range r.Numbers {
			p.public[n] = public
		}
	}
	return p
}

// Routes reports whether number reaches a flow.
func (p *DialPlan) Routes(number string) bool {
	_, ok := p.public[number]
	return ok
}

// Public reports whether any caller may dial number: it is routed, and the
// route is public.
func (p *DialPlan) Public(number string) bool { return p.public[number] }

// hasAgentState reports whether f acts for an agent (an agent_state node).
func hasAgentState(f Flow) bool {
	for _, n := range f.Nodes {
		if n.Type == NodeAgentState {
			return true
		}
	}
	return false
}
