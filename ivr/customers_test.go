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
	"tracecall/switchboard"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/telephonytest"
	"tracecall/trace"
)

// capturingQueues is a board and an ACD that only record the calls queued:
// no agent ever answers, and the caller holds until they hang up.
type capturingQueues struct {
	mu    sync.Mutex
	calls []acd.Call
}

func (q *capturingQueues) Queue(ctx context.Context, _ telephony.Leg, k acd.Call, h switchboard.Holder) (switchboard.Outcome, error) {
	q.mu.Lock()
	q.calls = append(q.calls, k)
	q.mu.Unlock()
	h.Hold(ctx)
	return switchboard.Outcome{}, nil
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
		Queues: q, Board: q, Customers: vipBook{},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	core := telephonytest.Core(t, bus.Client("core"), d)
	go func() { _ = core.Serve(ctx, v); close(served) }()
	<-d.Serving()
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
