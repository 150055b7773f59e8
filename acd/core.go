package acd

import (
	"log/slog"
	"maps"
	"math/rand/v2"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
)

// core is the ACD's state and decisions, without goroutines: the actor (ACD.Run)
// feeds it one message or timer at a time, with c.now set, then calls settle.
// Tests and benchmarks drive it directly.
type core struct {
	cfg Config
	log *slog.Logger
	pub Publisher
	rng *rand.Rand
	loc *time.Location

	now time.Time // of the message or timer being handled
	day int       // yyyymmdd of now in loc, for daily counts

	queues  []*queue
	queueBy map[string]*queue
	agents  []*agent
	agentBy map[string]*agent
	calls   map[telephony.CallID]*call // waiting, ringing or talking
	memory  map[string]memo            // caller number → the agent who answered them last
	timers  minHeap[*timer]
	seq     uint64 // last timer
	callSeq uint64 // last call

	// Work found while handling a message, done by settle.
	emptied  fifo[*queue] // last present member left a leave-when-empty queue
	newFree  fifo[*agent] // became free
	newCalls []*call      // started waiting

	// Effects, set by the actor. startOffer must set a.stop.
	startOffer func(a *agent, k *call)
	divert     func(k Call, o Overflow)

	saver    Saver    // keeps runtime changes; nil: not kept (runtime.go)
	retiring []*agent // removed while talking, until their work ends (runtime.go)
}

type memo struct {
	agent *agent
	at    time.Time
}

// memoryDays is how long call memory keeps a caller's last agent.
const memoryDays = 30

type queue struct {
	cfg      QueueConfig
	strat    strategy
	ringAll  bool
	overflow Overflow
	members  []*member        // in the strategy's rank order; member.pos indexes this
	waiting  []minHeap[*call] // per widening stage: waiting callers, best first
	pools    []pool           // per widening stage: free members who qualify at that stage
	byPrio   map[int]int      // waiting callers per priority, for cheap positions on join
	cursor   int              // circular: position of the member last offered a call; -1 none
	present  int              // members logged in with a reachable phone
	nWaiting int              // in the waiting heaps
	nRinging int              // offered, not yet answered
	waits    samples          // recent answered waits
	handles  samples          // recent handle times (answer to end of wrap-up)
	stats    dayStats         // today's counts
}

type dayStats struct {
	answered, answeredIn   int // all, and within the service level time
	abandoned, abandonedIn int // all, and within the service level time (not held against it)
	overflowed             int
}

// member is an agent's place in one queue.
type member struct {
	a     *agent
	q     *queue
	pos   int   // index in q.members
	stage int   // the first widening stage at which the agent qualifies
	slot  []int // index in each stage's pool (heap and random pools); -1 outside
}

type agent struct {
	cfg       AgentConfig
	pub       Agent
	state     State
	reason    string
	since     time.Time
	down      bool // the phone is unreachable
	members   []*member
	call      *call // ringing or talking
	missed    int   // offers missed in a row
	taken     int   // answered today
	idleSince time.Time
	pending   *string // not ready requested while talking: the reason
	epoch     uint64  // bumps on every state change; timers compare
	workQ     *queue  // queue of the call being handled, for its handle time
	workStart time.Time
	stop      func() // ends the running offer's context
	retired   bool   // removed from the config while talking: leaves after the call (runtime.go)
}

func (a *agent) free() bool    { return a.state == StateReady && !a.down }
func (a *agent) present() bool { return a.state != StateLoggedOut && !a.down }
func (a *agent) staffed() bool { return a.present() && a.state != StateNotReady }

func (a *agent) memberOf(q *queue) *member {
	for _, m := range a.members {
		if m.q == q {
			return m
		}
	}
	return nil
}

type callState int

const (
	callWaiting callState = iota
	callRinging
	callTalking
)

type call struct {
	pub     Call
	q       *queue
	prio    int       // caller's priority plus the queue's
	arrived time.Time // entered the ACD: cross-queue fairness
	queued  time.Time // entered its current queue: max wait, widening, wait stats
	seq     uint64
	stage   int
	state   callState
	idx     int    // index in q.waiting[stage] while waiting; -1 otherwise
	visit   uint64 // bumps on each queue joined; max-wait and widening timers compare
	round   uint64 // bumps on each offer; ring timers compare
	gone    bool
	ringing []*agent
	agent   *agent // talking
	expired bool   // max wait passed while ringing
	est     time.Duration
	estSet  bool
	visited []string  // queues overflowed from
	cb      *callback // set once the caller asked to be called back (callback.go)
	direct  bool      // offered to one named agent only, never queued (direct.go)
}

