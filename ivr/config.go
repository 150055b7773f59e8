package ivr

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"tracecall/config"
)

// Config is the [ivr] section of the config file. The zero value has no routes and
// no flows: the appliance answers nothing until it is configured.
type Config struct {
	MenuTimeout       time.Duration `toml:"menu_timeout"`
	FirstDigitTimeout time.Duration `toml:"first_digit_timeout"`
	InterDigitTimeout time.Duration `toml:"inter_digit_timeout"`
	MenuRepeats       int           `toml:"menu_repeats"`
	CodeTries         int           `toml:"code_tries"`
	// AnnounceEvery is how often a queued caller hears their position (and
	// the estimated wait); default 30 s.
	AnnounceEvery time.Duration      `toml:"announce_every"`
	Routes        []Route            `toml:"routes"`
	Flows         map[string]Flow    `toml:"flows"`
	Prompts       map[string]Prompts `toml:"prompts"`
}

// Route sends calls to the listed dialled numbers to a flow.
type Route struct {
	Numbers  []string `toml:"numbers"`
	Flow     string   `toml:"flow"`
	Language string   `toml:"language"`
	// Private keeps the numbers from callers whose driver cannot vouch for
	// who they are (DialPlan): a SIP caller must be an authenticated,
	// registered phone or come from a trusted peer. A route to a flow with
	// an agent_state node (feature codes) is private whatever this says.
	Private bool `toml:"private"`
}

// Flow is a named set of nodes with a start node.
type Flow struct {
	Start string          `toml:"start"`
	Nodes map[string]Node `toml:"nodes"`
}

// Node is one step of a flow. Which fields matter depends on Type.
type Node struct {
	Type     string            `toml:"type"`
	Prompt   string            `toml:"prompt"`
	Options  map[string]string `toml:"options"`
	Timeout  string            `toml:"timeout"`
	Next     string            `toml:"next"`
	Language string            `toml:"language"`
	Found    string            `toml:"found"`
	Fail     string            `toml:"fail"`
	Back     string            `toml:"back"`
	// Queue nodes: the ACD queue, the hold music (melody or ringback) and the
	// prompts announcing the position ({position}) and the estimated wait
	// ({position}, {wait}). Next runs when the queue sends the call on.
	Queue    string `toml:"queue"`
	Music    string `toml:"music"`
	Position string `toml:"position"`
	Estimate string `toml:"estimate"`
	// Queue nodes: with Callback set, * while on hold offers a callback: the
	// Callback prompt ({tail}: the caller's number's last digits) asks to
	// confirm with 1, CallbackDone is said once the request is taken, and
	// CallbackUnavailable instead of both to a caller whose number no
	// network asserts (telephony.LegInfo.FromAsserted), who holds on.
	Callback            string `toml:"callback"`
	CallbackDone        string `toml:"callback_done"`
	CallbackUnavailable string `toml:"callback_unavailable"`
	// Agent state nodes (feature codes dialled from an agent's phone): the
	// Action applied to the phone's agent, the Reason for not_ready; Prompt
	// is said when it worked (callback.go, agent_state.go).
	Action string `toml:"action"`
	Reason string `toml:"reason"`
}

// Prompts maps a prompt name to its text template for one language.
type Prompts map[string]string

// Node types.
const (
	NodeMenu         = "menu"
	NodeLanguage     = "language"
	NodeSay          = "say"
	NodeTraceQuery   = "trace_query"
	NodeTraceRead    = "trace_read"
	NodeCertificates = "trace_certificates"
	NodeHangup       = "hangup"
	NodeQueue        = "queue"
	NodeAgentState   = "agent_state"
)

// requiredPrompts are used by the trace nodes whatever the flow says.
var requiredPrompts = []string{
	"code_cleared", "no_input", "invalid_key", "too_short", "too_long", "bad_check_digit",
	"bad_code", "entered", "not_found", "too_many_tries", "lookup_failed", "read_confirm",
	"read_sale", "read_retail_entry", "read_wholesale", "read_test", "read_slaughter",
	"read_origin", "read_farm", "missing_retail", "missing_wholesale", "missing_slaughter",
	"missing_origin", "failed_result", "certificate", "no_certificates",
}

func (c Config) withDefaults() Config {
	if c.MenuTimeout == 0 {
		c.MenuTimeout = 6 * time.Second
	}
	if c.FirstDigitTimeout == 0 {
		c.FirstDigitTimeout = 10 * time.Second
	}
	if c.InterDigitTimeout == 0 {
		c.InterDigitTimeout = 5 * time.Second
	}
	if c.MenuRepeats == 0 {
		c.MenuRepeats = 2
	}
	if c.CodeTries == 0 {
		c.CodeTries = 3
	}
	if c.AnnounceEvery == 0 {
		c.AnnounceEvery = 30 * time.Second
	}
	return c
}

