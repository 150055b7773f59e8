package acd

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"tracecall/telephony"
)

// Config is the [acd] section of the config file: the queues and the agents
// who may serve them. The zero value has neither, and the ACD queues nothing.
type Config struct {
	Queues []QueueConfig `toml:"queues"`
	Agents []AgentConfig `toml:"agents"`
	// MaxTalk heals a stuck talking state: an agent still talking this long after
	// answering (the hangup was never reported) is moved on as if the call ended.
	// Default 4h.
	MaxTalk time.Duration `toml:"max_talk"`
	// EstimateSamples is how many recent answered calls per queue feed the
	// estimated wait (see the package doc). Default 20.
	EstimateSamples int `toml:"estimate_samples"`
	// Callback is how callers who pressed * to be called back are dialled
	// (see callback.go).
	Callback CallbackConfig `toml:"callback"`
}

// QueueConfig is one queue.
type QueueConfig struct {
	Name string `toml:"name"`
	// Strategy picks the agent among those free and skilled enough: one of
	// Strategies(). Default longest_idle.
	Strategy string `toml:"strategy"`
	// Agents lists the queue's members by id, in order (the order linear and
	// circular follow). Empty: every agent and team leader with the skills, in
	// the order of [[acd.agents]]. Duty managers and admins take calls only from
	// queues that list them.
	Agents []string `toml:"agents"`
	// Skills are the required skills and the minimum level (1–9) of each.
	Skills map[string]int `toml:"skills"`
	// WidenAfter and WidenStep relax the minimum levels: after each WidenAfter of
	// waiting, every minimum drops by WidenStep (default 1), never below 1. The
	// skill itself stays required. Zero WidenAfter: no widening.
	WidenAfter time.Duration `toml:"widen_after"`
	WidenStep  int           `toml:"widen_step"`
	// RingTimeout is how long an offer rings before the next agent. Default 20s.
	RingTimeout time.Duration `toml:"ring_timeout"`
	// MaxNoAnswer is how many offers in a row an agent may miss before being set
	// not ready with reason "no answer". Default 3.
	MaxNoAnswer int `toml:"max_no_answer"`
	// WrapUp is the after-call work time before the agent is offered the next
	// call. Zero: none.
	WrapUp time.Duration `toml:"wrap_up"`
	// MaxWait and MaxLength send callers on with the Overflow action when a
	// caller has waited this long, or when this many are already waiting. Zero:
	// no limit.
	MaxWait   time.Duration `toml:"max_wait"`
	MaxLength int           `toml:"max_length"`
	// Overflow is "queue NAME", "goodbye" (default) or "voicemail".
	Overflow string `toml:"overflow"`
	// WhenEmpty is what happens while no member is logged in (with a reachable
	// phone): "join" (default: callers join and wait), "refuse" (new callers are
	// sent on with the overflow action) or "leave" (as refuse, and callers waiting
	// when the last member logs out are sent on too).
	WhenEmpty string `toml:"when_empty"`
	// Priority is added to every caller's own priority: a VIP queue's callers go
	// before others' with agents who serve both.
	Priority int `toml:"priority"`
	// ServiceLevel is the answer time the service level counts against. Default 20s.
	ServiceLevel time.Duration `toml:"service_level"`
}

// AgentConfig is one agent.
type AgentConfig struct {
	ID   string `toml:"id"`
	Name string `toml:"name"`
	// Role is agent (default), team_leader, duty_manager or admin.
	Role Role `toml:"role"`
	// Extension is the phone the agent is offered calls on, as a telephony
	// address "driver:user" (e.g. "sim:8001", "sip:8001", "cti:3101").
	Extension string `toml:"extension"`
	// Skills maps a skill to the agent's level in it, 1–9.
	Skills map[string]int `toml:"skills"`
	// Priority orders agents for the priority strategy: higher first.
	Priority int `toml:"priority"`
}

// Role is an agent's seat type (DESIGN.md: 普通席, 班长席, 值班经理席).
type Role string

// Roles.
const (
	RoleAgent       Role = "agent"        // shares the call load
	RoleTeamLeader  Role = "team_leader"  // may share the load
	RoleDutyManager Role = "duty_manager" // takes no load unless a queue lists them
	RoleAdmin       Role = "admin"        // takes no load unless a queue lists them
)

