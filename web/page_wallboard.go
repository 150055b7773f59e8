package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"tracecall/cdr"
	"tracecall/cdr/phase"
	"tracecall/store"
	"tracecall/telephony"
)

// WallboardSource feeds the wallboard's queue and agent sections; the ACD
// implements it. Snapshot should return a WallboardSnapshot (or a pointer to
// one), which the page shows as tables; any other value is shown as JSON.
// The queues' figures are not the source's: the page fills them in from the
// live calls and the call records (queueFigures).
type WallboardSource interface {
	Snapshot(ctx context.Context) (any, error)
}

// Figures gives the queues' figures over the call records of the calls that
// started in [from, to); *cdr.Writer is one.
type Figures interface {
	Figures(from, to time.Time) []cdr.QueueFigures
}

// WallboardSnapshot is the ACD's state now, as the wallboard shows it.
type WallboardSnapshot struct {
	Queues []WallboardQueue `json:"queues"`
	Agents []WallboardAgent `json:"agents"`
}

// WallboardQueue is one queue on the wallboard: its calls now, counted by
// package cdr/phase (Waiting, Ringing, Talking, Callbacks waiting,
// LongestWait), and today's figures from the call records, by the formulas
// of cdr.QueueFigures (ServiceLevel and AbandonRate -1 before any call).
type WallboardQueue struct {
	Name             string        `json:"name"`
	Waiting          int           `json:"waiting"`
	Ringing          int           `json:"ringing"`
	Talking          int           `json:"talking"`
	CallbacksWaiting int           `json:"callbacks_waiting"`
	LongestWait      time.Duration `json:"longest_wait_ns"`
	cdr.Summary
}

// WallboardAgent is one agent on the wallboard.
type WallboardAgent struct {
	Name   string    `json:"name"`
	State  string    `json:"state"` // as event.AgentStateChanged.State
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"`
	Calls  int       `json:"calls"` // taken today
}

// lineCounts are the wallboard's line figures; InIVR and Calls are the
// live calls' (phase.Counts IVR and Calls).
type lineCounts struct {
	Lines   int `json:"lines"`
	Idle    int `json:"idle"`
	Ringing int `json:"ringing"`
	InCall  int `json:"in_call"`
	Busy    int `json:"busy"`
	InIVR   int `json:"in_ivr"`
	Calls   int `json:"calls_active"`
}

func (s *Server) lineCounts(calls phase.Counts) lineCounts {
	var c lineCounts
	if s.deps.Lines != nil {
		for _, l := range s.deps.Lines.Lines() {
			c.Lines++
			switch l.State {
			case telephony.LineIdle:
				c.Idle++
			case telephony.LineRinging:
				c.Ringing++
			default:
				c.InCall++
			}
		}
	}
	c.Busy = c.Lines - c.Idle
	c.InIVR, c.Calls = calls.IVR, calls.Calls
	return c
}

// today is the day now falls in, in the panel's zone: [start, end).
func (s *Server) today(now time.Time) (start, end time.Time) {
	y, m, d := now.In(s.deps.Location).Date()
	start = time.Date(y, m, d, 0, 0, 0, 0, s.deps.Location)
	return start, start.AddDate(0, 0, 1)
}

// figures returns the queues' figures of the calls that started in [from,
// to): the writer's, or else read from the records.
func (s *Server) figures(from, to time.Time) []cdr.QueueFigures {
	if s.deps.Figures != nil {
		return s.deps.Figures.Figures(from, to)
	}
	var records []store.CallRecord
	err := s.deps.Store.ForEachCall(from, to, func(r *store.CallRecord) error {
		records = append(records, *r)
		return nil
	})
	if err != nil {
		s.deps.Log.Error("wallboard figures", "err", err)
	}
	return cdr.Figures(records)
}

// queueRows merges the queues the ACD names with those that have calls now
// or records today, and fills in each one's counts and figures.
func queueRows(acd []WallboardQueue, live phase.Counts, figs []cdr.QueueFigures) []WallboardQueue {
	var names []string
	for _, q := range acd {
		names = append(names, q.Name)
	}
	for _, q := range live.Queues {
		names = append(names, q.Queue)
	}
	for _, f := range figs {
		names = append(names, f.Queue)
	}
	ordered := slices.Clone(names[:len(acd)]) // the ACD's order first
	slices.Sort(names)
	for _, n := range slices.Compact(names) {
		if !slices.Contains(ordered, n) {
			ordered = append(ordered, n)
		}
	}
	out := make([]WallboardQueue, 0, len(ordered))
	for _, n := range ordered {
		q := live.Queue(n)
		row := WallboardQueue{Name: n, Waiting: q.Waiting, Ringing: q.Ringing, Talking: q.Talking,
			CallbacksWaiting: q.Callbacks, LongestWait: q.LongestWait, Summary: cdr.Summary{ServiceLevel: -1, AbandonRate: -1}}
		if i := slices.IndexFunc(figs, func(f cdr.QueueFigures) bool { return f.Queue == n }); i >= 0 {
			row.Summary = figs[i].Summary
		}
		out = append(out, row)
	}
	return out
}