// Validate checks that every route names a flow, every node's links name nodes of
// its flow, and every prompt a node or the trace readout needs exists in every
// language. Errors name the config key at fault.
func (c Config) Validate() error {
	problems := config.Problems{Section: "ivr"}
	if c.MenuRepeats < 0 {
		problems.Add("menu_repeats", "must not be negative")
	}
	if c.CodeTries < 0 {
		problems.Add("code_tries", "must not be negative")
	}
	if c.AnnounceEvery < 0 {
		problems.Add("announce_every", "must not be negative")
	}
	langs := make([]string, 0, len(c.Prompts))
	for l := range c.Prompts {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	seen := map[string]bool{}
	for i, r := range c.Routes {
		key := fmt.Sprintf("routes[%d]", i)
		if len(r.Numbers) == 0 {
			problems.Add(key+".numbers", "empty")
		}
		for _, n := range r.Numbers {
			if seen[n] {
				problems.Add(key+".numbers", "%q is routed twice", n)
			}
			seen[n] = true
		}
		if _, ok := c.Flows[r.Flow]; !ok {
			problems.Add(key+".flow", "no flow %q", r.Flow)
		}
		if r.Language != "" && c.Prompts[r.Language] == nil {
			problems.Add(key+".language", "no prompts for language %q", r.Language)
		}
	}
	needPrompt := func(key, name string) {
		for _, l := range langs {
			if _, ok := c.Prompts[l][name]; !ok {
				problems.Add(key, "prompt %q missing from ivr.prompts.%s", name, l)
			}
		}
	}
	usesTrace, usesAgentState := false, false
	for fname, f := range c.Flows {
		fkey := "flows." + fname
		if _, ok := f.Nodes[f.Start]; !ok {
			problems.Add(fkey+".start", "no node %q", f.Start)
		}
		link := func(key, to string, required bool) {
			if to == "" {
				if required {
					problems.Add(key, "missing")
				}
				return
			}
			if _, ok := f.Nodes[to]; !ok {
				problems.Add(key, "no node %q in flow %q", to, fname)
			}
		}
		for nname, n := range f.Nodes {
			nkey := fkey + ".nodes." + nname
			switch n.Type {
			case NodeMenu:
				needPrompt(nkey+".prompt", n.Prompt)
				if len(n.Options) == 0 {
					problems.Add(nkey+".options", "a menu needs at least one option")
				}
				for k, to := range n.Options {
					if len(k) != 1 || !strings.Contains("0123456789*#", k) {
						problems.Add(nkey+".options", "key %q: want one of 0-9 * #", k)
					}
					link(nkey+".options."+k, to, true)
				}
				link(nkey+".timeout", n.Timeout, false)
			case NodeLanguage:
				if c.Prompts[n.Language] == nil {
					problems.Add(nkey+".language", "no prompts for language %q", n.Language)
				}
				link(nkey+".next", n.Next, true)
			case NodeSay:
				needPrompt(nkey+".prompt", n.Prompt)
				link(nkey+".next", n.Next, true)
			case NodeTraceQuery:
				usesTrace = true
				needPrompt(nkey+".prompt", n.Prompt)
				link(nkey+".found", n.Found, true)
				link(nkey+".fail", n.Fail, false)
				link(nkey+".back", n.Back, false)
			case NodeTraceRead, NodeCertificates:
				usesTrace = true
				link(nkey+".next", n.Next, true)
			case NodeQueue:
				if n.Queue == "" {
					problems.Add(nkey+".queue", "missing")
				}
				if n.Music != "" && n.Music != MusicMelody && n.Music != MusicRingback {
					problems.Add(nkey+".music", "%q: want %s or %s", n.Music, MusicMelody, MusicRingback)
				}
				if n.Callback != "" && n.CallbackDone == "" {
					problems.Add(nkey+".callback_done", "missing: the prompt said once a callback is taken")
				}
				if n.Callback != "" && n.CallbackUnavailable == "" {
					problems.Add(nkey+".callback_unavailable", "missing: the prompt said when the caller's number cannot be called back (not one the network vouches for)")
				}
				for field, p := range map[string]string{"prompt": n.Prompt, "position": n.Position, "estimate": n.Estimate,
					"callback": n.Callback, "callback_done": n.CallbackDone, "callback_unavailable": n.CallbackUnavailable} {
					if p != "" {
						needPrompt(nkey+"."+field, p)
					}
				}
				link(nkey+".next", n.Next, false)
			case NodeAgentState:
				usesAgentState = true
				validateAgentState(n, nkey, problems.Add, needPrompt)
				link(nkey+".next", n.Next, false)
			case NodeHangup:
				if n.Prompt != "" {
					needPrompt(nkey+".prompt", n.Prompt)
				}
			default:
				problems.Add(nkey+".type", "unknown node type %q", n.Type)
			}
		}
	}
	if usesTrace {
		for _, p := range requiredPrompts {
			needPrompt("prompts", p)
		}
	}
	if usesAgentState {
		for _, p := range agentStatePrompts {
			needPrompt("prompts", p)
		}
	}
	return problems.Err()
}

// QueueNodes returns the queues the flows' queue nodes name, by "flow.node".
func (c Config) QueueNodes() map[string]string {
	out := map[string]string{}
	for fname, f := range c.Flows {
		for nname, n := range f.Nodes {
			if n.Type == NodeQueue {
				out[fname+"."+nname] = n.Queue
			}
		}
	}
	return out
}

// Languages returns the languages that have prompts, sorted.
func (c Config) Languages() []string {
	out := make([]string, 0, len(c.Prompts))
	for l := range c.Prompts {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// fill replaces {name} placeholders in tmpl with vars; unknown ones stay as written.
func fill(tmpl string, vars map[string]string) string {
	if !strings.Contains(tmpl, "{") {
		return tmpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		name := tmpl[i+1 : i+j]
		b.WriteString(tmpl[:i])
		if v, ok := vars[name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString(tmpl[i : i+j+1])
		}
		tmpl = tmpl[i+j+1:]
	}
}
