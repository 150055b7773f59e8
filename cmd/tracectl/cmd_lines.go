package main

import "context"

// lineReply is one element of GET /api/lines.
type lineReply struct {
	Line   string `json:"line"`
	Number string `json:"number"`
	State  string `json:"state"` // idle, ringing or in-call
	Caller string `json:"caller"`
	Called string `json:"called"`
	Since  string `json:"since"`
	CallID string `json:"call_id"`
	Phase  string `json:"phase"` // setup, ivr, waiting, ringing, talking
	Doing  string `json:"doing"` // the phase in words, with the queue or agent
}

func runLines(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("lines", "[--json]", "Show every line of every driver, then the calls on no line: its state (idle,\n"+
		"ringing, in-call), since when, the caller and called numbers, the call id and\n"+
		"what the call is doing: ringing in, in the IVR, waiting in a queue, ringing an\n"+
		"agent or talking with one.")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}

	var lines []lineReply
	if done, err := c.getJSON(ctx, "lines", "/api/lines", nil, &lines, *asJSON); done || err != nil {
		return err
	}
	header := []string{"LINE", "NUMBER", "STATE", "SINCE", "CALLER", "CALLED", "CALL", "DOING"}
	return printList(c.stdout, "no lines configured", header, lines, func(l *lineReply) []string {
		return []string{l.Line, dash(l.Number), dash(l.State), c.fmtTimeString(l.Since),
			dash(l.Caller), dash(l.Called), dash(l.CallID), dash(l.Doing)}
	})
}