// Strategy names, for QueueConfig.Strategy.
const (
	StrategyLinear         = "linear"          // first free agent in configured order
	StrategyCircular       = "circular"        // round robin, remembering the last agent per queue
	StrategyPriority       = "priority"        // highest agent priority first, then configured order
	StrategyFewestAnswered = "fewest_answered" // fewest calls answered today
	StrategyLongestIdle    = "longest_idle"    // longest since the last call (or login)
	StrategyCallMemory     = "call_memory"     // the agent who served this caller last, if free; else longest idle
	StrategyRingAll        = "ring_all"        // every free agent at once; the first to answer wins
	StrategyRandom         = "random"          // any free agent, at random
)

// Strategies returns the strategy names a queue may use.
func Strategies() []string {
	return []string{StrategyLinear, StrategyCircular, StrategyPriority, StrategyFewestAnswered,
		StrategyLongestIdle, StrategyCallMemory, StrategyRingAll, StrategyRandom}
}

// Overflow actions.
const (
	OverflowQueue     = "queue"
	OverflowGoodbye   = "goodbye"
	OverflowVoicemail = "voicemail"
)

// When-empty policies.
const (
	EmptyJoin   = "join"
	EmptyRefuse = "refuse"
	EmptyLeave  = "leave"
)

// Overflow is where a call goes when a queue sends it on.
type Overflow struct {
	Action string // OverflowQueue, OverflowGoodbye or OverflowVoicemail
	Queue  string // the target for OverflowQueue
}

func (o Overflow) String() string {
	if o.Action == OverflowQueue {
		return o.Action + " " + o.Queue
	}
	return o.Action
}

// ParseOverflow parses "queue NAME", "goodbye" or "voicemail"; "" is goodbye.
func ParseOverflow(s string) (Overflow, error) {
	f := strings.Fields(s)
	switch {
	case len(f) == 0:
		return Overflow{Action: OverflowGoodbye}, nil
	case len(f) == 1 && (f[0] == OverflowGoodbye || f[0] == OverflowVoicemail):
		return Overflow{Action: f[0]}, nil
	case len(f) == 2 && f[0] == OverflowQueue:
		return Overflow{Action: OverflowQueue, Queue: f[1]}, nil
	}
	return Overflow{}, fmt.Errorf("%q: want \"queue NAME\", \"goodbye\" or \"voicemail\"", s)
}

// Defaults.
const (
	defaultRingTimeout     = 20 * time.Second
	defaultMaxNoAnswer     = 3
	defaultServiceLevel    = 20 * time.Second
	defaultMaxTalk         = 4 * time.Hour
	defaultEstimateSamples = 20
)

func (c Config) withDefaults() Config {
	if c.MaxTalk == 0 {
		c.MaxTalk = defaultMaxTalk
	}
	if c.EstimateSamples == 0 {
		c.EstimateSamples = defaultEstimateSamples
	}
	c.Callback = c.Callback.withDefaults()
	qs := slices.Clone(c.Queues)
	for i := range qs {
		q := &qs[i]
		if q.Strategy == "" {
			q.Strategy = StrategyLongestIdle
		}
		if q.WidenAfter > 0 && q.WidenStep == 0 {
			q.WidenStep = 1
		}
		if q.RingTimeout == 0 {
			q.RingTimeout = defaultRingTimeout
		}
		if q.MaxNoAnswer == 0 {
			q.MaxNoAnswer = defaultMaxNoAnswer
		}
		if q.WhenEmpty == "" {
			q.WhenEmpty = EmptyJoin
		}
		if q.ServiceLevel == 0 {
			q.ServiceLevel = defaultServiceLevel
		}
	}
	c.Queues = qs
	as := slices.Clone(c.Agents)
	for i := range as {
		if as[i].Role == "" {
			as[i].Role = RoleAgent
		}
	}
	c.Agents = as
	return c
}

