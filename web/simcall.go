package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// SimCall is a simulated caller, as tracectl sim call asks for one.
type SimCall struct {
	CallID    event.CallID // chosen by the API so it can follow the call from its first ring
	ANI       string
	DNIS      string
	DTMF      string
	Timeout   time.Duration
	Record    bool
	OutOfBand bool
}

// SimResult is how a simulated call ended.
type SimResult struct {
	Hangup telephony.HangupInfo
	Heard  []int16 // 8 kHz linear, when recorded
}

// Simulator places simulated calls; the daemon adapts drivers/sim to it.
type Simulator interface {
	SimCall(ctx context.Context, c SimCall) (wait func(context.Context) (SimResult, error), err error)
}

// simCallRequest is the JSON body of POST /api/sim/call.
type simCallRequest struct {
	ANI       string `json:"ani"`
	DNIS      string `json:"dnis"`
	DTMF      string `json:"dtmf"`
	Timeout   string `json:"timeout"`
	Record    bool   `json:"record"`
	OutOfBand bool   `json:"out_of_band"`
}

// maxSimTimeout bounds a simulated call placed over the API.
const maxSimTimeout = 30 * time.Minute

// decodeSimRequest reads the JSON body of a sim request into v, refusing
// unknown fields; it answers 400 and returns false when it cannot.
func (s *Server) decodeSimRequest(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.bodyFailed(w, r, err, "bad_json")
		return false
	}
	return true
}

// ndjsonStream starts a 200 answer in NDJSON and returns send, which writes
// v as one line and flushes it, so the client sees each line as it happens.
func ndjsonStream(w http.ResponseWriter) (send func(v any)) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(v any) {
		_ = enc.Encode(v)
		if flusher != nil {
			flusher.Flush()
		}
	}
}

func (s *Server) handleSimCall(w http.ResponseWriter, r *http.Request) {
	if s.deps.Simulator == nil {
		writeError(w, http.StatusServiceUnavailable, "no_sim", "no simulated lines: start tracecalld with -demo or enable [sim]")
		return
	}
	var req simCallRequest
	if !s.decodeSimRequest(w, r, &req) {
		return
	}
	timeout := 60 * time.Second
	if req.Timeout != "" {
		d, err := time.ParseDuration(req.Timeout)
		if err != nil || d <= 0 || d > maxSimTimeout {
			writeError(w, http.StatusBadRequest, "bad_timeout", fmt.Sprintf("timeout %q: want a duration such as 60s, at most %v", req.Timeout, maxSimTimeout))
			return
		}
		timeout = d
	}
	id := telephony.NewCallID(time.Now())
	sub := event.Subscribe[event.Event](s.deps.Bus.Client("web.simcall"),
		event.WithQueue(4096), event.WithFilter(func(e event.Event) bool { return e.Call() == id }))
	defer sub.Close()
	wait, err := s.deps.Simulator.SimCall(r.Context(), SimCall{
		CallID: id, ANI: req.ANI, DNIS: req.DNIS, DTMF: req.DTMF,
		Timeout: timeout, Record: req.Record, OutOfBand: req.OutOfBand,
	})
	if err != nil {
		writeError(w, http.StatusBadRequest, "sim_call", err.Error())
		return
	}
	send := ndjsonStream(w)
	send(map[string]any{"type": "call", "call_id": id})
	for ended := false; !ended; {
		select {
		case e := <-sub.Events():
			if line := streamLine(e); line != nil {
				send(line)
			}
			_, ended = e.(event.CallEnded)
		case <-sub.Done():
			send(map[string]any{"type": "end", "ok": false, "error": "event stream cut off"})
			return
		case <-r.Context().Done():
			return
		}
	}
	res, err := wait(r.Context())
	if err != nil {
		send(map[string]any{"type": "end", "ok": false, "error": err.Error()})
		return
	}
	if req.Record {
		var buf bytes.Buffer
		if err := media.WriteWAV(&buf, res.Heard); err == nil {
			send(map[string]any{"type": "recording", "wav_base64": base64.StdEncoding.EncodeToString(buf.Bytes())})
		}
	}
	send(map[string]any{"type": "end", "ok": true})
}

// streamLine is the JSON line a call event becomes, or nil for events not shown.
func streamLine(e event.Event) map[string]any {
	switch e := e.(type) {
	case event.Said:
		return map[string]any{"type": "said", "text": e.Text, "lang": e.Lang, "prompt": e.Prompt}
	case event.DigitsCollected:
		return map[string]any{"type": "digits", "value": e.Value, "node": e.Node}
	case event.TraceLookup:
		m := map[string]any{"type": "lookup", "code": e.Code, "result": e.Result}
		if e.Reason != "" {
			m["reason"] = e.Reason
		}
		return m
	case event.CallEnded:
		return map[string]any{"type": "hangup", "by": e.By, "cause": e.Cause}
	}
	return nil
}
