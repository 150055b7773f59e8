package screenpop

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"tracecall/crm"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
	"tracecall/trace"
)

// popFixture is a store with the demo chains, a VIP customer, the call in
// progress and three earlier calls of the same caller, one with a note.
func popFixture(t *testing.T) (*store.DB, Deps) {
	t.Helper()
	db := storetest.Open(t)
	g := trace.NewGenerator(trace.DemoSeed)
	start := time.Now().Add(-time.Hour)
	err := db.Update(func(tx *store.Tx) error {
		for i := range 3 {
			c := g.Chain(i)
			if err := tx.PutChain(&c); err != nil {
				return err
			}
		}
		for i := range 3 {
			r := &store.CallRecord{
				ID: "old" + string(rune('0'+i)), Caller: "13800138000", Start: start.Add(time.Duration(i) * time.Minute),
				Disposition: "answered", Duration: 60, Agent: "wang",
			}
			if err := tx.PutCall(r); err != nil {
				return err
			}
		}
		if err := tx.AddCallNote("old2", store.CallNote{Agent: "wang", Text: "投诉猪肉不新鲜", At: start}); err != nil {
			return err
		}
		return tx.PutCall(&store.CallRecord{
			ID: "c1", Caller: "13800138000", Called: "96315", Start: time.Now(), InProgress: true,
			IVRPath: []string{"main/welcome", "main/code", "main/readout"},
			Codes: []store.CodeLookup{
				{Code: "123", Result: "invalid", Reason: "too_short"},
				{Code: trace.DemoPorkCode, Result: "found"},
			},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	book := crm.New(db, crm.Config{}, nil)
	if _, err := book.Create(crm.Input{Numbers: []string{"13800138000"}, Name: "王芳", Class: "vip", Company: "东安街菜市场"}, "li"); err != nil {
		t.Fatal(err)
	}
	d := Deps{
		Store: db, Customers: book, Bus: event.New(nil), Location: time.FixedZone("CST", 8*3600),
		Log:          slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		TraceOptions: trace.Options{CheckDigit: true, RetailMin: 20, RetailMax: 20},
	}
	return db, d
}

func TestPopCompose(t *testing.T) {
	_, d := popFixture(t)
	p := New(d)
	offeredAt := time.Now()
	pop := p.compose(event.CallOffered{
		Base: event.Base{CallID: "c1", At: offeredAt}, Queue: "trace", Agent: "zhang", Caller: "13800138000",
		Data: map[string]string{"ivr_flow": "main", "trace_code": trace.DemoPorkCode, "transferred_by": "wang"},
	})
	if pop.CallID != "c1" || pop.Agent != "zhang" || pop.Queue != "trace" || pop.Called != "96315" || !pop.OfferedAt.Equal(offeredAt) {
		t.Errorf("pop header = %+v", pop)
	}
	if pop.Customer == nil || pop.Customer.Name != "王芳" || pop.Customer.Class != crm.ClassVIP {
		t.Errorf("customer = %+v, want the VIP 王芳", pop.Customer)
	}
	if len(pop.IVRPath) != 3 || pop.IVRFlow != "main" || pop.TransferredBy != "wang" {
		t.Errorf("ivr path %v, flow %q, transferred by %q", pop.IVRPath, pop.IVRFlow, pop.TransferredBy)
	}
	if len(pop.Codes) != 2 {
		t.Fatalf("codes = %+v, want the invalid one and the pork code once", pop.Codes)
	}
	if c := pop.Codes[0]; c.Result != "invalid" || c.Chain != nil {
		t.Errorf("invalid code = %+v", c)
	}
	if c := pop.Codes[1]; c.Code != trace.DemoPorkCode || c.Result != "found" || c.Chain == nil || len(c.Chain.Events) == 0 {
		t.Errorf("pork code = %+v, want its chain", c)
	}
	if len(pop.Recent) != 3 || pop.Recent[0].ID != "old2" || len(pop.Recent[0].Notes) != 1 {
		t.Errorf("recent = %+v, want old2 (with its note), old1, old0", pop.Recent)
	}
	for _, r := range pop.Recent {
		if r.ID == "c1" {
			t.Error("the call itself is among the recent calls")
		}
	}

	// The chain is what GET /api/trace/{code} answers.
	want, err := lookupChain(d.Store, trace.DemoPorkCode, d.TraceOptions)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(pop.Codes[1].Chain)
	if string(a) != string(b) {
		t.Error("the pop's chain differs from the trace API's")
	}

	// A new caller, a call with no record yet, a code only the IVR carried.
	pop = p.compose(event.CallOffered{
		Base: event.Base{CallID: "c9", At: offeredAt}, Agent: "zhang", Caller: "13900139000",
		Data: map[string]string{"trace_code": trace.DemoVegCode},
	})
	if pop.Customer != nil || len(pop.Recent) != 0 || len(pop.Codes) != 1 || pop.Codes[0].Chain == nil {
		t.Errorf("new caller's pop = %+v", pop)
	}
	js, err := json.Marshal(pop)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(js, &m)
	if m["customer"] != nil || m["call_id"] != "c9" {
		t.Errorf("pop JSON: customer %v, call_id %v; want null and c9", m["customer"], m["call_id"])
	}
}

// running starts a composer on popFixture's deps, stopped when the test
// ends; w watches the bus from before the start, ctx is the one it runs in.
func running(t *testing.T) (p *Composer, d Deps, w *eventtest.Watcher, ctx context.Context) {
	t.Helper()
	_, d = popFixture(t)
	p = New(d)
	w = eventtest.Watch(t, d.Bus)
	ctx, cancel := context.WithCancel(context.Background())
	stop := p.Start(ctx)
	t.Cleanup(func() { stop(); cancel() })
	return p, d, w, ctx
}

// waitUntil polls cond, which says what is still wrong ("" for nothing),
// and fails the test with its word if that lasts 5 s.
func waitUntil(t *testing.T, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		wrong := cond()
		if wrong == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(wrong)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestPopDelivery(t *testing.T) {
	p, d, w, ctx := running(t)

	pub := d.Bus.Client("acd")
	pub.Publish(event.AgentStateChanged{Base: event.Base{At: time.Now()}, Agent: "zhang", State: "ready", Reachable: true})
	pub.Publish(event.CallOffered{Base: event.Base{CallID: "c1", At: time.Now()}, Queue: "trace", Agent: "zhang", Caller: "13800138000"})
	pop := eventtest.Expect(w, 5*time.Second, func(p Pop) bool { return p.CallID == "c1" })
	if pop.Agent != "zhang" || pop.Customer == nil {
		t.Errorf("pop = %+v", pop)
	}
	pub.Publish(event.CallTaken{Base: event.Base{CallID: "c1"}, Queue: "trace", Agent: "zhang"})
	waitUntil(t, func() string {
		st, known, c := p.Current("zhang")
		if known && st.State == "ready" && c.State == Talking && c.Pop != nil && c.Pop.CallID == "c1" {
			return ""
		}
		return fmt.Sprintf("desk state = %+v %v %+v", st, known, c)
	})

	// An offer already missed when its pop is ready gets no pop.
	p.apply(ctx, event.CallOffered{Base: event.Base{CallID: "c2"}, Agent: "li"})
	p.apply(ctx, event.CallOfferMissed{Base: event.Base{CallID: "c2"}, Agent: "li", Reason: "timeout"})
	sub := event.Subscribe[Pop](d.Bus.Client("test"))
	defer sub.Close()
	p.deliver(Pop{Base: event.Base{CallID: "c2"}, Agent: "li"})
	select {
	case e := <-sub.Events():
		t.Errorf("pop published for a missed offer: %+v", e)
	default:
	}
}

// TestPopRingAll: the offers of one round (ring-all) share one composition:
// each agent gets the same pop under their own name, and the round is
// forgotten once an agent takes the call.
func TestPopRingAll(t *testing.T) {
	p, d, w, _ := running(t)

	pub := d.Bus.Client("acd")
	at := time.Now()
	agents := []string{"zhang", "li", "wang"}
	for _, a := range agents {
		pub.Publish(event.CallOffered{Base: event.Base{CallID: "r1", At: at}, Queue: "trace", Agent: a, Caller: "13800138000"})
	}
	var pops []Pop
	got := map[string]bool{}
	for range agents { // in whatever order the workers finish
		pp := eventtest.Expect(w, 5*time.Second, func(p Pop) bool { return p.CallID == "r1" })
		got[pp.Agent] = true
		pops = append(pops, pp)
	}
	for _, a := range agents {
		if !got[a] {
			t.Errorf("no pop for %s", a)
		}
	}
	for _, pp := range pops[1:] {
		if pp.ComposedAt != pops[0].ComposedAt || pp.Customer == nil || pp.Customer.ID != pops[0].Customer.ID {
			t.Errorf("pop for %s composed apart: %+v vs %+v", pp.Agent, pp, pops[0])
		}
	}
	pub.Publish(event.CallTaken{Base: event.Base{CallID: "r1"}, Queue: "trace", Agent: "li"})
	waitUntil(t, func() string {
		p.mu.Lock()
		n := len(p.rounds)
		p.mu.Unlock()
		if n == 0 {
			return ""
		}
		return fmt.Sprintf("%d rounds kept after the call was taken", n)
	})
}