// Validate checks the config as New would take it (defaults applied). Errors
// name the key at fault, e.g. "acd.queues[1].skills.billing"; each is a
// *FieldError (FieldErrors lists them).
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, &FieldError{Key: "acd." + key, Msg: fmt.Sprintf(format, a...)}) // runtime.go
	}
	if c.MaxTalk < 0 {
		bad("max_talk", "must not be negative")
	}
	if c.EstimateSamples < 0 || c.EstimateSamples > 1000 {
		bad("estimate_samples", "%d: want 1..1000", c.EstimateSamples)
	}
	errs = append(errs, c.Callback.validate()...)
	agents := map[string]AgentConfig{}
	for i, a := range c.Agents {
		key := fmt.Sprintf("agents[%d]", i)
		switch {
		case a.ID == "":
			bad(key+".id", "empty")
		case agents[a.ID].ID != "":
			bad(key+".id", "%q appears twice", a.ID)
		default:
			agents[a.ID] = a
		}
		if !slices.Contains([]Role{RoleAgent, RoleTeamLeader, RoleDutyManager, RoleAdmin}, a.Role) {
			bad(key+".role", "%q: want agent, team_leader, duty_manager or admin", a.Role)
		}
		if _, err := telephony.ParseAddress(a.Extension); err != nil {
			bad(key+".extension", "%q: want driver:user, e.g. sim:8001", a.Extension)
		}
		for _, k := range sortedKeys(a.Skills) {
			if l := a.Skills[k]; l < 1 || l > 9 {
				bad(key+".skills."+k, "level %d: want 1..9", l)
			}
		}
	}
	queues := map[string]bool{}
	for _, q := range c.Queues {
		queues[q.Name] = true
	}
	seen := map[string]bool{}
	for i, q := range c.Queues {
		key := fmt.Sprintf("queues[%d]", i)
		switch {
		case q.Name == "":
			bad(key+".name", "empty")
		case strings.ContainsAny(q.Name, " \t"):
			bad(key+".name", "%q: no spaces", q.Name)
		case seen[q.Name]:
			bad(key+".name", "%q appears twice", q.Name)
		}
		seen[q.Name] = true
		if !slices.Contains(Strategies(), q.Strategy) {
			bad(key+".strategy", "%q: want one of %s", q.Strategy, strings.Join(Strategies(), ", "))
		}
		for _, k := range sortedKeys(q.Skills) {
			if l := q.Skills[k]; l < 1 || l > 9 {
				bad(key+".skills."+k, "level %d: want 1..9", l)
			}
		}
		if q.WidenAfter < 0 {
			bad(key+".widen_after", "must not be negative")
		}
		if q.WidenStep < 0 || q.WidenStep > 8 {
			bad(key+".widen_step", "%d: want 1..8", q.WidenStep)
		}
		if q.RingTimeout < 0 {
			bad(key+".ring_timeout", "must not be negative")
		}
		if q.MaxNoAnswer < 0 {
			bad(key+".max_no_answer", "must not be negative")
		}
		if q.WrapUp < 0 {
			bad(key+".wrap_up", "must not be negative")
		}
		if q.MaxWait < 0 {
			bad(key+".max_wait", "must not be negative")
		}
		if q.MaxLength < 0 {
			bad(key+".max_length", "must not be negative")
		}
		if q.ServiceLevel < 0 {
			bad(key+".service_level", "must not be negative")
		}
		if o, err := ParseOverflow(q.Overflow); err != nil {
			bad(key+".overflow", "%v", err)
		} else if o.Action == OverflowQueue && !queues[o.Queue] {
			bad(key+".overflow", "no queue %q", o.Queue)
		} else if o.Action == OverflowQueue && o.Queue == q.Name {
			bad(key+".overflow", "queue %q overflows to itself", q.Name)
		}
		if !slices.Contains([]string{EmptyJoin, EmptyRefuse, EmptyLeave}, q.WhenEmpty) {
			bad(key+".when_empty", "%q: want join, refuse or leave", q.WhenEmpty)
		}
		members := map[string]bool{}
		for j, id := range q.Agents {
			akey := fmt.Sprintf("%s.agents[%d]", key, j)
			a, ok := agents[id]
			switch {
			case !ok:
				bad(akey, "no agent %q", id)
			case members[id]:
				bad(akey, "%q appears twice", id)
			case firstStage(q, a.Skills) < 0:
				bad(akey, "agent %q lacks the queue's skills even fully widened", id)
			}
			members[id] = true
		}
	}
	return errors.Join(errs...)
}

// stages is how many widening stages a queue has: stage s lowers every minimum
// level by s·WidenStep (never below 1). A queue without widening has one.
func stages(q QueueConfig) int {
	if q.WidenAfter <= 0 || q.WidenStep <= 0 {
		return 1
	}
	top := 1
	for _, l := range q.Skills {
		top = max(top, l)
	}
	return 1 + (top-1+q.WidenStep-1)/q.WidenStep
}

// firstStage is the lowest widening stage at which an agent with these skills
// qualifies for q, or -1 if none.
func firstStage(q QueueConfig, skills map[string]int) int {
	n := stages(q)
	s := 0
	for k, need := range q.Skills {
		have := skills[k]
		switch {
		case have <= 0:
			return -1
		case have >= need:
			continue
		case n == 1:
			return -1
		}
		s = max(s, (need-have+q.WidenStep-1)/q.WidenStep)
	}
	if s >= n {
		return -1
	}
	return s
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
