package ivr

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"tracecall/ivr/tts"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// Deps are what the IVR needs from the rest of the daemon.
type Deps struct {
	Chains       trace.Source  // where trace codes are looked up
	TraceOptions trace.Options // how keyed codes are validated
	Speaker      tts.Speaker   // renders prompts
	Events       *event.Client // publishes every step
	Log          *slog.Logger
	Location     *time.Location // for dates read back; default Asia/Shanghai
	Language     string         // default language when a route names none
	Queues       Queues         // the ACD, for queue nodes' announcements
	Board        Board          // takes queue nodes' callers to agents
	Callbacks    Callbacks      // takes callback requests (* on hold); nil: * does nothing
	AgentStates  AgentStates    // the ACD, for agent_state nodes (feature codes)
	Customers    Customers      // caller priority (VIP) for queue nodes; nil: every caller 0
}

// IVR serves legs with the configured flows. It is a telephony.Handler.
type IVR struct {
	cfg    Config
	deps   Deps
	routes map[string]Route
}

// New checks cfg and returns an IVR.
func New(cfg Config, deps Deps) (*IVR, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Speaker == nil || deps.Chains == nil || deps.Events == nil {
		return nil, errors.New("ivr: speaker, chains and events are required")
	}
	if deps.Log == nil {
		deps.Log = slog.New(slog.DiscardHandler)
	}
	if deps.Location == nil {
		deps.Location = time.FixedZone("CST", 8*3600)
	}
	if deps.Language == "" {
		deps.Language = "zh"
	}
	v := &IVR{cfg: cfg, deps: deps, routes: make(map[string]Route)}
	for _, r := range cfg.Routes {
		for _, n := range r.Numbers {
			v.routes[n] = r
		}
	}
	return v, nil
}

// Routes reports whether a dialled number reaches a flow.
func (v *IVR) Routes(number string) bool { _, ok := v.routes[number]; return ok }

// Warm renders every fixed prompt of every language in the background, so the
// first caller hears no render delay.
func (v *IVR) Warm(ctx context.Context) {
	type warmer interface {
		Warm(ctx context.Context, lang string, texts []string)
	}
	w, ok := v.deps.Speaker.(warmer)
	if !ok {
		return
	}
	for lang, ps := range v.cfg.Prompts {
		var texts []string
		for _, t := range ps {
			if !containsPlaceholder(t) {
				texts = append(texts, t)
			}
		}
		go w.Warm(ctx, lang, texts)
	}
}

func containsPlaceholder(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '{' {
			return true
		}
	}
	return false
}

// ServeLeg answers a leg whose dialled number has a route and runs its flow. A
// number with no route is refused without answering.
func (v *IVR) ServeLeg(ctx context.Context, l telephony.Leg) {
	info := l.Info()
	log := v.deps.Log.With("call_id", info.CallID, "line", info.Line)
	route, ok := v.routes[info.To]
	if !ok {
		log.Info("no route for dialled number", "dnis", info.To)
		_ = l.Hangup(ctx, telephony.CauseNoRoute)
		return
	}
	if err := l.Answer(ctx); err != nil {
		log.Info("answer failed", "err", err)
		return
	}
	s, err := telephony.NewSession(l, v.deps.Events, log)
	if err != nil {
		log.Error("ivr session", "err", err)
		_ = l.Hangup(ctx, telephony.CauseMediaError)
		return
	}
	lang := route.Language
	if lang == "" {
		lang = v.deps.Language
	}
	r := &run{v: v, s: s, info: info, log: log, flowName: route.Flow, flow: v.cfg.Flows[route.Flow], lang: lang}
	// The leg's context ends at hangup; ctx at shutdown. Either ends the flow.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(l.Context(), cancel)
	defer stop()
	r.exec(ctx)
	if err := l.Hangup(context.WithoutCancel(ctx), telephony.CauseNormal); err != nil {
		log.Debug("hangup", "err", err)
	}
	<-s.Done()
}

// publish stamps an event with the call and the time.
func (r *run) base() event.Base { return event.Base{CallID: r.info.CallID, At: time.Now()} }

// errHangup ends a flow: the caller hung up or the daemon is stopping.
var errHangup = errors.New("ivr: call ended")

// maxSteps bounds a flow that loops on itself without the caller.
const maxSteps = 500

// run is one call going through a flow.
type run struct {
	v        *IVR
	s        *telephony.Session
	info     telephony.LegInfo
	log      *slog.Logger
	flowName string
	flow     Flow
	lang     string
	chain    *trace.Chain // the last chain found, for repeat and certificates
}

