package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"tracecall/trace"
)

// simVerbs are the subverbs of `tracectl sim`.
func simVerbs() []command {
	return []command{
		{"call", "place a simulated call into the appliance and follow it", runSimCall},
		{"phone", "run a simulated agent phone until Ctrl-C; dial feature codes from it", runSimPhone},
	}
}

func runSim(ctx context.Context, c *cli, args []string) error {
	return c.runSubverb(ctx, "sim", "[flags]", simVerbs(), args)
}

// simCallRequest is the body of POST /api/sim/call.
type simCallRequest struct {
	ANI       string `json:"ani"`
	DNIS      string `json:"dnis"`
	DTMF      string `json:"dtmf"`
	Timeout   string `json:"timeout"`
	Record    bool   `json:"record"`
	OutOfBand bool   `json:"out_of_band"`
}

// simEvent is one line of the call's NDJSON stream; which fields are set
// depends on Type.
type simEvent struct {
	Type      string `json:"type"`
	CallID    string `json:"call_id"`
	Text      string `json:"text"`
	Lang      string `json:"lang"`
	Value     string `json:"value"`
	Code      string `json:"code"`
	Result    string `json:"result"`
	Reason    string `json:"reason"`
	By        string `json:"by"`
	Cause     string `json:"cause"`
	WAVBase64 string `json:"wav_base64"`
	OK        bool   `json:"ok"`
	Error     string `json:"error"`
}

// dtmfKeys are the characters a SEQ may hold: keys, and w for a one-second wait.
const dtmfKeys = "0123456789*#ABCDw"

// endGrace is how long past --timeout tracectl waits for the daemon to end the
// stream before giving up on it.
const endGrace = 30 * time.Second

func runSimCall(ctx context.Context, c *cli, args []string) error {
	fs := c.newFlagSet("sim call", "--ani N --dnis N --dtmf SEQ [--record FILE.wav] [--json] [--timeout D] [--oob]",
		"Place a simulated call on a free sim line and follow it to its end. In SEQ,\n"+
			"0-9 * # A-D are keyed (as in-band tones unless --oob) and w waits one second;\n"+
			"e.g. --dtmf 1w"+trace.DemoPorkCode+"# queries the demo pork chain. The call\n"+
			"hangs up after --timeout, a normal end. Exits 0 when the call ran to its end.")
	ani := fs.String("ani", "", "caller `NUMBER` (ANI)")
	dnis := fs.String("dnis", "", "dialled `NUMBER` (DNIS), e.g. ivr")
	dtmf := fs.String("dtmf", "", "keys to press once answered: `SEQ`")
	record := fs.String("record", "", "write what the caller heard to `FILE.wav` (8 kHz 16-bit mono)")
	asJSON := fs.Bool("json", false, "print each event as a JSON line as it happens")
	timeout := fs.Duration("timeout", 60*time.Second, "hang up after `D`")
	oob := fs.Bool("oob", false, "send digits out of band (RFC 4733 style) instead of as tones")
	fs.socketFlag()
	if err := fs.parseNone(args); err != nil {
		return err
	}
	if *ani == "" || *dnis == "" {
		return usagef("sim call", "--ani and --dnis are required")
	}
	if i := strings.IndexFunc(*dtmf, func(r rune) bool { return !strings.ContainsRune(dtmfKeys, r) }); i >= 0 {
		return usagef("sim call", "--dtmf: %q at position %d is not one of 0-9 * # A-D w", (*dtmf)[i:i+1], i+1)
	}
	if *timeout <= 0 {
		return usagef("sim call", "--timeout must be positive")
	}

	body, err := json.Marshal(simCallRequest{
		ANI: *ani, DNIS: *dnis, DTMF: *dtmf,
		Timeout: fmtDuration(*timeout), Record: *record != "", OutOfBand: *oob,
	})
	if err != nil {
		return fmt.Errorf("sim call: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout+endGrace)
	defer cancel()
	resp, err := c.client().do(ctx, http.MethodPost, "/api/sim/call", nil, bytes.NewReader(body), "application/json")
	if err == nil {
		defer resp.Body.Close()
		f := simFollower{c: c, json: *asJSON, record: *record}
		err = f.follow(resp.Body)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("sim call: no end from tracecalld within %s", *timeout+endGrace)
	case ctx.Err() != nil:
		return errors.New("sim call: interrupted")
	}
	return fmt.Errorf("sim call: %w", err)
}

// simFollower prints a call's event stream and keeps what it needs to judge the end.
type simFollower struct {
	c      *cli
	json   bool   // print raw JSON lines
	record string // where the recording goes; "" for none

	recorded bool
}

// follow reads the stream to its end line. It returns nil only if the call
// ran to its end (end.ok) and, when asked for, the recording was written.
func (f *simFollower) follow(r io.Reader) error {
	return followStream(r, "stream ended before the call did", func(raw json.RawMessage, ev *simEvent) (bool, error) {
		if ev.Type == "end" {
			return true, f.end(ev)
		}
		return false, f.event(raw, ev)
	})
}

// followStream reads an NDJSON event stream of the daemon's (sim call, sim
// phone), handing each line, as sent and decoded into T, to line until line
// says it was the last or fails. cutOff is the error when the stream ends
// first.
func followStream[T any](r io.Reader, cutOff string, line func(raw json.RawMessage, ev *T) (last bool, err error)) error {
	dec := json.NewDecoder(r)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New(cutOff)
			}
			return fmt.Errorf("read stream: %w", err)
		}
		var ev T
		if err := json.Unmarshal(raw, &ev); err != nil {
			return fmt.Errorf("bad event %s: %w", raw, err)
		}
		if last, err := line(raw, &ev); last || err != nil {
			return err
		}
	}
}

