package main

import (
	"context"
	"fmt"
)

// lineReply is one element of GET /api/lines.
type lineReply struct {
	Line   string `json:"line"`
	Number string `json:"number"`
	State  string `json:"state"` // idle, ringing or in-call
	Caller string `json:"caller"`
	Called string `json:"called"`
	Since  string `json:"since"`
	CallID string `json:"call_id"`
	Doing  string `json:"doing"`
}

func runLines(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("lines", "[--json]", "Show every line: its state (idle, ringing, in-call), since when, the caller\nand called numbers, the call id and what the line is doing.")
	asJSON := fs.Bool("json", false, "print the API's JSON")
	fs.socketFlag()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("lines", "unexpected argument %q", pos[0])
	}

	var lines []lineReply
	raw, err := c.client().getJSON(ctx, "/api/lines", nil, &lines)
	if err != nil {
		return fmt.Errorf("lines: %w", err)
	}
	if *asJSON {
		return writeJSON(c.stdout, raw)
	}
	if len(lines) == 0 {
		_, err := fmt.Fprintln(c.stdout, "no lines configured")
		return err
	}
	tw := newTable(c.stdout)
	fmt.Fprintln(tw, "LINE\tNUMBER\tSTATE\tSINCE\tCALLER\tCALLED\tCALL\tDOING")
	for _, l := range lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			l.Line, dash(l.Number), dash(l.State), c.fmtTimeString(l.Since),
			dash(l.Caller), dash(l.Called), dash(l.CallID), dash(l.Doing))
	}
	return tw.Flush()
}
