package acd

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"tracecall/telephony"
)

// Runtime changes: queues and agents added, replaced and removed while the ACD
// runs, keeping what still makes sense of the live state. See "Changes at
// runtime" in the package doc for the rules.

// Saver keeps the ACD's configuration across restarts; *acdstore.Saver keeps
// it in the store, and the ACD needs to know nothing more of storage. Run
// calls SaveACD with the whole new configuration (defaults filled in) before a
// change made through AddQueue, ReplaceQueue, RemoveQueue, AddAgent,
// ReplaceAgent, RemoveAgent or Reconfigure takes effect; if it fails, nothing
// changes. The actor waits for it, so it should be quick (one small write).
type Saver interface {
	SaveACD(cfg Config) error
}

// FieldError is one setting that is not valid. Validate returns them joined;
// the runtime methods return them with Field set when they are about the queue
// or agent being added or replaced, so a form can put the message next to its
// field.
type FieldError struct {
	// Key names the setting as in the config file: "acd.queues[1].ring_timeout".
	Key string
	// Field is Key relative to the queue or agent being changed
	// ("ring_timeout", "skills.pork", "agents[0]"), or "" when the fault lies
	// elsewhere: another queue overflows to the queue being removed, or lists
	// the agent being removed or changed.
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Msg }

// FieldErrors returns the *FieldError values in err's tree (through wrapping
// and errors.Join), in order; nil if there are none.
func FieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case nil:
		case *FieldError:
			out = append(out, e)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	return out
}

// Config returns the queues and agents the ACD runs now, with defaults filled
// in. Agents removed while on a call are not in it, though they stay in the
// Snapshot until their call work ends.
func (a *ACD) Config(ctx context.Context) (Config, error) {
	var cfg Config
	err := a.do(ctx, func(c *core) error {
		cfg = cloneConfig(c.cfg)
		return nil
	})
	if err != nil {
		return Config{}, fmt.Errorf("acd: config: %w", err)
	}
	return cfg, nil
}

// Reconfigure replaces the whole configuration, keeping the live state of the
// queues and agents that stay (matched by name and id).
func (a *ACD) Reconfigure(ctx context.Context, cfg Config) error {
	return a.change(ctx, "reconfigure", func(cur *Config) (string, error) {
		*cur = cloneConfig(cfg)
		return "", nil
	})
}

// AddQueue adds a queue; ErrQueueExists if the name is taken.
func (a *ACD) AddQueue(ctx context.Context, q QueueConfig) error {
	return a.change(ctx, "add queue "+q.Name, func(cur *Config) (string, error) {
		if queueIndex(cur, q.Name) >= 0 {
			return "", ErrQueueExists
		}
		cur.Queues = append(cur.Queues, cloneQueue(q))
		return fmt.Sprintf("acd.queues[%d]", len(cur.Queues)-1), nil
	})
}

// ReplaceQueue replaces the queue of q's name; ErrUnknownQueue if none.
// Its callers keep their place and their time waited.
func (a *ACD) ReplaceQueue(ctx context.Context, q QueueConfig) error {
	return a.change(ctx, "replace queue "+q.Name, func(cur *Config) (string, error) {
		i := queueIndex(cur, q.Name)
		if i < 0 {
			return "", ErrUnknownQueue
		}
		cur.Queues[i] = cloneQueue(q)
		return fmt.Sprintf("acd.queues[%d]", i), nil
	})
}

// RemoveQueue removes a queue; its waiting and ringing callers are sent on
// with its overflow action. It fails with a *FieldError (Field "") while
// another queue overflows to it.
func (a *ACD) RemoveQueue(ctx context.Context, name string) error {
	return a.change(ctx, "remove queue "+name, func(cur *Config) (string, error) {
		i := queueIndex(cur, name)
		if i < 0 {
			return "", ErrUnknownQueue
		}
		cur.Queues = slices.Delete(cur.Queues, i, i+1)
		return "", nil
	})
}

