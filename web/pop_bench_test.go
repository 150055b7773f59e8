package web_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"tracecall/cdr"
	"tracecall/store"
	"tracecall/store/storetest"
	"tracecall/telephony/event"
	"tracecall/trace"
	"tracecall/web"
	"tracecall/web/auth"
)

// Sizes of the pop benchmark.
const (
	benchCalls   = 200    // calls in progress, each in the IVR and publishing steps
	benchHistory = 20_000 // earlier call records in the store
	benchChains  = 200    // trace chains in the store
	benchStepGap = 50 * time.Millisecond
)

// BenchmarkPopLatency measures the time from a call entering the queue
// (CallQueued published) to its screen pop arriving at an agent's SSE client
// over HTTP (GET /api/events with the agent's session), with benchCalls
// calls in progress around it. The ACD is synthetic: CallOffered is
// published right after CallQueued, as the ACD does when an agent is free
// (its own pick time is in the acd package's benchmarks). Everything else
// is real: the cdr writer records the calls in a bbolt store with
// benchHistory earlier calls, the web server composes the pop (call record,
// customer, chain lookup, recent calls) and streams it. The 200 background
// calls publish an IVR step each every benchStepGap (4,000 events/s).
//
//	go test -run '^$' -bench PopLatency -benchtime 500x ./web
func BenchmarkPopLatency(b *testing.B) {
	db := storetest.Open(b)
	bus := event.New(nil)
	log := slog.New(slog.NewTextHandler(b.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	g := trace.NewGenerator(trace.DemoSeed)
	chains := make([]trace.Chain, benchChains)
	base := time.Now().Add(-30 * 24 * time.Hour)
	if err := db.Update(func(tx *store.Tx) error {
		for i := range chains {
			chains[i] = g.Chain(i)
			if err := tx.PutChain(&chains[i]); err != nil {
				return err
			}
		}
		for i := range benchHistory {
			r := &store.CallRecord{
				ID: fmt.Sprintf("h%05d", i), Caller: fmt.Sprintf("1390000%04d", i%(5*benchCalls)),
				Start: base.Add(time.Duration(i) * time.Minute), Disposition: "answered", Duration: 90, Type: "trace",
				IVRPath: []string{"main/welcome", "main/code", "main/readout"},
				Codes:   []store.CodeLookup{{Code: chains[i%benchChains].TraceCode, Result: "found"}},
			}
			if err := tx.PutCall(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	users := auth.New(db, auth.Config{Params: auth.TestParams()}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := users.CreateUser(ctx, auth.NewUser{Username: "zhang", Role: auth.RoleAgent, Password: "agent-password"}); err != nil {
		b.Fatal(err)
	}
	sess, err := users.Login(ctx, "zhang", "agent-password", "bench")
	if err != nil {
		b.Fatal(err)
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	writer := cdr.New(db, bus, log)
	wg.Go(func() { _ = writer.Run(ctx) })
	srv := web.New(web.Deps{
		Store: db, Bus: bus, Log: log, Auth: auth.Config{Params: auth.TestParams()},
		TraceOptions: trace.Options{CheckDigit: true, RetailMin: 20, RetailMax: 20},
	})
	wg.Go(func() { _ = srv.Run(ctx) })
	ts := httptest.NewServer(srv.TCPHandler())
	defer ts.Close()

	// The calls in progress: started, in the IVR, each keyed a code.
	pub := bus.Client("bench")
	callID := func(i int) event.CallID { return event.CallID(fmt.Sprintf("live-%03d", i)) }
	caller := func(i int) string { return fmt.Sprintf("1390000%04d", i) }
	for i := range benchCalls {
		at := time.Now()
		pub.Publish(event.CallStarted{Base: event.Base{CallID: callID(i), At: at}, Line: fmt.Sprintf("sim/%d", i), From: caller(i), To: "96315", Direction: "inbound"})
		pub.Publish(event.IVRStep{Base: event.Base{CallID: callID(i), At: at}, Flow: "main", Node: "code"})
		pub.Publish(event.TraceLookup{Base: event.Base{CallID: callID(i), At: at}, Code: chains[i%benchChains].TraceCode, Result: "found"})
	}
	wg.Go(func() {
		tick := time.NewTicker(benchStepGap)
		defer tick.Stop()
		nodes := []string{"readout", "menu", "code"}
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for i := range benchCalls {
				pub.Publish(event.IVRStep{Base: event.Base{CallID: callID(i), At: time.Now()}, Flow: "main", Node: nodes[n%len(nodes)]})
			}
		}
	})

	// The agent's browser: an SSE client that reports each pop's call id.
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/api/events", nil)
	req.AddCookie(&http.Cookie{Name: auth.SessionCookie, Value: sess.ID})
	resp, err := ts.Client().Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET /api/events = %d", resp.StatusCode)
	}
	type popSeen struct {
		id      string
		compose time.Duration // from the offer to the pop composed
	}
	pops := make(chan popSeen, 16)
	wg.Go(func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 4<<20)
		isPop := false
		for sc.Scan() {
			line := sc.Bytes()
			switch {
			case bytes.HasPrefix(line, []byte("event: ")):
				isPop = string(line[7:]) == "pop"
			case isPop && bytes.HasPrefix(line, []byte("data: ")):
				var p struct {
					CallID     string    `json:"call_id"`
					OfferedAt  time.Time `json:"offered_at"`
					ComposedAt time.Time `json:"composed_at"`
					Codes      []struct {
						Chain *struct{} `json:"chain"`
					} `json:"codes"`
				}
				if json.Unmarshal(line[6:], &p) == nil && len(p.Codes) > 0 && p.Codes[0].Chain != nil {
					select {
					case pops <- popSeen{p.CallID, p.ComposedAt.Sub(p.OfferedAt)}:
					case <-ctx.Done():
						return
					}
				}
				isPop = false
			}
		}
	})
	time.Sleep(500 * time.Millisecond) // let the cdr writer record the calls

	lat := make([]time.Duration, 0, b.N)
	comp := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for n := range b.N {
		i := n % benchCalls
		id := callID(i)
		t0 := time.Now()
		pub.Publish(event.CallQueued{Base: event.Base{CallID: id, At: t0}, Queue: "trace", Caller: caller(i), Position: 1})
		pub.Publish(event.CallOffered{
			Base: event.Base{CallID: id, At: time.Now()}, Queue: "trace", Agent: "zhang", Extension: "8001",
			Caller: caller(i), Called: "96315",
			Data: map[string]string{"ivr_flow": "main", "trace_code": chains[i%benchChains].TraceCode},
		})
	wait:
		for {
			select {
			case got := <-pops:
				if got.id == string(id) {
					comp = append(comp, got.compose)
					break wait
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("no pop for %s", id)
			}
		}
		lat = append(lat, time.Since(t0))
		pub.Publish(event.CallOfferMissed{Base: event.Base{CallID: id, At: time.Now()}, Queue: "trace", Agent: "zhang", Reason: "timeout"})
	}
	b.StopTimer()
	slices.Sort(lat)
	slices.Sort(comp)
	at := func(d []time.Duration, p float64) float64 {
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds())
	}
	pct := func(p float64) float64 { return at(lat, p) }
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
	b.ReportMetric(at(comp, 0.50), "compose-p50-µs")
	b.ReportMetric(at(comp, 0.99), "compose-p99-µs")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds()), "max-µs")
	if testing.Verbose() {
		b.Logf("%d pops: p50 %v, p99 %v, max %v", len(lat),
			time.Duration(pct(0.5))*time.Microsecond, time.Duration(pct(0.99))*time.Microsecond, lat[len(lat)-1])
	}
}
