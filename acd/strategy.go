package acd

import (
	"cmp"
	"math/rand/v2"
	"slices"
)

// A strategy decides which free, skilled agent of a queue gets the next offer.
// It does so by the kind of pool it keeps: the queue holds one pool per widening
// stage, holding exactly the members who are free and qualify at that stage, so
// a pick is one look at one pool, never a scan of the agents.
type strategy interface {
	// rank puts the queue's members in the order position-based pools use
	// (members arrive in configured order).
	rank(ms []*member)
	// newPool returns an empty pool for one widening stage of q.
	newPool(q *queue, stage int) pool
}

// pool holds a queue's free members that qualify at one widening stage.
type pool interface {
	add(m *member)
	remove(m *member)
	has(m *member) bool
	len() int
	// pick returns the member the strategy offers call k to, nil if none.
	pick(k *call) *member
	// each calls f for every member (ring-all offers to all of them).
	each(f func(m *member))
	// reorder re-sorts after keys changed under the pool (the daily reset).
	reorder()
}

// newStrategy returns the strategy of that name.
func newStrategy(name string, c *core) (strategy, bool) {
	switch name {
	case StrategyLinear:
		return linear{}, true
	case StrategyCircular:
		return circular{}, true
	case StrategyPriority:
		return priority{}, true
	case StrategyFewestAnswered:
		return fewestAnswered{}, true
	case StrategyLongestIdle:
		return longestIdle{}, true
	case StrategyCallMemory:
		return callMemory{c: c}, true
	case StrategyRingAll:
		return ringAll{}, true
	case StrategyRandom:
		return random{rng: c.rng}, true
	}
	return nil, false
}

// configured keeps the configured order.
type configured struct{}

func (configured) rank([]*member) {}

// linear offers to the first free agent in configured order.
type linear struct{ configured }

func (linear) newPool(q *queue, _ int) pool { return newBitPool(q, false) }

// circular offers to the first free agent after the one last offered a call
// from this queue, wrapping around.
type circular struct{ configured }

func (circular) newPool(q *queue, _ int) pool { return newBitPool(q, true) }

// ringAll offers to every free agent at once; core.offer sees the type and
// rings them all.
type ringAll struct{ configured }

func (ringAll) newPool(q *queue, _ int) pool { return newBitPool(q, false) }

// priority offers to the free agent with the highest priority number, ties in
// configured order: the members are ranked once, then picked like linear.
type priority struct{}

func (priority) rank(ms []*member) {
	slices.SortStableFunc(ms, func(x, y *member) int { return cmp.Compare(y.a.cfg.Priority, x.a.cfg.Priority) })
}

func (priority) newPool(q *queue, _ int) pool { return newBitPool(q, false) }

// fewestAnswered offers to the free agent who answered fewest calls today, then
// the longest idle, then configured order.
type fewestAnswered struct{ configured }

func (fewestAnswered) newPool(_ *queue, stage int) pool {
	return newHeapPool(stage, func(x, y *member) bool {
		if x.a.taken != y.a.taken {
			return x.a.taken < y.a.taken
		}
		return idleBefore(x, y)
	})
}

// longestIdle offers to the free agent whose last call ended (or who logged
// in) longest ago, ties in configured order.
type longestIdle struct{ configured }

func (longestIdle) newPool(_ *queue, stage int) pool { return newHeapPool(stage, idleBefore) }

func idleBefore(x, y *member) bool {
	if !x.a.idleSince.Equal(y.a.idleSince) {
		return x.a.idleSince.Before(y.a.idleSince)
	}
	return x.pos < y.pos
}

// callMemory offers to the agent who last answered this caller (from any
// queue), if that agent is free and qualifies; otherwise to the longest idle.
type callMemory struct {
	configured
	c *core
}

func (s callMemory) newPool(_ *queue, stage int) pool {
	return &memoryPool{heapPool: newHeapPool(stage, idleBefore), c: s.c}
}

// random offers to any free agent, uniformly; the ACD's random source is
// seedable (Deps.Rand) so tests and replays are repeatable.
type random struct {
	configured
	rng *rand.Rand
}

