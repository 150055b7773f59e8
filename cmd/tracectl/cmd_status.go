package main

import (
	"context"
	"fmt"
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
	asJSON := fs.Bool("json", false, "print the API's JSON")
	fs.socketFlag()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("status", "unexpected argument %q", pos[0])
	}

	var st statusReply
	raw, err := c.client().getJSON(ctx, "/api/status", nil, &st)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	if *asJSON {
		return writeJSON(c.stdout, raw)
	}
	up := (time.Duration(st.UptimeSeconds) * time.Second).String()
	tw := newTable(c.stdout)
	fmt.Fprintf(tw, "version\t%s\n", dash(st.Version))
	fmt.Fprintf(tw, "started\t%s (up %s)\n", c.fmtTimeString(st.Started), up)
	fmt.Fprintf(tw, "lines\t%d (%d busy)\n", st.Lines, st.LinesBusy)
	fmt.Fprintf(tw, "active calls\t%d\n", st.CallsActive)
	fmt.Fprintf(tw, "trace chains\t%d\n", st.Chains)
	fmt.Fprintf(tw, "data dir\t%s\n", dash(st.DataDir))
	return tw.Flush()
}
