package cdr

import (
	"cmp"
	"slices"
	"sync"
	"time"

	"tracecall/store"
)

// DefaultServiceLevelTime is the service level time of a record that does
// not carry its queue's (one written before the ACD sent it): the ACD's
// default.
const DefaultServiceLevelTime = 20 * time.Second

// QueueFigures are one queue's figures over a set of call records: the
// wallboard's, /api/wallboard's and any report's, all from Figures. Each
// record counts once, in its Queue (the first agent's, or the last one the
// caller left), and only customers' calls count (not TypeFeatureCode).
//
//	Answered        records an agent answered (Agent set, the call ended or
//	                not; a callback once the caller was called back and
//	                connected)
//	AnsweredInTime  of those, answered within the record's service level
//	                time (QueueWait <= ServiceLevelTime)
//	Abandoned       records with Disposition abandoned_queue: the caller
//	                hung up or left before an agent answered, however soon
//	ShortAbandoned  of those, abandoned within the service level time
//	ServiceLevel    AnsweredInTime / (Answered + Abandoned - ShortAbandoned):
//	                short abandons count neither for nor against it;
//	                -1 when the divisor is 0
//	AbandonRate     Abandoned / (Answered + Abandoned); -1 when both are 0
//	AverageAnswer   the mean QueueWait of the answered records
//
// Overflowed (sent on by the queue) and Callbacks (callback requests) are
// counted apart and enter neither rate.
type QueueFigures struct {
	Queue string `json:"queue"`
	Summary
}

// Summary is QueueFigures but for the queue's name, for a view that names
// the queue its own way (the wallboard's rows): the figures are declared
// once, here.
type Summary struct {
	Answered       int           `json:"answered"`
	AnsweredInTime int           `json:"answered_in_time"`
	Abandoned      int           `json:"abandoned"`
	ShortAbandoned int           `json:"short_abandoned"`
	Overflowed     int           `json:"overflowed"`
	Callbacks      int           `json:"callbacks"`
	ServiceLevel   float64       `json:"service_level"` // 0 to 1, -1: no call yet
	AbandonRate    float64       `json:"abandon_rate"`  // 0 to 1, -1: no call yet
	AverageAnswer  time.Duration `json:"average_answer_ns"`
}

// Figures returns the figures of each queue the records name, by queue name.
func Figures(records []store.CallRecord) []QueueFigures {
	var f figures
	for i := range records {
		if c, ok := count(&records[i]); ok {
			f.add(c)
		}
	}
	return f.done()
}

// counted is what one record adds to its queue's figures.
type counted struct {
	queue             string
	start             time.Time
	answered, inTime  bool
	abandoned, short  bool
	overflowed, asked bool
	wait              float64
}

// count returns what r adds to the figures; ok is false when it adds nothing.
func count(r *store.CallRecord) (c counted, ok bool) {
	if r.Queue == "" || r.Type == TypeFeatureCode {
		return c, false
	}
	c = counted{queue: r.Queue, start: r.Start, wait: r.QueueWait, asked: r.Type == TypeCallback}
	limit := r.ServiceLevelTime
	if limit <= 0 {
		limit = DefaultServiceLevelTime.Seconds()
	}
	in := r.QueueWait <= limit
	switch {
	case r.Type == TypeCallback:
		c.answered = r.Disposition == Answered
	case r.Agent != "": // answered, whatever came after (an interruption, say)
		c.answered = true
	case r.Disposition == AbandonedQueue:
		c.abandoned, c.short = true, in
	case r.Disposition == Overflowed:
		c.overflowed = true
	}
	c.inTime = c.answered && in
	return c, c.answered || c.abandoned || c.overflowed || c.asked
}

// figures sums counted records by queue.
type figures map[string]*sum

// sum is one queue's figures being summed.
type sum struct {
	QueueFigures
	waitSum float64 // seconds, of the answered
}

func (f *figures) add(c counted) {
	if *f == nil {
		*f = make(figures)
	}
	q := (*f)[c.queue]
	if q == nil {
		q = &sum{QueueFigures: QueueFigures{Queue: c.queue}}
		(*f)[c.queue] = q
	}
	if c.answered {
		q.Answered++
		q.waitSum += c.wait
		if c.inTime {
			q.AnsweredInTime++
		}
	}
	if c.abandoned {
		q.Abandoned++
		if c.short {
			q.ShortAbandoned++
		}
	}
	if c.overflowed {
		q.Overflowed++
	}
	if c.asked {
		q.Callbacks++
	}
}

// done works out the rates and returns the queues by name.
func (f figures) done() []QueueFigures {
	out := make([]QueueFigures, 0, len(f))
	for _, q := range f {
		q.ServiceLevel, q.AbandonRate = -1, -1
		if n := q.Answered + q.Abandoned - q.ShortAbandoned; n > 0 {
			q.ServiceLevel = float64(q.AnsweredInTime) / float64(n)
		}
		if n := q.Answered + q.Abandoned; n > 0 {
			q.AbandonRate = float64(q.Abandoned) / float64(n)
		}
		if q.Answered > 0 {
			q.AverageAnswer = time.Duration(q.waitSum / float64(q.Answered) * float64(time.Second))
		}
		out = append(out, q.QueueFigures)
	}
	slices.SortFunc(out, func(a, b QueueFigures) int { return cmp.Compare(a.Queue, b.Queue) })
	return out
}

// tallyKeep is how far back the tally keeps records: today's figures need
// no more than a day, whatever the zone.
const tallyKeep = 48 * time.Hour

// tally keeps what each recent record adds to the figures, updated by the
// writer after each commit, so that the figures of a day cost a pass over
// that day's queued calls in memory, not a read of the records.
type tally struct {
	// mu guards byID and pruned.
	mu     sync.Mutex
	byID   map[string]counted
	pruned time.Time
}

func newTally() *tally { return &tally{byID: make(map[string]counted)} }

// load fills the tally from the records of the last tallyKeep before now.
func (t *tally) load(db *store.DB, now time.Time) error {
	return db.ForEachCall(now.Add(-tallyKeep), time.Time{}, func(r *store.CallRecord) error {
		t.put(r)
		return nil
	})
}

// put counts r, in place of what it counted before.
func (t *tally) put(r *store.CallRecord) {
	c, ok := count(r)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !ok {
		delete(t.byID, r.ID)
		return
	}
	t.byID[r.ID] = c
	if now := time.Now(); now.Sub(t.pruned) > time.Hour {
		for id, c := range t.byID {
			if now.Sub(c.start) > tallyKeep {
				delete(t.byID, id)
			}
		}
		t.pruned = now
	}
}

// figures returns the figures of the records that started in [from, to).
func (t *tally) figures(from, to time.Time) []QueueFigures {
	var f figures
	t.mu.Lock()
	for _, c := range t.byID {
		if !c.start.Before(from) && c.start.Before(to) {
			f.add(c)
		}
	}
	t.mu.Unlock()
	return f.done()
}

// Figures returns the queues' figures over the records of the calls that
// started in [from, to), as committed so far; only the last two days are
// at hand (older calls count nothing). The web panel's wallboard asks for
// today's.
func (w *Writer) Figures(from, to time.Time) []QueueFigures {
	return w.tally.figures(from, to)
}