// writeLine writes an event as it came, on one line (--json).
func writeLine(w io.Writer, raw json.RawMessage) error {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return fmt.Errorf("compact event: %w", err)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// event handles every line but the last.
func (f *simFollower) event(raw json.RawMessage, ev *simEvent) error {
	if ev.Type == "recording" {
		return f.saveRecording(ev)
	}
	if f.json {
		return writeLine(f.c.stdout, raw)
	}
	_, err := fmt.Fprintln(f.c.stdout, describeSimEvent(ev))
	return err
}

func (f *simFollower) end(ev *simEvent) error {
	if !ev.OK {
		msg := ev.Error
		if msg == "" {
			msg = "the daemon reported failure"
		}
		return fmt.Errorf("call did not run to its end: %s", msg)
	}
	if f.record != "" && !f.recorded {
		return fmt.Errorf("call ended but tracecalld sent no recording for %s", f.record)
	}
	if !f.json {
		fmt.Fprintln(f.c.stdout, "call ended")
	}
	return nil
}

func (f *simFollower) saveRecording(ev *simEvent) error {
	if f.record == "" {
		return nil // not asked for
	}
	wav, err := base64.StdEncoding.DecodeString(ev.WAVBase64)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	if err := writeFileAtomic(f.record, func(w io.Writer) error {
		if _, err := w.Write(wav); err != nil {
			return fmt.Errorf("write %s: %w", f.record, err)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	f.recorded = true
	if !f.json {
		length := "unknown length"
		if d, ok := wavDuration(wav); ok {
			length = d.Round(100 * time.Millisecond).String()
		}
		fmt.Fprintf(f.c.stdout, "recording written to %s (%s)\n", f.record, length)
	}
	return nil
}

// describeSimEvent is one event as a line for a person.
func describeSimEvent(ev *simEvent) string {
	switch ev.Type {
	case "call":
		return "call " + ev.CallID
	case "said":
		if ev.Lang != "" {
			return fmt.Sprintf("ivr said (%s): %s", ev.Lang, ev.Text)
		}
		return "ivr said: " + ev.Text
	case "digits":
		return "caller keyed: " + ev.Value
	case "lookup":
		s := fmt.Sprintf("lookup %s: %s", ev.Code, strings.ReplaceAll(ev.Result, "_", " "))
		if ev.Reason != "" {
			s += " (" + ev.Reason + ")"
		}
		return s
	case "hangup":
		s := "hangup by " + ev.By
		if ev.Cause != "" {
			s += " (" + ev.Cause + ")"
		}
		return s
	}
	return ev.Type
}

// fmtDuration writes whole seconds as "60s", anything else as Go does.
func fmtDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// wavDuration reads the length of a PCM WAV file from its fmt and data chunks.
func wavDuration(b []byte) (time.Duration, bool) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, false
	}
	var byteRate uint32
	for p := 12; p+8 <= len(b); {
		id, size := string(b[p:p+4]), binary.LittleEndian.Uint32(b[p+4:p+8])
		body := b[p+8:]
		switch id {
		case "fmt ":
			if len(body) >= 12 {
				byteRate = binary.LittleEndian.Uint32(body[8:12])
			}
		case "data":
			if byteRate == 0 {
				return 0, false
			}
			n := min(uint64(size), uint64(len(body)))
			return time.Duration(n * uint64(time.Second) / uint64(byteRate)), true
		}
		p += 8 + int(size) + int(size&1)
	}
	return 0, false
}
