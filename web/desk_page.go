package web

import (
	"net/http"
	"strings"
	"time"

	"tracecall/desk"
)

// agentData is the agent desktop's own data.
type agentData struct {
	Me      string
	Desk    bool     // call control is wired: the buttons can act
	Reasons []option // not-ready reason codes
	Targets []option // transfer target kinds
	Classes []option // customer classes
	Labels  map[string]string
	TZ      int // the server zone's offset from UTC in seconds, for clocks
}

// handleAgentPage serves /agent: state bar, pop card, soft phone and wrap-up
// notes, run by assets/desk.js from /api/events and /api/desk/.
func (s *Server) handleAgentPage(w http.ResponseWriter, r *http.Request) {
	v := s.view(w, r, "title_agent")
	_, off := time.Now().In(s.deps.Location).Zone()
	d := agentData{Me: v.User.Username, Desk: s.deps.Desk != nil, Labels: scriptLabels(v.M), TZ: off}
	for _, c := range notReadyReasons {
		d.Reasons = append(d.Reasons, option{Value: c, Label: v.M["reason_"+c]})
	}
	for _, k := range transferKinds {
		d.Targets = append(d.Targets, option{Value: k, Label: v.M["target_"+k], Selected: k == desk.TargetAgent})
	}
	d.Classes = []option{
		{Value: "normal", Label: v.M["class_normal"], Selected: true},
		{Value: "vip", Label: v.M["class_vip"]},
	}
	v.Data = d
	s.render(w, http.StatusOK, "agent", v)
}

// scriptLabels are the catalogue's strings desk.js uses.
func scriptLabels(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, t := range m {
		for _, p := range deskScriptPrefixes {
			if strings.HasPrefix(k, p) {
				out[k] = t
				break
			}
		}
	}
	return out
}