// AddAgent adds an agent, logged out; ErrAgentExists if the id is taken.
func (a *ACD) AddAgent(ctx context.Context, ag AgentConfig) error {
	return a.change(ctx, "add agent "+ag.ID, func(cur *Config) (string, error) {
		if agentIndex(cur, ag.ID) >= 0 {
			return "", ErrAgentExists
		}
		cur.Agents = append(cur.Agents, cloneAgent(ag))
		return fmt.Sprintf("acd.agents[%d]", len(cur.Agents)-1), nil
	})
}

// ReplaceAgent replaces the agent of ag's id; ErrUnknownAgent if none. The
// agent keeps their state; an offer ringing from a queue they no longer
// serve is withdrawn.
func (a *ACD) ReplaceAgent(ctx context.Context, ag AgentConfig) error {
	return a.change(ctx, "replace agent "+ag.ID, func(cur *Config) (string, error) {
		i := agentIndex(cur, ag.ID)
		if i < 0 {
			return "", ErrUnknownAgent
		}
		cur.Agents[i] = cloneAgent(ag)
		return fmt.Sprintf("acd.agents[%d]", i), nil
	})
}

// RemoveAgent removes an agent: logged out at once, or, while talking, after
// the call and its wrap-up. It fails with a *FieldError (Field "") while a
// queue lists the agent as a member.
func (a *ACD) RemoveAgent(ctx context.Context, id string) error {
	return a.change(ctx, "remove agent "+id, func(cur *Config) (string, error) {
		i := agentIndex(cur, id)
		if i < 0 {
			return "", ErrUnknownAgent
		}
		cur.Agents = slices.Delete(cur.Agents, i, i+1)
		return "", nil
	})
}

// change edits a copy of the running config, checks it, saves it and applies
// it, all in the actor. edit returns the key prefix of the queue or agent it
// touched, for FieldError.Field.
func (a *ACD) change(ctx context.Context, what string, edit func(cur *Config) (string, error)) error {
	err := a.do(ctx, func(c *core) error {
		next := cloneConfig(c.cfg)
		prefix, err := edit(&next)
		if err != nil {
			return err
		}
		if err := next.Validate(); err != nil {
			return relate(err, prefix)
		}
		next = next.withDefaults()
		if c.saver != nil {
			if err := c.saver.SaveACD(cloneConfig(next)); err != nil {
				return fmt.Errorf("save: %w", err)
			}
		}
		c.apply(next)
		return nil
	})
	if err != nil {
		return fmt.Errorf("acd: %s: %w", what, err)
	}
	return nil
}

// relate sets Field on the field errors under prefix (Validate's joined
// errors, copied; other errors are kept as they are).
func relate(err error, prefix string) error {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		fe, ok := e.(*FieldError)
		if !ok {
			out = append(out, e)
			continue
		}
		x := *fe
		if prefix != "" {
			if rest, ok := strings.CutPrefix(fe.Key, prefix+"."); ok {
				x.Field = rest
			}
		}
		out = append(out, &x)
	}
	return errors.Join(out...)
}

func queueIndex(cfg *Config, name string) int {
	return slices.IndexFunc(cfg.Queues, func(q QueueConfig) bool { return q.Name == name })
}

func agentIndex(cfg *Config, id string) int {
	return slices.IndexFunc(cfg.Agents, func(a AgentConfig) bool { return a.ID == id })
}

func cloneQueue(q QueueConfig) QueueConfig {
	q.Agents = slices.Clone(q.Agents)
	q.Skills = maps.Clone(q.Skills)
	return q
}

func cloneAgent(a AgentConfig) AgentConfig {
	a.Skills = maps.Clone(a.Skills)
	return a
}

// cloneConfig copies cfg deeply enough that no slice or map is shared.
func cloneConfig(cfg Config) Config {
	qs := make([]QueueConfig, len(cfg.Queues))
	for i, q := range cfg.Queues {
		qs[i] = cloneQueue(q)
	}
	as := make([]AgentConfig, len(cfg.Agents))
	for i, a := range cfg.Agents {
		as[i] = cloneAgent(a)
	}
	cfg.Queues, cfg.Agents = qs, as
	return cfg
}