func (r *run) exec(ctx context.Context) {
	name := r.flow.Start
	for range maxSteps {
		n := r.flow.Nodes[name]
		r.v.deps.Events.Publish(event.IVRStep{Base: r.base(), Flow: r.flowName, Node: name, Type: n.Type, Lang: r.lang})
		next, err := r.node(ctx, name, n)
		if err != nil {
			if !errors.Is(err, errHangup) && ctx.Err() == nil {
				r.log.Error("ivr node failed", "node", name, "err", err)
			}
			return
		}
		if next == "" {
			return
		}
		name = next
	}
	r.log.Warn("ivr flow ran too many steps", "flow", r.flowName)
}

func (r *run) node(ctx context.Context, name string, n Node) (string, error) {
	switch n.Type {
	case NodeMenu:
		return r.menu(ctx, name, n)
	case NodeLanguage:
		r.lang = n.Language
		return n.Next, nil
	case NodeSay:
		return n.Next, r.prompt(ctx, n.Prompt, nil, true)
	case NodeTraceQuery:
		return r.query(ctx, name, n)
	case NodeTraceRead:
		if r.chain == nil {
			return n.Next, nil
		}
		return n.Next, r.readChain(ctx, *r.chain)
	case NodeCertificates:
		return n.Next, r.readCertificates(ctx)
	case NodeQueue:
		return r.queue(ctx, n)
	case NodeAgentState:
		return r.agentState(ctx, n)
	case NodeHangup:
		if n.Prompt != "" {
			if err := r.prompt(ctx, n.Prompt, nil, false); err != nil {
				return "", err
			}
		}
		return "", nil
	}
	return "", fmt.Errorf("ivr: node %q: unknown type %q", name, n.Type)
}

// menu plays the menu's prompt and takes one key; silence repeats it, then the
// timeout node runs.
func (r *run) menu(ctx context.Context, name string, n Node) (string, error) {
	for attempt := 0; attempt <= r.v.cfg.MenuRepeats; attempt++ {
		if err := r.prompt(ctx, n.Prompt, nil, true); err != nil {
			return "", err
		}
		d, ok, err := r.key(ctx, r.v.cfg.MenuTimeout)
		if err != nil {
			return "", err
		}
		if !ok {
			continue
		}
		key := string(d.Key)
		r.v.deps.Events.Publish(event.DigitsCollected{Base: r.base(), Node: name, Value: key})
		if to, ok := n.Options[key]; ok {
			return to, nil
		}
		if err := r.prompt(ctx, "invalid_key", nil, true); err != nil {
			return "", err
		}
	}
	return n.Timeout, nil
}

// key waits up to timeout for one key.
func (r *run) key(ctx context.Context, timeout time.Duration) (telephony.Digit, bool, error) {
	// Keys typed ahead are taken without a timer: a caller keying a code
	// during the welcome has all of it waiting.
	select {
	case d := <-r.s.Digits():
		return d, true, nil
	default:
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case d := <-r.s.Digits():
		return d, true, nil
	case <-t.C:
		return telephony.Digit{}, false, nil
	case <-r.s.Done():
		return telephony.Digit{}, false, errHangup
	case <-ctx.Done():
		return telephony.Digit{}, false, errHangup
	}
}

// prompt says a fixed prompt by name, filled with vars.
func (r *run) prompt(ctx context.Context, name string, vars map[string]string, bargeIn bool) error {
	tmpl, ok := r.v.cfg.Prompts[r.lang][name]
	if !ok {
		return fmt.Errorf("ivr: prompt %q missing for language %q", name, r.lang)
	}
	text := fill(tmpl, vars)
	r.v.deps.Events.Publish(event.Said{Base: r.base(), Lang: r.lang, Prompt: name, Text: text})
	var clip *tts.Clip
	var err error
	if len(vars) == 0 {
		clip, err = r.v.deps.Speaker.Prompt(ctx, r.lang, name, text)
	} else {
		clip, err = r.v.deps.Speaker.Say(ctx, r.lang, text)
	}
	if err != nil {
		return r.renderFailed(ctx, err)
	}
	return r.play(ctx, clip, bargeIn)
}

// renderFailed keeps the call alive when TTS fails: the failure is logged and the
// caller hears a short silence instead of the phrase.
func (r *run) renderFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errHangup
	}
	r.log.Error("tts render failed", "err", err)
	return nil
}

func (r *run) play(ctx context.Context, src telephony.Source, bargeIn bool) error {
	if _, err := r.s.Play(ctx, src, bargeIn); err != nil {
		return errHangup
	}
	return nil
}
