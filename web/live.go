package web

import (
	"context"
	"fmt"
	"strings"

	"tracecall/cdr/phase"
	"tracecall/telephony/event"
)

// liveCalls follows the bus to know what each call in progress is doing,
// for the line monitor, the wallboard and the API, by package cdr/phase's
// one definition of IVR, waiting, ringing an agent and talking.
type liveCalls struct {
	sub *event.Subscriber[event.Event]
	*phase.Tracker
}

func newLiveCalls(b *event.Bus) *liveCalls {
	return &liveCalls{
		sub:     event.Subscribe[event.Event](b.Client("web.live"), event.WithQueue(1<<14)),
		Tracker: phase.NewTracker(),
	}
}

func (l *liveCalls) run(ctx context.Context) error {
	defer l.sub.Close()
	for {
		select {
		case e := <-l.sub.Events():
			l.Apply(e)
		case <-l.sub.Done():
			return fmt.Errorf("web: live calls: %w", l.sub.Err())
		case <-ctx.Done():
			return nil
		}
	}
}

// doingText is what the call c is doing in words of the catalogue m: the
// phase, with the IVR step's kind, the queue or the agent. It holds no node
// id or other identifier, only names people gave (queues, agents).
func doingText(m map[string]string, c *phase.Call) string {
	if c.FeatureCode {
		return m["doing_feature_code"]
	}
	var b strings.Builder
	p := c.Phase()
	if c.WaitingCallback() {
		b.WriteString(m["doing_callback"])
	} else {
		b.WriteString(textOr(m, "doing_"+string(p), string(p)))
	}
	detail := ""
	switch p {
	case phase.IVR:
		switch {
		case c.Lookup != "" && c.NodeType == "trace_query":
			detail = m["doing_lookup"] + m["colon"] + m["result_"+c.Lookup]
		case c.NodeType != "":
			detail = m["node_"+c.NodeType]
		}
	case phase.Waiting, phase.Ringing:
		if c.Queue != "" {
			detail = m["in_queue"] + " " + c.Queue
		}
		if p == phase.Ringing && len(c.Offers) > 0 {
			detail += m["list_sep"] + m["ringing_agents"] + " " + strings.Join(c.Offers, m["name_sep"])
		}
	case phase.Talking:
		detail = m["with_agent"] + " " + c.Agent
		if c.Held {
			detail += m["list_sep"] + m["on_hold"]
		}
	}
	if detail = strings.TrimSpace(detail); detail != "" {
		b.WriteString(m["detail_open"] + detail + m["detail_close"])
	}
	return b.String()
}
