package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// simPhoneRequest is the body of POST /api/sim/phone.
type simPhoneRequest struct {
	Ext         string `json:"ext"`
	AnswerAfter string `json:"answer_after,omitempty"`
	Dial        string `json:"dial,omitempty"`
}

// phoneEvent is one line of a phone's NDJSON stream; which fields are set
// depends on Type.
type phoneEvent struct {
	Type        string `json:"type"`
	Ext         string `json:"ext"`
	AnswerAfter string `json:"answer_after"`
	CallID      string `json:"call_id"`
	From        string `json:"from"`
	To          string `json:"to"`
	By          string `json:"by"`
	Cause       string `json:"cause"`
	At          string `json:"at"`
	Text        string `json:"text"`
	Lang        string `json:"lang"`
	OK          bool   `json:"ok"`
	Error       string `json:"error"`
}

// phoneKeys are the characters an extension or a dialled number may hold.
const phoneKeys = "0123456789*#"

func runSimPhone(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("sim phone", "--ext N [--answer-after D] [--dial CODE] [--json]",
		"Run the simulated agent phone N until Ctrl-C, printing each ring, answer and\n"+
			"hangup as it happens. An agent whose extension is sim:N is offered calls on it.\n"+
			"--answer-after sets how long it rings before it answers (negative: never)\n"+
			"while tracectl runs; without it the phone keeps its configured delay.\n"+
			"--dial places a call from the phone first, e.g. a feature code: *21 log in,\n"+
			"*22 log out, *23 ready, *24 not ready; what the appliance says is printed.")
	ext := fs.String("ext", "", "the phone's extension `N`, e.g. 8001")
	answerAfter := fs.String("answer-after", "", "answer after `D`, e.g. 2s (negative: never)")
	dial := fs.String("dial", "", "call `CODE` from the phone once it is up, e.g. *21")
	asJSON := fs.Bool("json", false, "print each event as a JSON line as it happens")
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	if *ext == "" || strings.Trim(*ext, "0123456789") != "" || len(*ext) > 32 {
		return usagef("sim phone", "--ext: want the phone's extension, 1 to 32 digits")
	}
	if *answerAfter != "" {
		if _, err := time.ParseDuration(*answerAfter); err != nil {
			return usagef("sim phone", "--answer-after %q: want a duration such as 2s", *answerAfter)
		}
	}
	if *dial != "" && (strings.Trim(*dial, phoneKeys) != "" || len(*dial) > 32) {
		return usagef("sim phone", "--dial %q: want 1 to 32 of 0-9 * #", *dial)
	}
	body, err := json.Marshal(simPhoneRequest{Ext: *ext, AnswerAfter: *answerAfter, Dial: *dial})
	if err != nil {
		return fmt.Errorf("sim phone: %w", err)
	}
	resp, err := c.client().do(ctx, http.MethodPost, "/api/sim/phone", nil, bytes.NewReader(body), "application/json")
	if err == nil {
		defer resp.Body.Close()
		err = (&phoneFollower{c: c, json: *asJSON}).follow(resp.Body)
	}
	switch {
	case ctx.Err() != nil:
		return nil // Ctrl-C: the phone is put back as it was
	case err != nil:
		return fmt.Errorf("sim phone: %w", err)
	}
	return nil
}

// phoneFollower prints a phone's event stream.
type phoneFollower struct {
	c    *cli
	json bool
}

// follow reads the stream until it ends: an end line, or the connection
// closing when tracectl is interrupted.
func (f *phoneFollower) follow(r io.Reader) error {
	return followStream(r, "tracecalld ended the stream", func(raw json.RawMessage, ev *phoneEvent) (bool, error) {
		if f.json {
			if err := writeLine(f.c.stdout, raw); err != nil {
				return true, err
			}
		}
		if ev.Type == "end" {
			if !ev.OK {
				msg := ev.Error
				if msg == "" {
					msg = "the daemon reported failure"
				}
				return true, errors.New(msg)
			}
			return true, nil
		}
		if !f.json {
			if _, err := fmt.Fprintln(f.c.stdout, f.describe(ev)); err != nil {
				return true, err
			}
		}
		return false, nil
	})
}

// describe is one event as a line for a person, led by its time.
func (f *phoneFollower) describe(ev *phoneEvent) string {
	at := ""
	if ev.At != "" {
		if t, err := time.Parse(time.RFC3339Nano, ev.At); err == nil {
			at = t.In(f.c.loc).Format("15:04:05") + " "
		}
	}
	switch ev.Type {
	case "phone":
		s := "phone " + ev.Ext + " up"
		if ev.AnswerAfter != "" {
			s += ", answers after " + ev.AnswerAfter
		}
		return s + "; Ctrl-C to stop"
	case "ringing":
		return fmt.Sprintf("%sringing: call %s from %s", at, ev.CallID, dash(ev.From))
	case "dialling":
		return fmt.Sprintf("%sdialling %s: call %s", at, ev.To, ev.CallID)
	case "answered":
		return fmt.Sprintf("%sanswered: call %s", at, ev.CallID)
	case "hangup":
		s := at + "hangup by " + dash(ev.By)
		if ev.Cause != "" {
			s += " (" + ev.Cause + ")"
		}
		return s + ": call " + ev.CallID
	case "said":
		if ev.Lang != "" {
			return fmt.Sprintf("ivr said (%s): %s", ev.Lang, ev.Text)
		}
		return "ivr said: " + ev.Text
	}
	return ev.Type
}
