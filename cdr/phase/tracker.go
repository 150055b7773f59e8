package phase

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"sync"
	"time"

	"tracecall/telephony/event"
)

// Tracker holds the calls in progress, fed with every event of the bus.
type Tracker struct {
	// mu guards calls.
	mu    sync.Mutex
	calls map[event.CallID]*Call
}

// NewTracker returns an empty tracker.
func NewTracker() *Tracker { return &Tracker{calls: make(map[event.CallID]*Call)} }

// Apply follows e. Events of calls it did not see start are ignored.
func (t *Tracker) Apply(e event.Event) {
	id := e.Call()
	if id == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.calls[id]
	if s, start := e.(event.CallStarted); start && !ok {
		t.calls[id] = New(s)
		return
	}
	if ok && c.Apply(e) {
		delete(t.calls, id)
	}
}

// Call returns a copy of the call id, if it is in progress.
func (t *Tracker) Call(id event.CallID) (*Call, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.calls[id]
	if !ok {
		return nil, false
	}
	return c.Clone(), true
}

// Calls returns copies of the calls in progress, oldest first.
func (t *Tracker) Calls() []*Call {
	t.mu.Lock()
	out := make([]*Call, 0, len(t.calls))
	for _, c := range t.calls {
		out = append(out, c.Clone())
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b *Call) int {
		return cmp.Or(a.Started.Compare(b.Started), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// Counts returns the counts of the calls in progress at now.
func (t *Tracker) Counts(now time.Time) Counts {
	t.mu.Lock()
	defer t.mu.Unlock()
	return count(maps.Values(t.calls), now)
}

// Counts are calls in progress by phase: the customers' calls only, an
// agent's feature-code calls counted apart. A callback request counts as a
// callback until an agent has it (Call.WaitingCallback), then as talking.
type Counts struct {
	Calls        int           `json:"calls"`         // customers' calls but waiting callback requests
	Setup        int           `json:"setup"`         // ringing in, not answered yet
	IVR          int           `json:"ivr"`           // in the IVR
	Waiting      int           `json:"waiting"`       // in a queue, no agent ringing
	Ringing      int           `json:"ringing"`       // in a queue, ringing an agent
	Talking      int           `json:"talking"`       // with an agent
	Callbacks    int           `json:"callbacks"`     // callback requests waiting for an agent
	FeatureCodes int           `json:"feature_codes"` // agents' feature-code calls, in none of the above
	Queues       []QueueCounts `json:"queues"`        // by queue, by name
}

// QueueCounts are one queue's calls in progress. LongestWait is the longest
// a caller now waiting or ringing an agent has been in the queue.
type QueueCounts struct {
	Queue       string        `json:"queue"`
	Waiting     int           `json:"waiting"`
	Ringing     int           `json:"ringing"`
	Talking     int           `json:"talking"`
	Callbacks   int           `json:"callbacks"`
	LongestWait time.Duration `json:"longest_wait_ns"`
}

// Count counts calls at now.
func Count(calls []*Call, now time.Time) Counts { return count(slices.Values(calls), now) }

func count(calls iter.Seq[*Call], now time.Time) Counts {
	var c Counts
	for k := range calls {
		c.add(k, now)
	}
	c.sort()
	return c
}

// Queue returns the counts of the queue named, zero if it has no call.
func (c Counts) Queue(name string) QueueCounts {
	for _, q := range c.Queues {
		if q.Queue == name {
			return q
		}
	}
	return QueueCounts{Queue: name}
}

func (c *Counts) add(k *Call, now time.Time) {
	if !k.Customer() {
		c.FeatureCodes++
		return
	}
	p := k.Phase()
	q := &QueueCounts{} // counts of a call in no queue go nowhere
	if k.Queue != "" && (p == Waiting || p == Ringing || p == Talking) {
		i := slices.IndexFunc(c.Queues, func(q QueueCounts) bool { return q.Queue == k.Queue })
		if i < 0 {
			c.Queues = append(c.Queues, QueueCounts{Queue: k.Queue})
			i = len(c.Queues) - 1
		}
		q = &c.Queues[i]
	}
	if k.WaitingCallback() {
		c.Callbacks++
		q.Callbacks++
		return
	}
	c.Calls++
	switch p {
	case Setup:
		c.Setup++
	case IVR:
		c.IVR++
	case Waiting:
		c.Waiting++
		q.Waiting++
	case Ringing:
		c.Ringing++
		q.Ringing++
	case Talking:
		c.Talking++
		q.Talking++
	}
	if p == Waiting || p == Ringing {
		q.LongestWait = max(q.LongestWait, now.Sub(k.QueuedAt))
	}
}

func (c *Counts) sort() {
	if c.Queues == nil {
		c.Queues = []QueueCounts{} // [] in JSON, not null
	}
	slices.SortFunc(c.Queues, func(a, b QueueCounts) int { return cmp.Compare(a.Queue, b.Queue) })
}