// before orders callers: higher priority, then longer in the ACD (across
// queues), then first come.
func (k *call) before(o *call) bool {
	if k.prio != o.prio {
		return k.prio > o.prio
	}
	if !k.arrived.Equal(o.arrived) {
		return k.arrived.Before(o.arrived)
	}
	return k.seq < o.seq
}

type timer struct {
	at  time.Time
	seq uint64
	fn  func()
}

func newCore(cfg Config, d Deps, now time.Time) *core {
	c := &core{
		cfg:     cfg,
		saver:   d.Saver,
		log:     d.Log,
		pub:     d.Events,
		rng:     d.Rand,
		loc:     d.Location,
		now:     now,
		queueBy: make(map[string]*queue),
		agentBy: make(map[string]*agent),
		calls:   make(map[telephony.CallID]*call),
		memory:  make(map[string]memo),
	}
	c.day = dayOf(now, c.loc)
	c.timers = minHeap[*timer]{
		less: func(x, y *timer) bool {
			if !x.at.Equal(y.at) {
				return x.at.Before(y.at)
			}
			return x.seq < y.seq
		},
		at: func(*timer, int) {},
	}
	for _, ac := range cfg.Agents {
		a := newAgent(ac, now)
		c.agents = append(c.agents, a)
		c.agentBy[ac.ID] = a
	}
	for _, qc := range cfg.Queues {
		q := c.newQueue(qc) // runtime.go
		c.queues = append(c.queues, q)
		c.queueBy[qc.Name] = q
	}
	return c
}

func dayOf(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return y*10000 + int(m)*100 + d
}

// tick sets the time for the next message or timer and resets the daily counts
// when the day has changed.
func (c *core) tick(now time.Time) {
	c.now = now
	d := dayOf(now, c.loc)
	if d == c.day {
		return
	}
	c.day = d
	for _, q := range c.queues {
		q.stats = dayStats{}
	}
	for _, a := range c.agents {
		a.taken = 0
	}
	for _, q := range c.queues {
		for _, p := range q.pools {
			p.reorder()
		}
	}
	for caller, m := range c.memory {
		if now.Sub(m.at) > memoryDays*24*time.Hour {
			delete(c.memory, caller)
		}
	}
}

func (c *core) publish(e event.Event) {
	if c.pub != nil {
		c.pub.Publish(e)
	}
}

func (c *core) base(k *call) event.Base {
	b := event.Base{At: c.now}
	if k != nil {
		b.CallID = CallOf(k.pub.ID) // a transfer call's events are the caller's (direct.go)
	}
	return b
}

// at runs fn at t (from fire, with c.now ≥ t). Timers are never cancelled: fn
// checks that what it was set for still holds (an epoch, round or visit).
func (c *core) at(t time.Time, fn func()) {
	c.seq++
	c.timers.push(&timer{at: t, seq: c.seq, fn: fn})
}

func (c *core) nextTimer() (time.Time, bool) {
	t, ok := c.timers.top()
	if !ok {
		return time.Time{}, false
	}
	return t.at, true
}

// fire runs the timers that are due.
func (c *core) fire() {
	for {
		t, ok := c.timers.top()
		if !ok || t.at.After(c.now) {
			return
		}
		c.timers.pop()
		t.fn()
	}
}

// settle does the work the last message or timer left: callers of emptied
// queues sent on, newly free agents given the best caller they can serve, and
// newly waiting callers given an agent. Afterwards no waiting caller has a free
// agent who qualifies for them, which is what lets each dispatch look at one
// agent or one caller only.
func (c *core) settle() {
	for {
		switch {
		case c.emptied.len() > 0:
			q := c.emptied.pop()
			if q.present > 0 {
				continue
			}
			var ks []*call
			for _, h := range q.waiting {
				ks = append(ks, h.items...)
			}
			sortCalls(ks)
			for _, k := range ks {
				c.overflow(k, "empty")
			}
		case c.newFree.len() > 0:
			if a := c.newFree.pop(); a.free() {
				c.dispatchAgent(a)
			}
		case len(c.newCalls) > 0:
			ks := c.newCalls
			c.newCalls = nil
			sortCalls(ks)
			for _, k := range ks {
				if !k.gone && k.state == callWaiting {
					c.dispatchCall(k)
				}
			}
		default:
			c.reap() // runtime.go: removed agents whose call work is over
			return
		}
	}
}

