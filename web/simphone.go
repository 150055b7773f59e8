package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
)

// SimPhone is a simulated agent phone run over the API, as tracectl sim
// phone asks for one.
type SimPhone struct {
	Ext string
	// AnswerAfter is how long the phone rings before it answers, negative
	// never, while the request lasts; unless SetAnswerAfter, the phone keeps
	// the delay it has.
	AnswerAfter    time.Duration
	SetAnswerAfter bool
	// Dial, when set, is a number the phone calls once (a feature code such
	// as *21), with the call id DialCallID.
	Dial       string
	DialCallID event.CallID
}

// SimPhoneEvent is something that happened on the phone.
type SimPhoneEvent struct {
	Type   string // ringing, dialling, answered, hangup
	CallID event.CallID
	From   string
	To     string
	By     string // hangup: phone, appliance or system
	Cause  string
	At     time.Time
}

// PhoneSimulator is the part of a Simulator that runs agent phones; the
// daemon's adapter of drivers/sim has it.
type PhoneSimulator interface {
	// SimPhone runs the phone until ctx ends, when the phone gets its own
	// settings back and the channel closes.
	SimPhone(ctx context.Context, p SimPhone) (<-chan SimPhoneEvent, error)
}

// simPhoneRequest is the JSON body of POST /api/sim/phone.
type simPhoneRequest struct {
	Ext         string `json:"ext"`
	AnswerAfter string `json:"answer_after"`
	Dial        string `json:"dial"`
}

// validDialString reports whether s can be a simulated phone's extension or a number
// it dials: 1 to 32 of 0-9 * #.
func validDialString(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	return strings.Trim(s, "0123456789*#") == ""
}

// handleSimPhone runs a simulated agent phone for as long as the request
// lasts and streams what happens on it as NDJSON: the phone's rings, answers
// and hangups, and for the call it dials, what the appliance said.
func (s *Server) handleSimPhone(w http.ResponseWriter, r *http.Request) {
	ps, ok := s.deps.Simulator.(PhoneSimulator)
	if !ok {
		writeError(w, http.StatusServiceUnavailable, "no_sim", "no simulated phones: start tracecalld with -demo or enable [sim]")
		return
	}
	var req simPhoneRequest
	if !s.decodeSimRequest(w, r, &req) {
		return
	}
	if !validDialString(req.Ext) || strings.ContainsAny(req.Ext, "*#") {
		writeError(w, http.StatusBadRequest, "bad_ext", fmt.Sprintf("ext %q: want the phone's extension, 1 to 32 digits", req.Ext))
		return
	}
	p := SimPhone{Ext: req.Ext}
	if req.AnswerAfter != "" {
		d, err := time.ParseDuration(req.AnswerAfter)
		if err != nil || d > maxSimTimeout {
			writeError(w, http.StatusBadRequest, "bad_answer_after",
				fmt.Sprintf("answer_after %q: want a duration such as 2s (negative: never answer), at most %v", req.AnswerAfter, maxSimTimeout))
			return
		}
		p.AnswerAfter, p.SetAnswerAfter = d, true
	}
	if req.Dial != "" {
		if !validDialString(req.Dial) {
			writeError(w, http.StatusBadRequest, "bad_dial", fmt.Sprintf("dial %q: want 1 to 32 of 0-9 * #, e.g. *21", req.Dial))
			return
		}
		p.Dial, p.DialCallID = req.Dial, telephony.NewCallID(time.Now())
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	// What the appliance says on the dialled call comes from the bus.
	var said <-chan event.Event
	if p.Dial != "" {
		sub := event.Subscribe[event.Event](s.deps.Bus.Client("web.simphone"),
			event.WithQueue(1024), event.WithFilter(func(e event.Event) bool { return e.Call() == p.DialCallID }))
		defer sub.Close()
		said = sub.Events()
	}
	events, err := ps.SimPhone(ctx, p)
	if err != nil {
		writeError(w, http.StatusBadRequest, "sim_phone", err.Error())
		return
	}
	send := ndjsonStream(w)
	head := map[string]any{"type": "phone", "ext": p.Ext}
	if p.SetAnswerAfter {
		head["answer_after"] = p.AnswerAfter.String()
	}
	send(head)
	// The phone's events and the bus are two streams: what the appliance
	// says on the dialled call is held until the phone has seen the answer,
	// and flushed before its hangup, so the lines come in the order they
	// happened.
	var held []map[string]any
	answered := false
	sayLine := func(e event.Event) {
		sd, ok := e.(event.Said)
		if !ok {
			return
		}
		line := map[string]any{"type": "said", "call_id": sd.CallID, "text": sd.Text, "lang": sd.Lang, "prompt": sd.Prompt}
		if answered {
			send(line)
		} else {
			held = append(held, line)
		}
	}
	flush := func() {
		for _, l := range held {
			send(l)
		}
		held = nil
	}
	for {
		select {
		case e, ok := <-events:
			if !ok {
				send(map[string]any{"type": "end", "ok": r.Context().Err() == nil})
				return
			}
			dialled := p.Dial != "" && e.CallID == p.DialCallID
			if dialled && e.Type == "hangup" {
				for drained := false; !drained; {
					select {
					case e := <-said:
						sayLine(e)
					default:
						drained = true
					}
				}
				answered = true
				flush()
			}
			line := map[string]any{"type": e.Type, "call_id": e.CallID, "from": e.From, "to": e.To, "at": e.At.In(s.deps.Location)}
			if e.Type == "hangup" {
				line["by"], line["cause"] = e.By, e.Cause
			}
			send(line)
			if dialled && e.Type == "answered" {
				answered = true
				flush()
			}
		case e := <-said:
			sayLine(e)
		case <-s.stopped:
			send(map[string]any{"type": "end", "ok": false, "error": "tracecalld is stopping"})
			return
		case <-r.Context().Done():
			return
		}
	}
}