// newAgent is an agent for ac, logged out.
func newAgent(ac AgentConfig, now time.Time) *agent {
	a := &agent{state: StateLoggedOut, since: now, idleSince: now}
	a.configure(ac)
	return a
}

// configure gives a its (new) settings.
func (a *agent) configure(ac AgentConfig) {
	ext, _ := telephony.ParseAddress(ac.Extension) // checked by Validate
	a.cfg = ac
	a.pub = Agent{ID: ac.ID, Name: ac.Name, Role: ac.Role, Extension: ext, Skills: maps.Clone(ac.Skills)}
}

// newQueue builds the queue qc with its members: the agents it lists, or
// every agent and team leader with the skills, in the order of c.agents.
// Members free now go in its pools and those present are counted, so it
// serves a running ACD as well as a new one.
func (c *core) newQueue(qc QueueConfig) *queue {
	q := &queue{cfg: qc, cursor: -1, byPrio: make(map[int]int)}
	q.strat, _ = newStrategy(qc.Strategy, c)
	_, q.ringAll = q.strat.(ringAll)
	q.overflow, _ = ParseOverflow(qc.Overflow)
	q.waits = newSamples(c.cfg.EstimateSamples)
	q.handles = newSamples(c.cfg.EstimateSamples)
	n := stages(qc)
	var candidates []*agent
	if len(qc.Agents) > 0 {
		for _, id := range qc.Agents {
			candidates = append(candidates, c.agentBy[id])
		}
	} else {
		for _, a := range c.agents {
			if !a.retired && (a.cfg.Role == RoleAgent || a.cfg.Role == RoleTeamLeader) {
				candidates = append(candidates, a)
			}
		}
	}
	for _, a := range candidates {
		s := firstStage(qc, a.cfg.Skills)
		if s < 0 {
			continue
		}
		m := &member{a: a, q: q, stage: s, slot: make([]int, n)}
		for i := range m.slot {
			m.slot[i] = -1
		}
		q.members = append(q.members, m)
		a.members = append(a.members, m)
	}
	q.strat.rank(q.members)
	for i, m := range q.members {
		m.pos = i
	}
	for s := range n {
		q.pools = append(q.pools, q.strat.newPool(q, s))
		q.waiting = append(q.waiting, minHeap[*call]{
			less: (*call).before,
			at:   func(k *call, i int) { k.idx = i },
		})
	}
	for _, m := range q.members {
		if m.a.present() {
			q.present++
		}
		if m.a.free() {
			for s := m.stage; s < n; s++ {
				q.pools[s].add(m)
			}
		}
	}
	return q
}

