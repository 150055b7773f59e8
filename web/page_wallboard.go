package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"tracecall/telephony"
)

// WallboardSource feeds the wallboard's queue and agent sections; the ACD
// implements it. Snapshot should return a WallboardSnapshot (or a pointer to
// one), which the page shows as tables; any other value is shown as JSON.
type WallboardSource interface {
	Snapshot(ctx context.Context) (any, error)
}

// WallboardSnapshot is the ACD's state now, as the wallboard shows it.
type WallboardSnapshot struct {
	Queues []WallboardQueue `json:"queues"`
	Agents []WallboardAgent `json:"agents"`
}

// WallboardQueue is one queue on the wallboard.
type WallboardQueue struct {
	Name         string        `json:"name"`
	Waiting      int           `json:"waiting"`
	LongestWait  time.Duration `json:"longest_wait_ns"`
	Answered     int           `json:"answered"`
	Abandoned    int           `json:"abandoned"`
	ServiceLevel float64       `json:"service_level"` // 0 to 1
}

// WallboardAgent is one agent on the wallboard.
type WallboardAgent struct {
	Name   string    `json:"name"`
	State  string    `json:"state"` // as event.AgentStateChanged.State
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"`
	Calls  int       `json:"calls"` // taken today
}

// lineCounts are the wallboard's line figures.
type lineCounts struct {
	Lines   int `json:"lines"`
	Idle    int `json:"idle"`
	Ringing int `json:"ringing"`
	InCall  int `json:"in_call"`
	Busy    int `json:"busy"`
	InIVR   int `json:"in_ivr"`
	Calls   int `json:"calls_active"`
}

func (s *Server) lineCounts() lineCounts {
	var c lineCounts
	for _, ll := range s.deps.Lines {
		for _, l := range ll.Lines() {
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
	c.InIVR, c.Calls = s.live.inIVR(), s.live.count()
	return c
}

// snapshotTimeout bounds asking the ACD for the wallboard.
const snapshotTimeout = 2 * time.Second

// acdSnapshot asks the wallboard source, if any, for its state.
func (s *Server) acdSnapshot(ctx context.Context) (snap any, configured bool, err error) {
	if s.deps.Wallboard == nil {
		return nil, false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	snap, err = s.deps.Wallboard.Snapshot(ctx)
	if err != nil {
		return nil, true, fmt.Errorf("web: wallboard snapshot: %w", err)
	}
	return snap, true, nil
}

// queueRow and agentRow are the wallboard's ACD rows, in the page's language.
type queueRow struct {
	Name, LongestWait, ServiceLevel string
	Waiting, Answered, Abandoned    int
}

type agentRow struct {
	Name, State, StateText, Reason, InState string
	Calls                                   int
}

// wallboardData is the wallboard's own data.
type wallboardData struct {
	Lines      lineCounts
	Configured bool
	Failed     bool
	Queues     []queueRow
	Agents     []agentRow
	Raw        string // a snapshot of a type the page does not know, as JSON
}

func (s *Server) handleWallboardPage(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_wallboard")
	v.Live = true
	d := wallboardData{Lines: s.lineCounts()}
	snap, configured, err := s.acdSnapshot(r.Context())
	d.Configured = configured
	if err != nil {
		s.deps.Log.Warn("wallboard", "err", err)
		d.Failed = true
	}
	now := time.Now()
	switch sn := snap.(type) {
	case nil:
	case *WallboardSnapshot:
		d.Queues, d.Agents = acdRows(v.M, *sn, now)
	case WallboardSnapshot:
		d.Queues, d.Agents = acdRows(v.M, sn, now)
	default:
		b, err := json.MarshalIndent(sn, "", "  ")
		if err != nil {
			s.deps.Log.Warn("wallboard: encode snapshot", "err", err)
			d.Failed = true
		}
		d.Raw = string(b)
	}
	v.Data = d
	s.render(w, http.StatusOK, "wallboard", v)
}

func acdRows(m map[string]string, sn WallboardSnapshot, now time.Time) ([]queueRow, []agentRow) {
	qs := make([]queueRow, 0, len(sn.Queues))
	for _, q := range sn.Queues {
		qs = append(qs, queueRow{
			Name: q.Name, Waiting: q.Waiting, Answered: q.Answered, Abandoned: q.Abandoned,
			LongestWait:  formatDuration(q.LongestWait.Seconds()),
			ServiceLevel: fmt.Sprintf("%.0f%%", 100*q.ServiceLevel),
		})
	}
	as := make([]agentRow, 0, len(sn.Agents))
	for _, a := range sn.Agents {
		row := agentRow{Name: a.Name, State: a.State, StateText: textOr(m, "agent_"+a.State, a.State), Reason: textOr(m, "reason_"+a.Reason, a.Reason), Calls: a.Calls}
		if !a.Since.IsZero() {
			row.InState = formatDuration(now.Sub(a.Since).Seconds())
		}
		as = append(as, row)
	}
	return qs, as
}

func (s *Server) handleAPIWallboard(w http.ResponseWriter, r *http.Request) {
	snap, configured, err := s.acdSnapshot(r.Context())
	out := map[string]any{"lines": s.lineCounts(), "acd_configured": configured, "acd": snap}
	if err != nil {
		s.deps.Log.Warn("wallboard", "err", err)
		out["acd_error"] = "the ACD did not answer; see the daemon log"
	}
	writeJSON(w, http.StatusOK, out)
}