func (s random) newPool(_ *queue, stage int) pool { return &randPool{stage: stage, rng: s.rng} }

// bitPool is a set of member positions: the first free member at or after a
// start, which is 0, or for circular the one after the queue's cursor.
type bitPool struct {
	q        *queue
	bits     bitset
	n        int
	circular bool
}

func newBitPool(q *queue, circular bool) *bitPool {
	return &bitPool{q: q, bits: newBitset(len(q.members)), circular: circular}
}

func (p *bitPool) add(m *member) {
	if !p.bits.has(m.pos) {
		p.bits.set(m.pos)
		p.n++
	}
}

func (p *bitPool) remove(m *member) {
	if p.bits.has(m.pos) {
		p.bits.clear(m.pos)
		p.n--
	}
}

func (p *bitPool) has(m *member) bool { return p.bits.has(m.pos) }
func (p *bitPool) len() int           { return p.n }
func (p *bitPool) reorder()           {}

func (p *bitPool) pick(*call) *member {
	if p.n == 0 {
		return nil
	}
	start := 0
	if p.circular && p.q.cursor >= 0 {
		start = p.q.cursor + 1
	}
	i := p.bits.next(start)
	if i < 0 {
		i = p.bits.next(0)
	}
	return p.q.members[i]
}

func (p *bitPool) each(f func(m *member)) {
	for i := p.bits.next(0); i >= 0; i = p.bits.next(i + 1) {
		f(p.q.members[i])
	}
}

// heapPool keeps members in a heap by the strategy's order.
type heapPool struct {
	stage int
	h     minHeap[*member]
}

func newHeapPool(stage int, less func(x, y *member) bool) *heapPool {
	return &heapPool{stage: stage, h: minHeap[*member]{
		less: less,
		at:   func(m *member, i int) { m.slot[stage] = i },
	}}
}

func (p *heapPool) add(m *member) {
	if m.slot[p.stage] < 0 {
		p.h.push(m)
	}
}

func (p *heapPool) remove(m *member) {
	if i := m.slot[p.stage]; i >= 0 {
		p.h.remove(i)
	}
}

func (p *heapPool) has(m *member) bool { return m.slot[p.stage] >= 0 }
func (p *heapPool) len() int           { return p.h.len() }
func (p *heapPool) reorder()           { p.h.init() }

func (p *heapPool) pick(*call) *member {
	m, _ := p.h.top()
	return m
}

func (p *heapPool) each(f func(m *member)) {
	for _, m := range p.h.items {
		f(m)
	}
}

// memoryPool is a longest-idle heap that first looks up the caller's last agent.
type memoryPool struct {
	*heapPool
	c *core
}

func (p *memoryPool) pick(k *call) *member {
	if a := p.c.memory[k.pub.Caller].agent; a != nil && k.pub.Caller != "" {
		if m := a.memberOf(k.q); m != nil && p.has(m) {
			return m
		}
	}
	return p.heapPool.pick(k)
}

// randPool keeps members in a slice; removal swaps the last one in.
type randPool struct {
	stage int
	items []*member
	rng   *rand.Rand
}

func (p *randPool) add(m *member) {
	if m.slot[p.stage] < 0 {
		m.slot[p.stage] = len(p.items)
		p.items = append(p.items, m)
	}
}

func (p *randPool) remove(m *member) {
	i := m.slot[p.stage]
	if i < 0 {
		return
	}
	last := len(p.items) - 1
	p.items[i] = p.items[last]
	p.items[i].slot[p.stage] = i
	p.items[last] = nil
	p.items = p.items[:last]
	m.slot[p.stage] = -1
}

func (p *randPool) has(m *member) bool { return m.slot[p.stage] >= 0 }
func (p *randPool) len() int           { return len(p.items) }
func (p *randPool) reorder()           {}

func (p *randPool) pick(*call) *member {
	if len(p.items) == 0 {
		return nil
	}
	return p.items[p.rng.IntN(len(p.items))]
}

func (p *randPool) each(f func(m *member)) {
	for _, m := range p.items {
		f(m)
	}
}