// apply makes cfg (valid, defaults filled in) the running configuration.
// Every queue is rebuilt; what a queue of the same name had carries over:
// today's counts, the recent waits and handle times, its callers with their
// place and time waited, the offers ringing to agents who still serve it.
func (c *core) apply(cfg Config) {
	oldQueues := c.queueBy

	// Take every call out of the old queues' structures.
	var waiting, ringing, talking []*call
	parked := map[*call]bool{} // waiting out of the heaps (a callback's retry)
	for _, k := range c.calls {
		switch k.state {
		case callWaiting:
			waiting = append(waiting, k)
			parked[k] = k.idx < 0
			k.idx = -1 // its heap is dropped with the old queue
		case callRinging:
			ringing = append(ringing, k)
		case callTalking:
			talking = append(talking, k)
		}
	}
	sortCalls(waiting)
	sortCalls(ringing)
	for _, a := range c.agents {
		a.members = nil
	}

	// Agents: kept ones keep their state; new ones are logged out; removed
	// ones on a call retire after it, the others are logged out below.
	agents := make([]*agent, 0, len(cfg.Agents))
	agentBy := make(map[string]*agent, len(cfg.Agents))
	for _, ac := range cfg.Agents {
		a := c.agentBy[ac.ID]
		if a == nil {
			a = newAgent(ac, c.now)
		} else {
			a.configure(ac)
			a.retired = false
		}
		agents = append(agents, a)
		agentBy[ac.ID] = a
	}
	var gone []*agent
	c.retiring = c.retiring[:0]
	for _, a := range c.agents {
		switch {
		case agentBy[a.cfg.ID] != nil:
		case a.state == StateTalking || a.state == StateWrapUp:
			a.retired = true
			c.retiring = append(c.retiring, a)
			agents = append(agents, a)
			agentBy[a.cfg.ID] = a
		default:
			gone = append(gone, a)
		}
	}
	c.cfg, c.agents, c.agentBy = cfg, agents, agentBy

	// Queues.
	c.queues, c.queueBy = nil, make(map[string]*queue, len(cfg.Queues))
	for _, qc := range cfg.Queues {
		q := c.newQueue(qc)
		if old := oldQueues[qc.Name]; old != nil {
			q.stats = old.stats
			q.waits = resample(old.waits, cfg.EstimateSamples)
			q.handles = resample(old.handles, cfg.EstimateSamples)
			if old.cursor >= 0 && old.cursor < len(old.members) {
				if m := old.members[old.cursor].a.memberOf(q); m != nil {
					q.cursor = m.pos
				}
			}
		}
		c.queues = append(c.queues, q)
		c.queueBy[qc.Name] = q
	}
	for _, a := range c.agents {
		if a.workQ != nil {
			if q := c.queueBy[a.workQ.cfg.Name]; q != nil {
				a.workQ = q
			}
		}
	}
	for _, k := range talking {
		if q := c.queueBy[k.q.cfg.Name]; q != nil {
			k.q = q // its wrap-up time is the new one
		}
	}

	// Ringing calls: offers to agents who still serve the queue ring on.
	var removedQ []*call
	for _, k := range ringing {
		old := k.q
		q := c.queueBy[old.cfg.Name]
		if q == nil {
			c.withdrawAll(k)
			removedQ = append(removedQ, k)
			continue
		}
		k.q = q
		q.nRinging++
		c.rearm(k)
		for _, a := range slices.Clone(k.ringing) {
			if m := a.memberOf(q); m == nil || m.stage > k.stage || agentBy[a.cfg.ID] != a {
				c.dropOffer(k, a, "withdrawn")
				if agentBy[a.cfg.ID] == a {
					c.move(a, StateReady, "")
				}
			}
		}
		if len(k.ringing) == 0 {
			q.nRinging--
			k.state = callWaiting
			if k.expired {
				c.overflow(k, "max_wait")
				continue
			}
			c.wait(k)
			c.newCalls = append(c.newCalls, k)
		}
	}

	// Waiting calls keep their place; those of removed queues are sent on
	// after the others are back in line.
	for _, k := range waiting {
		q := c.queueBy[k.q.cfg.Name]
		if q == nil {
			removedQ = append(removedQ, k)
			continue
		}
		k.q = q
		c.rearm(k)
		if !parked[k] {
			c.wait(k)
			c.newCalls = append(c.newCalls, k)
		}
	}
	sortCalls(removedQ)
	for _, k := range removedQ {
		old := k.q
		o := old.overflow
		if o.Action == OverflowQueue && c.queueBy[o.Queue] == nil {
			o = Overflow{Action: OverflowGoodbye} // removed in the same change
			old.overflow = o
		}
		k.state = callWaiting
		if k.cb == nil {
			c.overflow(k, "removed")
			continue
		}
		// A callback request keeps its place: in the overflow queue if
		// there is one, else it is dropped (there is nobody on the line).
		if o.Action != OverflowQueue {
			c.log.Warn("acd: queue removed; dropping its callback request", "call_id", k.pub.ID, "queue", old.cfg.Name)
			c.forget(k)
			continue
		}
		k.q = c.queueBy[o.Queue]
		c.rearm(k)
		if !parked[k] {
			c.wait(k)
			c.newCalls = append(c.newCalls, k)
		}
	}

	// Removed agents who are not on a call leave now.
	for _, a := range gone {
		a.pending = nil
		if a.state == StateRinging && a.call != nil {
			c.dropOffer(a.call, a, "withdrawn")
		}
		if a.state == StateWrapUp {
			c.closeWork(a)
		}
		if a.state != StateLoggedOut {
			c.move(a, StateLoggedOut, "")
		}
		c.forgetAgent(a)
	}

	for _, q := range c.queues {
		if q.present == 0 && q.cfg.WhenEmpty == EmptyLeave && q.nWaiting > 0 {
			c.emptied.push(q)
		}
	}
}

