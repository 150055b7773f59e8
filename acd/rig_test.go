package acd_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"tracecall/acd"
	"tracecall/telephony"
	"tracecall/telephony/event"
)

// offer is one Offer call the fake phones saw.
type offer struct {
	agent string
	call  telephony.CallID
	data  map[string]string
	ctx   context.Context
}

// phones stands in for the switchboard: it takes the ACD's offers and
// diversions and records them.
type phones struct {
	mu       sync.Mutex
	offers   []offer
	diverted []string // "callID action"
}

// take records what a hands out until its Run returns.
func (p *phones) take(a *acd.ACD) {
	offers, diversions := a.Offers(), a.Diversions()
	for offers != nil || diversions != nil {
		select {
		case o, ok := <-offers:
			if !ok {
				offers = nil
				continue
			}
			p.mu.Lock()
			p.offers = append(p.offers, offer{agent: o.Agent.ID, call: o.Call.ID, data: o.Call.Data, ctx: o.Context()})
			p.mu.Unlock()
		case d, ok := <-diversions:
			if !ok {
				diversions = nil
				continue
			}
			p.mu.Lock()
			p.diverted = append(p.diverted, string(d.Call.ID)+" "+d.To.String())
			p.mu.Unlock()
		}
	}
}

// events records what the ACD publishes.
type events struct {
	mu  sync.Mutex
	all []event.Event
}

func (e *events) Publish(ev event.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

// ofType returns the recorded events of type T.
func ofType[T event.Event](e *events) []T {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []T
	for _, ev := range e.all {
		if v, ok := ev.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// rig is an ACD running in the test's synctest bubble, with fake phones.
type rig struct {
	t   *testing.T
	acd *acd.ACD
	ph  *phones
	ev  *events
}

// start runs an ACD for cfg; call it inside synctest.Test. The random strategy
// is seeded with seed.
func start(t *testing.T, cfg acd.Config, seed uint64) *rig {
	t.Helper()
	r := &rig{t: t, ph: &phones{}, ev: &events{}}
	a, err := acd.New(cfg, acd.Deps{
		Events:   r.ev,
		Location: time.UTC,
		Rand:     rand.New(rand.NewPCG(seed, seed)),
	})
	if err != nil {
		t.Fatal(err)
	}
	r.acd = a
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	taken := make(chan struct{})
	go func() { defer close(taken); r.ph.take(a) }()
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		<-taken
	})
	return r
}

// agents returns agent configs for ids with extension sim:<id>.
func agents(ids ...string) []acd.AgentConfig {
	var as []acd.AgentConfig
	for _, id := range ids {
		as = append(as, acd.AgentConfig{ID: id, Name: "Agent " + id, Extension: "sim:" + id})
	}
	return as
}

func (r *rig) check(err error) {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
	synctest.Wait()
}

func (r *rig) login(ids ...string) {
	r.t.Helper()
	for _, id := range ids {
		r.check(r.acd.Login(r.t.Context(), id))
	}
}

func (r *rig) enqueue(id, queue, caller string, prio int) {
	r.t.Helper()
	r.check(r.acd.Enqueue(r.t.Context(), acd.Call{ID: telephony.CallID(id), Caller: caller, Queue: queue, Priority: prio}))
}

func (r *rig) answer(id, agent string) {
	r.t.Helper()
	r.check(r.acd.OfferResult(r.t.Context(), telephony.CallID(id), agent, true))
}

func (r *rig) end(id string) {
	r.t.Helper()
	r.check(r.acd.CallEnded(r.t.Context(), telephony.CallID(id)))
}

// sleep lets fake time pass and the ACD handle its timers.
func (r *rig) sleep(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// take returns the offers made since the last take.
func (r *rig) take() []offer {
	r.ph.mu.Lock()
	defer r.ph.mu.Unlock()
	o := r.ph.offers
	r.ph.offers = nil
	return o
}

// offered takes the offers made since the last take and fails unless they went
// to exactly the agents named (in any order), all with call id.
func (r *rig) offered(id string, want ...string) []offer {
	r.t.Helper()
	os := r.take()
	var got []string
	for _, o := range os {
		if o.call != telephony.CallID(id) {
			r.t.Fatalf("offer of %s to %s; want offers of %s to %v", o.call, o.agent, id, want)
		}
		got = append(got, o.agent)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		r.t.Fatalf("%s offered to %v, want %v", id, got, want)
	}
	return os
}

// none fails if any offer was made since the last take.
func (r *rig) none() {
	r.t.Helper()
	if os := r.take(); len(os) > 0 {
		r.t.Fatalf("unexpected offers: %v", os)
	}
}

// serve places a call, checks who is offered it, and has that agent answer.
func (r *rig) serve(id, queue, caller, want string) {
	r.t.Helper()
	r.enqueue(id, queue, caller, 0)
	r.offered(id, want)
	r.answer(id, want)
}

func (r *rig) snapshot() acd.Snapshot {
	r.t.Helper()
	s, err := r.acd.Snapshot(r.t.Context())
	if err != nil {
		r.t.Fatal(err)
	}
	return s
}

func (r *rig) agent(id string) acd.AgentStatus {
	r.t.Helper()
	for _, a := range r.snapshot().Agents {
		if a.ID == id {
			return a
		}
	}
	r.t.Fatalf("no agent %s in the snapshot", id)
	return acd.AgentStatus{}
}

func (r *rig) queue(name string) acd.QueueStatus {
	r.t.Helper()
	for _, q := range r.snapshot().Queues {
		if q.Name == name {
			return q
		}
	}
	r.t.Fatalf("no queue %s in the snapshot", name)
	return acd.QueueStatus{}
}

func (r *rig) wantState(id string, st acd.State, reason string) {
	r.t.Helper()
	if a := r.agent(id); a.State != st || a.Reason != reason {
		r.t.Fatalf("agent %s is %s (%q), want %s (%q)", id, a.State, a.Reason, st, reason)
	}
}

func (r *rig) diverted() []string {
	r.ph.mu.Lock()
	defer r.ph.mu.Unlock()
	return slices.Clone(r.ph.diverted)
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func callID(i int) string { return fmt.Sprintf("c%d", i) }

func cid(s string) telephony.CallID { return telephony.CallID(s) }