// wallboard is what the wallboard shows now: GET /api/wallboard's body.
type wallboard struct {
	Lines lineCounts   `json:"lines"`
	Calls phase.Counts `json:"calls"`
	// Day is the day the queues' figures count (calls that started on it,
	// in the panel's zone).
	Day           string           `json:"day"`
	Queues        []WallboardQueue `json:"queues"`
	ACDConfigured bool             `json:"acd_configured"`
	ACD           any              `json:"acd"` // the agents and queues, as WallboardSource gave them
	ACDError      string           `json:"acd_error,omitempty"`
	snap          *WallboardSnapshot
	failed        bool
}

// snapshotTimeout bounds asking the ACD for the wallboard.
const snapshotTimeout = 2 * time.Second

// wallboard gathers the live calls, today's figures and the ACD's snapshot.
func (s *Server) wallboard(ctx context.Context) wallboard {
	now := time.Now()
	from, to := s.today(now)
	b := wallboard{Calls: s.live.Counts(now), Day: from.Format(time.DateOnly)}
	b.Lines = s.lineCounts(b.Calls)
	var acdQueues []WallboardQueue
	if src := s.deps.Wallboard; src != nil {
		b.ACDConfigured = true
		ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
		snap, err := src.Snapshot(ctx)
		cancel()
		switch sn := snap.(type) {
		case nil:
		case *WallboardSnapshot:
			c := *sn
			b.snap = &c
		case WallboardSnapshot:
			b.snap = &sn
		default:
			b.ACD = snap
		}
		if err != nil {
			s.deps.Log.Warn("wallboard", "err", fmt.Errorf("web: wallboard snapshot: %w", err))
			b.failed, b.ACDError = true, "the ACD did not answer; see the daemon log"
		}
		if b.snap != nil {
			acdQueues = b.snap.Queues
		}
	}
	b.Queues = queueRows(acdQueues, b.Calls, s.figures(from, to))
	if b.snap != nil {
		b.snap.Queues = b.Queues // one set of figures, whichever field is read
		b.ACD = b.snap
	}
	return b
}

// queueRow and agentRow are the wallboard's ACD rows, in the page's language.
type queueRow struct {
	Name, LongestWait, ServiceLevel, AbandonRate, AverageAnswer string
	Waiting, Ringing, Talking, CallbacksWaiting                 int
	Answered, Abandoned, ShortAbandoned, Overflowed             int
}

type agentRow struct {
	Name, State, StateText, Reason, InState string
	Calls                                   int
}

// wallboardData is the wallboard's own data.
type wallboardData struct {
	Lines      lineCounts
	Calls      phase.Counts
	Day        string
	Configured bool
	Failed     bool
	Queues     []queueRow
	Agents     []agentRow
	Raw        string // a snapshot of a type the page does not know, as JSON
}

func (s *Server) handleWallboardPage(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_wallboard")
	v.Live = true
	b := s.wallboard(r.Context())
	d := wallboardData{Lines: b.Lines, Calls: b.Calls, Day: b.Day, Configured: b.ACDConfigured, Failed: b.failed}
	now := time.Now()
	d.Queues = queueRowsText(v.M, b.Queues)
	switch {
	case b.snap != nil:
		d.Agents = agentRows(v.M, b.snap.Agents, now)
	case b.ACD != nil:
		out, err := json.MarshalIndent(b.ACD, "", "  ")
		if err != nil {
			s.deps.Log.Warn("wallboard: encode snapshot", "err", err)
			d.Failed = true
		}
		d.Raw = string(out)
	}
	v.Data = d
	s.render(w, http.StatusOK, "wallboard", v)
}

// percent shows a rate of 0 to 1 as a whole percentage, a negative one as
// a dash (no call counted yet).
func percent(x float64) string {
	if x < 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", 100*x)
}

func queueRowsText(m map[string]string, qs []WallboardQueue) []queueRow {
	out := make([]queueRow, 0, len(qs))
	for _, q := range qs {
		out = append(out, queueRow{
			Name: q.Name, Waiting: q.Waiting, Ringing: q.Ringing, Talking: q.Talking, CallbacksWaiting: q.CallbacksWaiting,
			Answered: q.Answered, Abandoned: q.Abandoned, ShortAbandoned: q.ShortAbandoned, Overflowed: q.Overflowed,
			LongestWait:   formatDuration(q.LongestWait.Seconds()),
			ServiceLevel:  percent(q.ServiceLevel),
			AbandonRate:   percent(q.AbandonRate),
			AverageAnswer: formatDuration(q.AverageAnswer.Seconds()),
		})
	}
	return out
}

func agentRows(m map[string]string, agents []WallboardAgent, now time.Time) []agentRow {
	as := make([]agentRow, 0, len(agents))
	for _, a := range agents {
		row := agentRow{Name: a.Name, State: a.State, StateText: textOr(m, "agent_"+a.State, a.State), Reason: textOr(m, "reason_"+a.Reason, a.Reason), Calls: a.Calls}
		if !a.Since.IsZero() {
			row.InState = formatDuration(now.Sub(a.Since).Seconds())
		}
		as = append(as, row)
	}
	return as
}

func (s *Server) handleAPIWallboard(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.wallboard(r.Context()))
}