// move changes a's state, keeping pools and counts in step, and publishes it.
func (c *core) move(a *agent, to State, reason string) {
	if !canMove(a.state, to) {
		c.log.Error("acd: agent state", "agent", a.cfg.ID, "err", &TransitionError{Agent: a.cfg.ID, From: a.state, To: to})
		return
	}
	wasFree, wasPresent := a.free(), a.present()
	prev := a.state
	a.state, a.reason, a.since = to, reason, c.now
	a.epoch++
	c.refresh(a, wasFree, wasPresent)
	c.publishAgent(a, prev)
}

func (c *core) publishAgent(a *agent, prev State) {
	e := event.AgentStateChanged{Base: c.base(a.call), Agent: a.cfg.ID, State: string(a.state),
		Reason: a.reason, Prev: string(prev), Reachable: !a.down}
	c.publish(e)
}

// refresh puts a in or out of its queues' pools and presence counts after its
// state or phone changed.
func (c *core) refresh(a *agent, wasFree, wasPresent bool) {
	if f := a.free(); f != wasFree {
		for _, m := range a.members {
			for s := m.stage; s < len(m.q.pools); s++ {
				if f {
					m.q.pools[s].add(m)
				} else {
					m.q.pools[s].remove(m)
				}
			}
		}
		if f {
			c.newFree.push(a)
		}
	}
	if p := a.present(); p != wasPresent {
		for _, m := range a.members {
			if p {
				m.q.present++
				continue
			}
			m.q.present--
			if m.q.present == 0 && m.q.cfg.WhenEmpty == EmptyLeave {
				c.emptied.push(m.q)
			}
		}
	}
}

// wait puts k in its queue's waiting heap for its stage.
func (c *core) wait(k *call) {
	k.state = callWaiting
	k.q.waiting[k.stage].push(k)
	k.q.nWaiting++
	k.q.byPrio[k.prio]++
}

// unwait takes k out of the waiting heap.
func (c *core) unwait(k *call) {
	if k.idx < 0 {
		return
	}
	k.q.waiting[k.stage].remove(k.idx)
	k.q.nWaiting--
	if k.q.byPrio[k.prio]--; k.q.byPrio[k.prio] == 0 {
		delete(k.q.byPrio, k.prio)
	}
}

// join puts k in q, or sends it on if q refuses it.
func (c *core) join(k *call, q *queue) {
	k.q = q
	k.pub.Queue = q.cfg.Name
	k.prio = k.pub.Priority + q.cfg.Priority
	k.queued = c.now
	k.stage = 0
	k.visit++
	k.expired = false
	k.estSet = false
	k.idx = -1
	switch {
	case q.present == 0 && q.cfg.WhenEmpty != EmptyJoin:
		c.overflow(k, "empty")
		return
	case q.cfg.MaxLength > 0 && q.nWaiting >= q.cfg.MaxLength:
		c.overflow(k, "max_length")
		return
	}
	var pos int
	if k.seq == c.callSeq {
		// Newest of all: behind every caller of its priority or higher.
		pos = 1
		for p, n := range q.byPrio {
			if p >= k.prio {
				pos += n
			}
		}
	}
	c.wait(k)
	if pos == 0 {
		pos = c.position(k)
	}
	visit := k.visit
	if q.cfg.MaxWait > 0 {
		c.at(c.now.Add(q.cfg.MaxWait), func() {
			switch {
			case k.gone || k.visit != visit:
			case k.state == callWaiting:
				c.overflow(k, "max_wait")
			case k.state == callRinging:
				k.expired = true // sent on if it comes back
			}
		})
	}
	c.scheduleWiden(k)
	c.publish(event.CallQueued{Base: c.base(k), Queue: q.cfg.Name, Caller: k.pub.Caller, Priority: k.prio, Position: pos})
	c.newCalls = append(c.newCalls, k)
}

// scheduleWiden sets the timer for k's next widening stage, if it has one.
func (c *core) scheduleWiden(k *call) {
	q := k.q
	if k.stage+1 >= len(q.waiting) {
		return
	}
	visit := k.visit
	c.at(k.queued.Add(time.Duration(k.stage+1)*q.cfg.WidenAfter), func() {
		if k.gone || k.visit != visit {
			return
		}
		waiting := k.state == callWaiting
		if waiting {
			c.unwait(k)
		}
		k.stage++
		if waiting {
			c.wait(k)
			c.newCalls = append(c.newCalls, k)
		}
		c.scheduleWiden(k)
	})
}

