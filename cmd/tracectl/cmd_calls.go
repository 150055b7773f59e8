package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// callRecord mirrors the JSON of store.CallRecord, the element of GET
// /api/calls. tracectl keeps its own copy so that the client does not link the
// store (and bbolt); a test checks that the field names still match.
type callRecord struct {
	ID          string       `json:"id"`
	Line        string       `json:"line"`
	Caller      string       `json:"caller"`
	Called      string       `json:"called"`
	Direction   string       `json:"direction"`
	Type        string       `json:"type"`
	Start       time.Time    `json:"start"`
	LineAnswer  time.Time    `json:"lineAnswer,omitzero"`
	Answer      time.Time    `json:"answer,omitzero"`
	End         time.Time    `json:"end,omitzero"`
	Duration    float64      `json:"duration"`
	Disposition string       `json:"disposition"`
	InProgress  bool         `json:"inProgress"`
	Phase       string       `json:"phase,omitempty"`
	HangupBy    string       `json:"hangupBy,omitempty"`
	Cause       string       `json:"cause,omitempty"`
	IVRPath     []string     `json:"ivrPath,omitempty"`
	IVRTypes    []string     `json:"ivrTypes,omitempty"`
	Codes       []codeLookup `json:"codes,omitempty"`
	Queue       string       `json:"queue,omitempty"`
	QueueWait   float64      `json:"queueWait,omitempty"`
	// ServiceLevelTime is the queue's service level time in seconds.
	ServiceLevelTime float64    `json:"serviceLevelTime,omitempty"`
	Agent            string     `json:"agent,omitempty"`
	AgentsTried      []string   `json:"agentsTried,omitempty"`
	Updated          time.Time  `json:"updated"`
	Notes            []callNote `json:"notes,omitempty"`
}

// callNote mirrors store.CallNote: an agent's wrap-up note.
type callNote struct {
	Agent string    `json:"agent"`
	Text  string    `json:"text"`
	At    time.Time `json:"at"`
}

// codeLookup mirrors store.CodeLookup.
type codeLookup struct {
	Code   string    `json:"code"`
	Result string    `json:"result"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
}

func runCalls(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("calls", "[--from T] [--to T] [--caller N] [--type T] [--limit N] [--json]",
		"List call records, newest first: the customers' calls (agents' feature codes\n"+
			"only with --type feature_code). Times are RFC 3339, 2006-01-02 or\n\"2006-01-02 15:04\" (Asia/Shanghai); the daemon parses them.\n"+
			"DISPOSITION is how the call ended: self_service, answered (by an agent),\n"+
			"abandoned_queue, abandoned_ivr, overflowed, callback_pending, callback_failed,\n"+
			"failed or interrupted; WAIT is the time in the queue.")
	from := fs.String("from", "", "calls that started at or after `TIME`")
	to := fs.String("to", "", "calls that started before `TIME`")
	caller := fs.String("caller", "", "calls whose caller number contains `NUMBER`")
	typ := fs.String("type", "", "calls of this `TYPE` or direction (ivr, trace, agent, callback, feature_code, inbound, ...)")
	limit := fs.Int("limit", 0, "at most `N` calls (default: the daemon's)")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	if *limit < 0 {
		return usagef("calls", "--limit must not be negative")
	}

	q := url.Values{}
	for k, v := range map[string]string{"from": *from, "to": *to, "caller": *caller, "type": *typ} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if *limit > 0 {
		q.Set("limit", strconv.Itoa(*limit))
	}
	var calls []callRecord
	if done, err := c.getJSON(ctx, "calls", "/api/calls", q, &calls, *asJSON); done || err != nil {
		return err
	}
	header := []string{"START", "CALL", "LINE", "CALLER", "CALLED", "TYPE", "DURATION", "DISPOSITION", "QUEUE", "WAIT", "AGENT", "CODES"}
	return printList(c.stdout, "no calls", header, calls, func(r *callRecord) []string {
		disp := r.Disposition
		if r.InProgress {
			disp = "in progress"
			if r.Phase != "" {
				disp += " (" + r.Phase + ")"
			}
		}
		wait := "-"
		if r.Queue != "" && (!r.InProgress || r.QueueWait > 0) {
			wait = fmtSeconds(r.QueueWait)
		}
		return []string{c.fmtTime(r.Start), r.ID, dash(r.Line), dash(r.Caller), dash(r.Called),
			dash(r.Type), fmtSeconds(r.Duration), dash(disp), dash(r.Queue), wait, dash(r.Agent), fmtCodes(r.Codes)}
	})
}

// fmtSeconds shows a duration in seconds as 1m5s.
func fmtSeconds(s float64) string {
	return time.Duration(s * float64(time.Second)).Round(time.Second).String()
}

// fmtCodes shows the codes keyed on a call as code:result, in order.
func fmtCodes(codes []codeLookup) string {
	if len(codes) == 0 {
		return "-"
	}
	parts := make([]string, len(codes))
	for i, l := range codes {
		parts[i] = l.Code + ":" + l.Result
	}
	return strings.Join(parts, ",")
}
