package screenpop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"tracecall/crm"
	"tracecall/store"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// Limits of the pop.
const (
	popRecent = 5 // earlier calls shown
	// popHistory is how far back the earlier calls are looked for.
	popHistory = 365 * 24 * time.Hour
	// popWorkers is how many pops are composed at once; each is a few store
	// reads, so more only contend for the two cores.
	popWorkers = 4
	// popQueue is how many desk events may wait for the composer before the
	// bus cuts it off (it then subscribes again, and says so).
	popQueue = 4096
)

// Deps are what a Composer reads and where it publishes.
type Deps struct {
	Store        *store.DB      // required: call records, chains, recent calls
	Customers    *crm.Book      // required: the caller as a customer
	Bus          *event.Bus     // required: offers in, pops out
	TraceOptions trace.Options  // how codes are parsed, as the IVR does
	Location     *time.Location // the zone of the recent calls' times; nil: UTC
	Log          *slog.Logger   // nil: discarded
}

// Composer turns the ACD's offers into pops, off every hot path: it is its
// own bus subscriber, and composes in its own goroutines, so the IVR and the
// ACD never wait for it. It also keeps each agent's state and current call,
// for a desktop that (re)loads mid-call.
type Composer struct {
	db    *store.DB
	book  *crm.Book
	topts trace.Options
	loc   *time.Location
	log   *slog.Logger
	bus   *event.Bus
	pub   *event.Client
	sub   *event.Subscriber[event.Event]
	sem   chan struct{}
	wg    sync.WaitGroup // composing goroutines

	// mu guards agents, calls and rounds.
	mu     sync.Mutex
	agents map[string]AgentState
	calls  map[string]AgentCall // by agent
	// rounds shares one composition among the offers of one round (ring-all
	// offers a call to every free agent at once, under one time): the pop is
	// the same but for its agent. Dropped when the call is taken or ends.
	rounds map[popRound]*sharedPop
}

// popRound is one round of offers of a call.
type popRound struct {
	call event.CallID
	at   time.Time
}

// sharedPop is a round's pop, composed by the first of its offers to get a
// worker; it is not changed after.
type sharedPop struct {
	once sync.Once
	pop  Pop
}

// New returns a Composer subscribed to d.Bus; Start runs it.
func New(d Deps) *Composer {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	p := &Composer{
		db: d.Store, book: d.Customers, topts: d.TraceOptions, loc: d.Location, log: d.Log.With("component", "screenpop"),
		bus: d.Bus, pub: d.Bus.Client("screenpop"), sem: make(chan struct{}, popWorkers),
		agents: make(map[string]AgentState), calls: make(map[string]AgentCall), rounds: make(map[popRound]*sharedPop),
	}
	p.sub = p.subscribe()
	return p
}

// subscribe follows the events the desktop's state needs.
func (p *Composer) subscribe() *event.Subscriber[event.Event] {
	return event.Subscribe[event.Event](p.bus.Client("screenpop"), event.WithQueue(popQueue),
		event.WithFilter(func(e event.Event) bool {
			switch e.(type) {
			case event.CallOffered, event.CallOfferMissed, event.CallTaken, event.CallEnded, event.AgentStateChanged:
				return true
			}
			return false
		}))
}

// Start runs the Composer until ctx ends; the function it returns stops it
// and waits for the pops being composed. It also completes the store's
// caller index in the background (once per store), which makes the
// caller's recent calls a few reads instead of a walk through the records.
func (p *Composer) Start(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.run(ctx)
	}()
	p.wg.Go(func() {
		if err := p.db.IndexCallers(ctx); err != nil && ctx.Err() == nil {
			p.log.Error("indexing callers for the screen pop", "err", err)
		}
	})
	return func() {
		cancel()
		<-done
		p.wg.Wait()
	}
}

func (p *Composer) run(ctx context.Context) {
	defer func() { p.sub.Close() }()
	for {
		select {
		case e := <-p.sub.Events():
			p.apply(ctx, e)
		case <-p.sub.Done():
			if ctx.Err() != nil {
				return
			}
			// Cut off: pops for the offers missed meanwhile are lost, the
			// next ones are not.
			p.log.Error("screen pops fell behind the bus; subscribing again", "err", p.sub.Err())
			p.sub = p.subscribe()
		case <-ctx.Done():
			return
		}
	}
}

// apply follows one event; an offer starts composing its pop.
func (p *Composer) apply(ctx context.Context, e event.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := e.(type) {
	case event.AgentStateChanged:
		p.agents[e.Agent] = AgentState{State: e.State, Reason: e.Reason, Since: e.At, Reachable: e.Reachable}
	case event.CallOffered:
		p.calls[e.Agent] = AgentCall{ID: e.CallID, State: Ringing}
		r := popRound{e.CallID, e.At}
		shared := p.rounds[r]
		if shared == nil {
			shared = &sharedPop{}
			p.rounds[r] = shared
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			select {
			case p.sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-p.sem }()
			shared.once.Do(func() { shared.pop = p.compose(e) })
			pop := shared.pop
			pop.Agent = e.Agent
			p.deliver(pop)
		}()
	case event.CallOfferMissed:
		if c, ok := p.calls[e.Agent]; ok && c.ID == e.CallID && c.State == Ringing {
			delete(p.calls, e.Agent)
		}
	case event.CallTaken:
		p.forgetRounds(e.CallID)
		if c, ok := p.calls[e.Agent]; ok && c.ID == e.CallID {
			c.State = Talking
			p.calls[e.Agent] = c
		}
	case event.CallEnded:
		p.forgetRounds(e.CallID)
		for a, c := range p.calls {
			if c.ID == e.CallID {
				c.State = Ended
				p.calls[a] = c
			}
		}
	}
}