// withdrawAll ends every offer of k (whose queue is going away); the agents
// still configured are ready again.
func (c *core) withdrawAll(k *call) {
	for _, a := range slices.Clone(k.ringing) {
		c.dropOffer(k, a, "withdrawn")
		if c.agentBy[a.cfg.ID] == a && !a.retired {
			c.move(a, StateReady, "")
		}
	}
	k.ringing = nil
}

// rearm fits k, waiting or ringing, to its (new) queue k.q: priority,
// widening stage from the time already waited, and the max-wait and widening
// timers, which are set again (the old ones see k.visit change and do
// nothing). k keeps its time queued, so nobody waits longer for a change.
func (c *core) rearm(k *call) {
	q := k.q
	k.pub.Queue = q.cfg.Name
	k.prio = k.pub.Priority + q.cfg.Priority
	k.stage = 0
	if n := len(q.waiting); n > 1 && q.cfg.WidenAfter > 0 {
		k.stage = min(int(c.now.Sub(k.queued)/q.cfg.WidenAfter), n-1)
	}
	k.visit++
	visit := k.visit
	if q.cfg.MaxWait > 0 {
		c.at(later(k.queued.Add(q.cfg.MaxWait), c.now), func() {
			switch {
			case k.gone || k.visit != visit:
			case k.state == callWaiting:
				c.overflow(k, "max_wait")
			case k.state == callRinging:
				k.expired = true // sent on if it comes back
			}
		})
	} else {
		k.expired = false
	}
	c.scheduleWiden(k)
}

func later(t, u time.Time) time.Time {
	if t.After(u) {
		return t
	}
	return u
}

// resample keeps the most recent of s's values in n places.
func resample(s samples, n int) samples {
	if cap(s.v) == n {
		return s
	}
	out := newSamples(n)
	if len(s.v) < cap(s.v) {
		for _, d := range s.v {
			out.add(d)
		}
		return out
	}
	for i := range s.v {
		out.add(s.v[(s.next+i)%len(s.v)])
	}
	return out
}

// forgetAgent drops a removed agent, and call memory of them.
func (c *core) forgetAgent(a *agent) {
	if c.agentBy[a.cfg.ID] == a {
		delete(c.agentBy, a.cfg.ID)
	}
	c.agents = slices.DeleteFunc(c.agents, func(x *agent) bool { return x == a })
	a.members = nil
	for caller, m := range c.memory {
		if m.agent == a {
			delete(c.memory, caller)
		}
	}
}

// reap lets agents removed while on a call go once their call work is over:
// ready or not ready after the call (and its wrap-up), or logged out.
func (c *core) reap() {
	if len(c.retiring) == 0 {
		return
	}
	keep := c.retiring[:0]
	for _, a := range c.retiring {
		switch a.state {
		case StateTalking, StateWrapUp:
			keep = append(keep, a)
			continue
		case StateReady, StateNotReady:
			a.pending = nil
			c.move(a, StateLoggedOut, "")
		}
		c.forgetAgent(a)
	}
	clear(c.retiring[len(keep):])
	c.retiring = keep
}