// overflow sends k on from its queue with the queue's overflow action.
func (c *core) overflow(k *call, reason string) {
	if c.keepCallback(k) {
		return
	}
	q := k.q
	c.unwait(k)
	q.stats.overflowed++
	o := q.overflow
	if o.Action == OverflowQueue {
		k.visited = append(k.visited, q.cfg.Name)
		t := c.queueBy[o.Queue]
		if !contains(k.visited, o.Queue) {
			c.publish(event.CallOverflowed{Base: c.base(k), Queue: q.cfg.Name, Reason: reason, Action: o.Action, Target: o.Queue})
			c.join(k, t)
			return
		}
		c.log.Warn("acd: overflow loop, saying goodbye", "call_id", k.pub.ID, "queue", q.cfg.Name, "target", o.Queue)
		o = Overflow{Action: OverflowGoodbye}
	}
	c.publish(event.CallOverflowed{Base: c.base(k), Queue: q.cfg.Name, Reason: reason, Action: o.Action})
	c.forget(k)
	if c.divert != nil {
		c.divert(k.pub, o)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (c *core) forget(k *call) {
	k.gone = true
	delete(c.calls, k.pub.ID)
}

// dispatchCall offers the newly waiting k to the agent its queue's strategy
// picks among the free members who qualify at k's stage.
func (c *core) dispatchCall(k *call) {
	p := k.q.pools[k.stage]
	if p.len() == 0 {
		return
	}
	if k.q.ringAll {
		var ms []*member
		p.each(func(m *member) { ms = append(ms, m) })
		c.offer(k, ms)
		return
	}
	c.offer(k, []*member{p.pick(k)})
}

// dispatchAgent offers the newly free a the best caller it qualifies for across
// its queues: highest priority, then longest in the ACD.
func (c *core) dispatchAgent(a *agent) {
	var best *call
	for _, m := range a.members {
		q := m.q
		for s := m.stage; s < len(q.waiting); s++ {
			if k, ok := q.waiting[s].top(); ok && (best == nil || k.before(best)) {
				best = k
			}
		}
	}
	if best == nil {
		return
	}
	if best.q.ringAll {
		c.dispatchCall(best)
		return
	}
	c.offer(best, []*member{a.memberOf(best.q)})
}

// offer rings ms with k.
func (c *core) offer(k *call, ms []*member) {
	q := k.q
	c.unwait(k)
	k.state = callRinging
	q.nRinging++
	k.round++
	for _, m := range ms {
		a := m.a
		a.call = k
		k.ringing = append(k.ringing, a)
		q.cursor = m.pos
		c.publish(event.CallOffered{Base: c.base(k), Queue: q.cfg.Name, Agent: a.cfg.ID, Extension: a.pub.Extension.String(),
			Caller: k.pub.Caller, Called: k.pub.Called, Data: maps.Clone(k.pub.Data)})
		c.move(a, StateRinging, "")
		if c.startOffer != nil {
			c.startOffer(a, k)
		}
	}
	round := k.round
	c.at(c.now.Add(q.cfg.RingTimeout), func() {
		if k.gone || k.round != round || k.state != callRinging {
			return
		}
		missed := append([]*agent(nil), k.ringing...)
		for _, a := range missed {
			c.dropOffer(k, a, "timeout")
		}
		c.requeue(k)
		for _, a := range missed {
			c.afterMiss(a, q)
		}
	})
}

// dropOffer ends a's offer of k without a taking it. The caller then requeues
// k if it wants (before freeing a, so a missed call goes to someone else first)
// and moves a on.
func (c *core) dropOffer(k *call, a *agent, reason string) {
	for i, x := range k.ringing {
		if x == a {
			k.ringing = append(k.ringing[:i], k.ringing[i+1:]...)
			break
		}
	}
	c.stopOffer(a)
	c.publish(event.CallOfferMissed{Base: c.base(k), Queue: k.q.cfg.Name, Agent: a.cfg.ID, Reason: reason})
	a.call = nil
}

func (c *core) stopOffer(a *agent) {
	if a.stop != nil {
		a.stop()
		a.stop = nil
	}
}

// requeue puts k back in its queue once no agent rings with it any more.
func (c *core) requeue(k *call) {
	if k.gone || k.state != callRinging || len(k.ringing) > 0 {
		return
	}
	k.q.nRinging--
	if k.direct {
		c.directMissed(k) // direct.go: nobody else may take it
		return
	}
	if k.expired {
		k.state = callWaiting
		c.overflow(k, "max_wait")
		return
	}
	c.wait(k)
	c.dispatchCall(k)
}

// afterMiss moves on an agent who let an offer from q ring out or refused it.
func (c *core) afterMiss(a *agent, q *queue) {
	a.missed++
	if a.missed >= q.cfg.MaxNoAnswer {
		a.missed = 0
		c.move(a, StateNotReady, ReasonNoAnswer)
		return
	}
	c.move(a, StateReady, "")
}

// answer connects k to a, which was ringing with it.
func (c *core) answer(k *call, a *agent) {
	q := k.q
	for _, b := range append([]*agent(nil), k.ringing...) {
		if b != a {
			c.dropOffer(k, b, "withdrawn")
			c.move(b, StateReady, "")
		}
	}
	k.ringing = nil
	c.stopOffer(a)
	k.state = callTalking
	q.nRinging--
	k.agent = a
	a.missed = 0
	a.taken++
	a.workQ, a.workStart = q, c.now
	c.move(a, StateTalking, "")
	wait := c.now.Sub(k.queued)
	q.waits.add(wait)
	q.stats.answered++
	if wait <= q.cfg.ServiceLevel {
		q.stats.answeredIn++
	}
	if k.pub.Caller != "" {
		c.memory[k.pub.Caller] = memo{agent: a, at: c.now}
	}
	c.publish(event.CallTaken{Base: c.base(k), Queue: q.cfg.Name, Agent: a.cfg.ID, Wait: wait,
		ServiceLevel: q.cfg.ServiceLevel})
	epoch := a.epoch
	c.at(c.now.Add(c.cfg.MaxTalk), func() {
		if a.epoch == epoch && a.call == k && !k.gone {
			c.log.Warn("acd: talking too long, call end never reported; moving the agent on",
				"call_id", k.pub.ID, "agent", a.cfg.ID)
			c.endTalk(k)
		}
	})
}

// endTalk ends k's talk: the agent goes to wrap-up, or straight on.
func (c *core) endTalk(k *call) {
	a := k.agent
	c.forget(k)
	a.call = nil
	if w := k.q.cfg.WrapUp; w > 0 {
		c.move(a, StateWrapUp, "")
		epoch := a.epoch
		c.at(c.now.Add(w), func() {
			if a.epoch == epoch {
				c.finishWork(a)
			}
		})
		return
	}
	c.finishWork(a)
}

// closeWork records the handle time of the call a has just finished with.
func (c *core) closeWork(a *agent) {
	if a.workQ != nil {
		a.workQ.handles.add(c.now.Sub(a.workStart))
		a.workQ = nil
	}
	a.idleSince = c.now
}

// finishWork ends a's call work: ready, or not ready if asked for meanwhile.
func (c *core) finishWork(a *agent) {
	c.closeWork(a)
	if r := a.pending; r != nil {
		a.pending = nil
		c.move(a, StateNotReady, *r)
		return
	}
	c.move(a, StateReady, "")
}

// abandon takes k out of the ACD because the caller left.
func (c *core) abandon(k *call) {
	q := k.q
	pos := 0
	switch k.state {
	case callWaiting:
		pos = c.position(k)
		c.unwait(k)
	case callRinging:
		q.nRinging--
	}
	c.forget(k)
	for _, a := range append([]*agent(nil), k.ringing...) {
		c.dropOffer(k, a, "withdrawn")
		c.move(a, StateReady, "")
	}
	wait := c.now.Sub(k.queued)
	q.stats.abandoned++
	if wait <= q.cfg.ServiceLevel {
		q.stats.abandonedIn++
	}
	c.publish(event.CallAbandonedQueue{Base: c.base(k), Queue: q.cfg.Name, Caller: k.pub.Caller, Wait: wait, Position: pos,
		ServiceLevel: q.cfg.ServiceLevel})
}

// position is k's place in its queue, 1 next; 0 while ringing. It counts the
// callers ahead: O(waiting), fine for announcements and the wallboard.
func (c *core) position(k *call) int {
	if k.state != callWaiting {
		return 0
	}
	n := 1
	for _, h := range k.q.waiting {
		for _, x := range h.items {
			if x.before(k) {
				n++
			}
		}
	}
	return n
}

// fifo is a first-in first-out list.
type fifo[T any] struct {
	items []T
	head  int
}

func (f *fifo[T]) push(t T) { f.items = append(f.items, t) }
func (f *fifo[T]) len() int { return len(f.items) - f.head }

func (f *fifo[T]) peek() T { return f.items[f.head] }

func (f *fifo[T]) pop() T {
	t := f.items[f.head]
	var zero T
	f.items[f.head] = zero
	f.head++
	if f.head == len(f.items) {
		f.items, f.head = f.items[:0], 0
	}
	return t
}
