package acd

import (
	"time"

	"tracecall/telephony"
)

// Snapshot is the ACD at one moment, for the wallboard and the API.
type Snapshot struct {
	At     time.Time     `json:"at"`
	Queues []QueueStatus `json:"queues"`
	Agents []AgentStatus `json:"agents"`
}

// QueueStatus is one queue. Counts are for today (the Deps.Location day).
type QueueStatus struct {
	Name        string        `json:"name"`
	Strategy    string        `json:"strategy"`
	Calls       []QueuedCall  `json:"calls"` // ringing first, then waiting in the order they will be served
	Waiting     int           `json:"waiting"`
	Ringing     int           `json:"ringing"`
	LongestWait time.Duration `json:"longest_wait_ns"`
	AverageWait time.Duration `json:"average_wait_ns"` // of the recent answered calls
	Answered    int           `json:"answered"`
	Abandoned   int           `json:"abandoned"`
	Overflowed  int           `json:"overflowed"`
	// ServiceLevel is the share of today's calls answered within the queue's
	// service level time, counting abandons after that time against it and
	// abandons before it not at all; -1 before any such call.
	ServiceLevel float64 `json:"service_level"`
	Members      int     `json:"members"`
	LoggedIn     int     `json:"logged_in"` // with a reachable phone
	Ready        int     `json:"ready"`     // free for a call now
}

// QueuedCall is a call waiting in, or ringing from, a queue.
type QueuedCall struct {
	ID       telephony.CallID `json:"call_id"`
	Caller   string           `json:"caller"`
	Priority int              `json:"priority"`
	Position int              `json:"position"` // 0 while ringing
	Wait     time.Duration    `json:"wait_ns"`
	Ringing  []string         `json:"ringing,omitempty"`  // agents offered the call
	Callback bool             `json:"callback,omitempty"` // a callback request: the caller is not on the line
}

// AgentStatus is one agent.
type AgentStatus struct {
	ID        string           `json:"id"`
	Name      string           `json:"name"`
	Role      Role             `json:"role"`
	Extension string           `json:"extension"`
	State     State            `json:"state"`
	Reason    string           `json:"reason,omitempty"`
	Since     time.Time        `json:"since"`
	CallID    telephony.CallID `json:"call_id,omitempty"`
	Taken     int              `json:"taken"` // calls answered today
	Reachable bool             `json:"reachable"`
	Queues    []string         `json:"queues"`
}

func (c *core) snapshot() Snapshot {
	s := Snapshot{At: c.now}
	ringing := map[*queue][]*call{}
	for _, k := range c.calls {
		if k.state == callRinging {
			ringing[k.q] = append(ringing[k.q], k)
		}
	}
	for _, q := range c.queues {
		qs := QueueStatus{
			Name:         q.cfg.Name,
			Strategy:     q.cfg.Strategy,
			Waiting:      q.nWaiting,
			Ringing:      q.nRinging,
			Answered:     q.stats.answered,
			Abandoned:    q.stats.abandoned,
			Overflowed:   q.stats.overflowed,
			ServiceLevel: -1,
			Members:      len(q.members),
			LoggedIn:     q.present,
			Ready:        q.pools[len(q.pools)-1].len(),
		}
		qs.AverageWait, _ = q.waits.mean()
		if n := q.stats.answered + q.stats.abandoned - q.stats.abandonedIn; n > 0 {
			qs.ServiceLevel = float64(q.stats.answeredIn) / float64(n)
		}
		rs := ringing[q]
		sortCalls(rs)
		for _, k := range rs {
			qc := c.queued(k, 0)
			for _, a := range k.ringing {
				qc.Ringing = append(qc.Ringing, a.cfg.ID)
			}
			qs.Calls = append(qs.Calls, qc)
		}
		var ws []*call
		for _, h := range q.waiting {
			ws = append(ws, h.items...)
		}
		sortCalls(ws)
		for i, k := range ws {
			qs.Calls = append(qs.Calls, c.queued(k, i+1))
		}
		for _, qc := range qs.Calls {
			qs.LongestWait = max(qs.LongestWait, qc.Wait)
		}
		s.Queues = append(s.Queues, qs)
	}
	for _, a := range c.agents {
		as := AgentStatus{
			ID:        a.cfg.ID,
			Name:      a.cfg.Name,
			Role:      a.cfg.Role,
			Extension: a.pub.Extension.String(),
			State:     a.state,
			Reason:    a.reason,
			Since:     a.since,
			Taken:     a.taken,
			Reachable: !a.down,
		}
		if a.call != nil {
			as.CallID = CallOf(a.call.pub.ID) // a transfer rings under the caller's call
		}
		for _, m := range a.members {
			as.Queues = append(as.Queues, m.q.cfg.Name)
		}
		s.Agents = append(s.Agents, as)
	}
	return s
}

func (c *core) queued(k *call, pos int) QueuedCall {
	return QueuedCall{ID: k.pub.ID, Caller: k.pub.Caller, Priority: k.prio, Position: pos, Wait: c.now.Sub(k.queued),
		Callback: k.cb != nil}
}
