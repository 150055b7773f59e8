package acd

import (
	"slices"
	"time"
)

// samples keeps the last n durations.
type samples struct {
	v    []time.Duration
	next int
	sum  time.Duration
}

func newSamples(n int) samples { return samples{v: make([]time.Duration, 0, n)} }

func (s *samples) add(d time.Duration) {
	if cap(s.v) == 0 {
		return
	}
	if len(s.v) < cap(s.v) {
		s.v = append(s.v, d)
		s.sum += d
		return
	}
	s.sum += d - s.v[s.next]
	s.v[s.next] = d
	s.next = (s.next + 1) % len(s.v)
}

func (s *samples) mean() (time.Duration, bool) {
	if len(s.v) == 0 {
		return 0, false
	}
	return s.sum / time.Duration(len(s.v)), true
}

// estimateRound is what estimates are rounded up to.
const estimateRound = 10 * time.Second

// estimate is the wait to announce to k (see "Estimated wait" in doc.go), and
// false when there is no basis for one.
func (c *core) estimate(k *call) (time.Duration, bool) {
	if k.state != callWaiting {
		return 0, true
	}
	q := k.q
	staffed := 0
	for _, m := range q.members {
		if m.a.staffed() {
			staffed++
		}
	}
	var (
		est time.Duration
		ok  bool
	)
	if aht, have := q.handles.mean(); have && staffed > 0 {
		est, ok = time.Duration(c.position(k))*aht/time.Duration(staffed), true
	}
	if ok {
		est = (est + estimateRound - 1) / estimateRound * estimateRound
	}
	switch {
	case ok && k.estSet:
		est = min(est, k.est)
	case !ok && k.estSet:
		est, ok = k.est, true
	case !ok:
		return 0, false
	}
	k.est, k.estSet = est, true
	return est, true
}

// sortCalls sorts callers into the order they are served.
func sortCalls(ks []*call) {
	slices.SortFunc(ks, func(x, y *call) int {
		switch {
		case x.before(y):
			return -1
		case y.before(x):
			return 1
		}
		return 0
	})
}
