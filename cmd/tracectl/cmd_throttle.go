package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// throttleVerbs are the subverbs of `tracectl throttle`.
func throttleVerbs() []command {
	return []command{
		{"list", "list the addresses and accounts slowed down for failed logins or SIP authentication", runThrottleList},
		{"lift", "lift the delay of an address or account (KEY), or of all (--all)", runThrottleLift},
	}
}

func runThrottle(ctx context.Context, c *cli, args []string) error {
	return c.runSubverb(ctx, "throttle", "[flags]", throttleVerbs(), args)
}

// throttleReply is one source of GET /api/security/throttles.
type throttleReply struct {
	Source  string `json:"source"`
	CanLift bool   `json:"canLift"`
	Entries []struct {
		Key      string   `json:"key"`
		Failures int      `json:"failures"`
		Last     string   `json:"last"`
		Until    string   `json:"until"`
		Waiting  bool     `json:"waiting"`
		Notes    []string `json:"notes"`
	} `json:"entries"`
}

func runThrottleList(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("throttle list", "[--json]",
		"List every key with failures on record in each throttle: panel logins by\n"+
			"address (panel_address) and by account (panel_account), agents' customer\n"+
			"searches that found nobody (customer_search, by agent), and any other the\n"+
			"daemon runs (SIP authentication). WAITS UNTIL is empty for a key whose\n"+
			"attempts need not wait now; INVOLVED are the accounts an address tried,\n"+
			"the addresses that tried an account, or the numbers an agent searched.")
	asJSON := fs.jsonFlag()
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	var sources []throttleReply
	if done, err := c.getJSON(ctx, "throttle list", "/api/security/throttles", nil, &sources, *asJSON); done || err != nil {
		return err
	}
	var rows [][]string
	for _, s := range sources {
		for _, e := range s.Entries {
			until := "-"
			if e.Waiting {
				until = c.fmtTimeString(e.Until)
			}
			rows = append(rows, []string{s.Source, e.Key, strconv.Itoa(e.Failures), c.fmtTimeString(e.Last), until, dash(strings.Join(e.Notes, ","))})
		}
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(c.stdout, "no failures on record")
		return err
	}
	return printTable(c.stdout, []string{"SOURCE", "KEY", "FAILURES", "LAST FAILURE", "WAITS UNTIL", "INVOLVED"}, rows)
}

func runThrottleLift(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("throttle lift", "[--source S] KEY | --all [--source S]",
		"Forget KEY's failures (an address such as 192.168.1.20, or an account name)\n"+
			"in every throttle, or only in source S (see 'tracectl throttle list'); with\n"+
			"--all, every key of S, or of every throttle.")
	source := fs.String("source", "", "only in throttle `S`, e.g. panel_address")
	all := fs.Bool("all", false, "lift every key")
	fs.socketFlag()
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case *all && len(pos) > 0:
		return usagef("throttle lift", "give a KEY or --all, not both")
	case !*all && len(pos) != 1:
		return usagef("throttle lift", "want one KEY, or --all")
	}
	req := map[string]any{"source": *source, "all": *all}
	if len(pos) == 1 {
		req["key"] = pos[0]
	}
	var reply struct {
		Lifted []struct{ Source, Key string } `json:"lifted"`
	}
	if err := c.userSend(ctx, "throttle lift", http.MethodPost, "/api/security/lift", req, &reply); err != nil {
		return err
	}
	if len(reply.Lifted) == 0 {
		_, err := fmt.Fprintln(c.stdout, "nothing to lift")
		return err
	}
	for _, l := range reply.Lifted {
		if _, err := fmt.Fprintf(c.stdout, "lifted %s in %s\n", l.Key, l.Source); err != nil {
			return err
		}
	}
	return nil
}
