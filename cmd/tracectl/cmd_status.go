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
	return printTable(c.stdout, nil, [][]string{
		{"version", dash(st.Version)},
		{"started", c.fmtTimeString(st.Started) + " (up " + up + ")"},
		{"lines", fmt.Sprintf("%d (%d busy)", st.Lines, st.LinesBusy)},
		{"active calls", strconv.Itoa(st.CallsActive)},
		{"trace chains", strconv.FormatInt(st.Chains, 10)},
		{"data dir", dash(st.DataDir)},
	})
}
