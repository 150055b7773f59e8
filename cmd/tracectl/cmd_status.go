package main

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// statusReply is GET /api/status.
type statusReply struct {
	Version       string  `json:"version"`
	Started       string  `json:"started"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	Lines         int     `json:"lines"`
	LinesBusy     int     `json:"lines_busy"`
	CallsActive   int     `json:"calls_active"`
	Chains        int64   `json:"chains"`
	DataDir       string  `json:"data_dir"`
	// CallsRefused and Limits are there when SIP runs (web.Refusals).
	CallsRefused *uint64 `json:"calls_refused"`
	Limits       struct {
		Shed    uint64 `json:"shed"`
		Sources []struct {
			Source  string `json:"source"`
			Peer    string `json:"peer"`
			Refused uint64 `json:"refused"`
			Limit   string `json:"limit"`
		} `json:"sources"`
		MessagesDropped uint64 `json:"messages_dropped"`
		TCPRefused      uint64 `json:"tcp_refused"`
		TCPTimedOut     uint64 `json:"tcp_timed_out"`
	} `json:"limits"`
}

func runStatus(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("status", "[--json]", "Show the daemon's version, uptime, lines, active calls and trace data.")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}

	var st statusReply
	if done, err := c.getJSON(ctx, "status", "/api/status", nil, &st, *asJSON); done || err != nil {
		return err
	}
	up := (time.Duration(st.UptimeSeconds) * time.Second).String()
	rows := [][]string{
		{"version", dash(st.Version)},
		{"started", c.fmtTimeString(st.Started) + " (up " + up + ")"},
		{"lines", fmt.Sprintf("%d (%d busy)", st.Lines, st.LinesBusy)},
		{"active calls", strconv.Itoa(st.CallsActive)},
	}
	if st.CallsRefused != nil {
		rows = append(rows, []string{"calls refused by limits", refusedText(st)},
			[]string{"SIP TCP connections closed", fmt.Sprintf("%d over their share, %d sent no whole message in time", st.Limits.TCPRefused, st.Limits.TCPTimedOut)})
	}
	rows = append(rows, [][]string{
		{"trace chains", strconv.FormatInt(st.Chains, 10)},
		{"data dir", dash(st.DataDir)},
	}...)
	return printTable(c.stdout, nil, rows)
}

// refusedText says how many calls the SIP limits refused, and who was
// refused most.
func refusedText(st statusReply) string {
	s := fmt.Sprintf("%d (%d unanswered; %d SIP messages dropped over the message rate)", *st.CallsRefused, st.Limits.Shed, st.Limits.MessagesDropped)
	for i, src := range st.Limits.Sources {
		if i == 3 {
			break
		}
		who := src.Source
		if src.Peer != "" {
			who += " (" + src.Peer + ")"
		}
		s += fmt.Sprintf("; %s %d, %s", who, src.Refused, src.Limit)
	}
	return s
}