// forgetRounds drops the shared pops of call id; p.mu is held.
func (p *Composer) forgetRounds(id event.CallID) {
	for r := range p.rounds {
		if r.call == id {
			delete(p.rounds, r)
		}
	}
}

// deliver publishes pop unless the offer it is for is over (missed, or
// another call offered since): a late card would only confuse.
func (p *Composer) deliver(pop Pop) {
	p.mu.Lock()
	c, ok := p.calls[pop.Agent]
	current := ok && c.ID == pop.CallID
	if current {
		c.Pop = &pop
		p.calls[pop.Agent] = c
	}
	p.mu.Unlock()
	if !current {
		p.log.Debug("pop for an offer already over", "call_id", pop.CallID, "agent", pop.Agent)
		return
	}
	p.pub.Publish(pop)
}

// Current returns agent's state (known false: no change seen since the
// Composer started, which the desktop shows as logged out) and the call they
// were last offered, with its pop once composed.
func (p *Composer) Current(agent string) (state AgentState, known bool, call AgentCall) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.agents[agent]
	return a, ok, p.calls[agent]
}

// OfferedTo reports whether call id is the one agent was last offered.
func (p *Composer) OfferedTo(agent, id string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	c, ok := p.calls[agent]
	return ok && string(c.ID) == id
}

// compose builds the pop for offer o from the store. A failed lookup leaves
// its part empty and is logged: the agent gets the rest at once.
func (p *Composer) compose(o event.CallOffered) Pop {
	log := p.log.With("call_id", o.CallID, "agent", o.Agent)
	pop := Pop{
		Base: o.Base, Agent: o.Agent, Queue: o.Queue, Caller: o.Caller, Called: o.Called,
		IVRFlow: o.Data["ivr_flow"], TraceCode: o.Data["trace_code"], TransferredBy: o.Data["transferred_by"],
		Data: o.Data, OfferedAt: o.At, IVRPath: []string{}, Codes: []Code{}, Recent: []Call{},
	}
	rec, ok, err := p.db.Call(string(o.CallID))
	if err != nil {
		log.Warn("pop: call record", "err", err)
	}
	if ok {
		pop.IVRPath = append(pop.IVRPath, rec.IVRPath...)
		if pop.Called == "" {
			pop.Called = rec.Called
		}
	}
	if c, known, err := p.book.Lookup(o.Caller); err != nil {
		log.Warn("pop: customer", "err", err)
	} else if known {
		pop.Customer = &c
	}
	pop.Codes = p.codes(log, rec.Codes, pop.TraceCode)
	recent, err := p.db.CallsByCaller(o.Caller, popRecent, time.Now().Add(-popHistory), string(o.CallID))
	if err != nil {
		log.Warn("pop: recent calls", "err", err)
	}
	for _, r := range recent {
		pop.Recent = append(pop.Recent, Call{
			ID: r.ID, Start: r.Start.In(p.loc).Format("2006-01-02 15:04"), Disposition: disposition(r),
			Duration: r.Duration, Queue: r.Queue, Agent: r.Agent, Codes: r.Codes, Notes: r.Notes,
		})
	}
	pop.ComposedAt = time.Now()
	return pop
}

// codes are the codes keyed in the call, each once (its last result), with
// the chains of those found; the IVR's trace code is added when the record
// does not have it yet.
func (p *Composer) codes(log *slog.Logger, keyed []store.CodeLookup, traceCode string) []Code {
	out := []Code{}
	at := map[string]int{}
	for _, k := range keyed {
		pc := Code{Code: k.Code, Result: k.Result, Reason: k.Reason, At: k.At}
		if i, ok := at[k.Code]; ok {
			out[i] = pc
			continue
		}
		at[k.Code] = len(out)
		out = append(out, pc)
	}
	if _, ok := at[traceCode]; traceCode != "" && !ok {
		out = append(out, Code{Code: traceCode, Result: "found"})
	}
	for i := range out {
		if out[i].Result != "found" {
			continue
		}
		chain, err := lookupChain(p.db, out[i].Code, p.topts)
		switch {
		case errors.Is(err, trace.ErrNotFound):
			out[i].Result = "not_found"
		case err != nil:
			log.Warn("pop: trace chain", "code", out[i].Code, "err", err)
		default:
			out[i].Chain = &chain
		}
	}
	return out
}

// lookupChain finds the chain of a code as GET /api/trace/{code} (web's
// handleTrace) does: the
// chain's own code first, then the chains that carry it as a batch code,
// voucher or certificate number. It returns trace.ErrNotFound when none has
// it, and a *trace.CodeError for a malformed code.
func lookupChain(db *store.DB, raw string, o trace.Options) (trace.Chain, error) {
	chain, code, err := trace.Lookup(db, raw, "", o)
	if !errors.Is(err, trace.ErrNotFound) {
		return chain, err
	}
	var codes []string
	if code.Kind == trace.KindCertificate {
		codes, err = db.CodesByCert(code.Value)
	} else {
		codes, err = db.CodesByRef(code.Value)
	}
	if err != nil {
		return trace.Chain{}, fmt.Errorf("screenpop: trace reference lookup: %w", err)
	}
	for _, c := range codes {
		chain, ok, err := db.Chain(c)
		if err != nil {
			return trace.Chain{}, fmt.Errorf("screenpop: trace lookup: %w", err)
		}
		if ok {
			return chain, nil
		}
	}
	return trace.Chain{}, trace.ErrNotFound
}

// disposition is r's disposition as the call records page names it (web's
// dispositionOf): "in_progress" until the record is closed.
func disposition(r store.CallRecord) string {
	if r.InProgress || r.Disposition == "" {
		return "in_progress"
	}
	return r.Disposition
}
