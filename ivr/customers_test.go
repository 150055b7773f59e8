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

// capturingIVR serves the shipped flows on two sim lines with q as the
// board and the ACD, vipBook as the customer book and cb (which may be nil)
// taking callback requests.
func capturingIVR(t *testing.T, q *capturingQueues, cb ivr.Callbacks) (*sim.Driver, *event.Bus) {
	t.Helper()
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
	deps := ivr.Deps{
		Chains: chains{}, TraceOptions: trace.Options{CheckDigit: true},
		Speaker: &fastSpeaker{}, Events: bus.Client("ivr"),
		Queues: q, Board: q, Customers: vipBook{},
	}
	if cb != nil {
		deps.Callbacks = cb
	}
	v, err := ivr.New(cfg.IVR, deps)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	core := telephonytest.Core(t, bus.Client("core"), d)
	go func() { _ = core.Serve(ctx, v); close(served) }()
	<-d.Serving()
	t.Cleanup(func() { cancel(); <-served })
	return d, bus
}

// callSim places a call on d, waiting for a free line.
func callSim(t *testing.T, d *sim.Driver, o sim.CallOptions) *sim.Caller {
	t.Helper()
	var err error
	for range 200 {
		var c *sim.Caller
		if c, err = d.Call(context.Background(), o); err == nil {
			return c
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal(err)
	return nil
}

// TestQueuePriorityFromCustomers: a queued caller carries the priority the
// customer book gives their number, when a network asserts that number; a
// number the caller only wrote (a SIP stranger's From) gets none, whoever it
// names, and is queued marked as not verified for the screen pop.
func TestQueuePriorityFromCustomers(t *testing.T) {
	q := &capturingQueues{}
	d, _ := capturingIVR(t, q, nil)
	ctx := context.Background()
	for _, tt := range []struct {
		ani        string
		unasserted bool
		want       int
	}{{"13800138000", false, 10}, {"13900139000", false, 0}, {"13800138000", true, 0}} {
		before := len(q.queued())
		c := callSim(t, d, sim.CallOptions{ANI: tt.ani, Unasserted: tt.unasserted, DNIS: "96315", DTMF: "0", Timeout: 3 * time.Second})
		_, _ = c.Wait(ctx)
		calls := q.queued()
		if len(calls) != before+1 {
			t.Fatalf("caller %s: %d calls queued, want 1", tt.ani, len(calls)-before)
		}
		k := calls[len(calls)-1]
		if k.Priority != tt.want {
			t.Errorf("caller %s (unasserted %v) queued with priority %d, want %d", tt.ani, tt.unasserted, k.Priority, tt.want)
		}
		if mark := k.Data[ivr.DataCallerUnverified] == "1"; mark != tt.unasserted || k.Caller != tt.ani {
			t.Errorf("caller %s (unasserted %v) queued as %q with data %v", tt.ani, tt.unasserted, k.Caller, k.Data)
		}
	}
}
