package ivr_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"tracecall/acd"
	"tracecall/drivers/sim"
	"tracecall/ivr"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/trace"
)

// capturingQueues is an ACD that only records the calls queued.
type capturingQueues struct {
	mu    sync.Mutex
	calls []acd.Call
}

func (q *capturingQueues) Enqueue(_ context.Context, k acd.Call) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls = append(q.calls, k)
	return nil
}
func (q *capturingQueues) queued() []acd.Call {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]acd.Call(nil), q.calls...)
}
func (*capturingQueues) Position(context.Context, telephony.CallID) (int, error) { return 1, nil }
func (*capturingQueues) EstimatedWait(context.Context, telephony.CallID) (time.Duration, error) {
	return 0, errors.New("no estimate")
}
func (*capturingQueues) CallEnded(context.Context, telephony.CallID) error { return nil }

// noAgents never delivers an agent: the caller waits until they hang up.
type noAgents struct{}

func (noAgents) Await(telephony.CallID) (<-chan telephony.Leg, <-chan acd.Overflow, func()) {
	return nil, nil, func() {}
}

// vipBook says the caller 13800138000 is a VIP.
type vipBook struct{}

func (vipBook) Priority(_ context.Context, number string) int {
	if number == "13800138000" {
		return 10
	}
	return 0
}

// TestQueuePriorityFromCustomers: a queued caller carries the priority the
// customer book gives their number.
func TestQueuePriorityFromCustomers(t *testing.T) {
	cfg, err := loadShipped()
	if err != nil {
		t.Fatal(err)
	}
	cfg.IVR.MenuTimeout = 1500 * time.Millisecond
	bus := event.New(nil)
	d, err := sim.New(sim.Config{Lines: 2}, bus.Client("sim"), nil)
	if err != nil {
		t.Fatal(err)
	}
	q := &capturingQueues{}
	v, err := ivr.New(cfg.IVR, ivr.Deps{
		Chains: chains{}, TraceOptions: trace.Options{CheckDigit: true},
		Speaker: &fastSpeaker{}, Events: bus.Client("ivr"),
		Queues: q, Agents: noAgents{}, Customers: vipBook{},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() { _ = d.Serve(ctx, v); close(served) }()
	defer func() { cancel(); <-served }()

	for _, tt := range []struct {
		ani  string
		want int
	}{{"13800138000", 10}, {"13900139000", 0}} {
		before := len(q.queued())
		var c *sim.Caller
		for range 200 {
			if c, err = d.Call(ctx, sim.CallOptions{ANI: tt.ani, DNIS: "96315", DTMF: "0", Timeout: 3 * time.Second}); err == nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Wait(ctx)
		calls := q.queued()
		if len(calls) != before+1 {
			t.Fatalf("caller %s: %d calls queued, want 1", tt.ani, len(calls)-before)
		}
		if got := calls[len(calls)-1].Priority; got != tt.want {
			t.Errorf("caller %s queued with priority %d, want %d", tt.ani, got, tt.want)
		}
	}
}
