package main_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracecall/drivers/sip/siptest"
	"tracecall/trace"
)

// TestSIPFloodFromOneSource: 127.0.0.2 floods the daemon (shipped config:
// the per-source limits' defaults) with INVITEs, 300 a second for 2 s, and
// ACKs whatever it is let in, while a SIPp caller on 127.0.0.1 keys the demo
// code. The flooder gets at most its share (10 calls at once, 2 a second
// after a burst of 4), 486 or 503 with Retry-After for ten refusals a second
// and no answer past that; the real
// call completes with its code found; the call records hold exactly the
// calls let in, none of the refused; /api/status counts the refusals; the
// log names the source and the limit, not once per INVITE.
func TestSIPFloodFromOneSource(t *testing.T) {
	siptest.SIPp(t)
	d := startDaemon(t, t.TempDir())
	code := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex).TraceCode

	dir := t.TempDir()
	src, err := os.ReadFile("../../drivers/sip/testdata/uac-ivr.xml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "uac-ivr.xml"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("python3", "../../drivers/sip/testdata/gen_dtmf_pcap.py", "--mode", "rfc4733", "--code", "1"+code+"#",
		"--leadin", "2.0", "--total", "7", "--out", filepath.Join(dir, "dtmf-rfc4733.pcap")).CombinedOutput(); err != nil {
		t.Fatalf("gen_dtmf_pcap: %v\n%s", err, out)
	}

	floodCtx, stopFlood := context.WithTimeout(context.Background(), 2*time.Second)
	defer stopFlood()
	flooded := make(chan siptest.FloodResult, 1)
	go func() {
		res, err := siptest.Flood{From: "127.0.0.2", To: d.sip, Rate: 300}.Run(floodCtx)
		if err != nil {
			t.Error(err)
		}
		flooded <- res
	}()
	// The real caller starts once the flood is being refused.
	for waited := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		var st struct {
			CallsRefused int `json:"calls_refused"`
		}
		d.api("GET", "/api/status", nil, &st)
		if st.CallsRefused > 0 {
			break
		}
		if time.Since(waited) > 2*time.Second {
			t.Fatal("nothing of the flood refused after 2 s")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sipp", d.sip, "-sf", "uac-ivr.xml", "-s", "ivr", "-i", "127.0.0.1",
		"-p", fmt.Sprint(siptest.FreePort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(siptest.FreePort(t)), "-m", "1", "-d", "9000",
		"-timeout", "45s", "-nostdin", "-default_behaviors", "all,-abortunexp")
	cmd.Dir = dir
	out, sippErr := cmd.CombinedOutput()
	res := <-flooded
	if sippErr != nil {
		t.Errorf("the real caller's call failed during the flood: %v\n%s", sippErr, tail(out, 2000))
	}

	refused := res.Codes[486] + res.Codes[503]
	t.Logf("flood: %d INVITEs, answers %v, %d let in, %d unanswered, %d ended", res.Sent, res.Codes, res.Answered, res.Unanswered(), res.Ended)
	if res.Answered < 1 || res.Answered > 10 {
		t.Errorf("the flooder was let in %d calls, want 1 to 10 (source_calls)", res.Answered)
	}
	// Answered refusals are at most 10 a second (then the rest is dropped
	// unparsed): the flood lasts 2 s.
	if refused < 1 || refused > 30 || res.Answered+refused+res.Unanswered() != res.Sent {
		t.Errorf("%d INVITEs: %d let in, %d refused (486/503), %d unanswered, answers %v", res.Sent, res.Answered, refused, res.Unanswered(), res.Codes)
	}
	for code, vs := range res.RetryAfter {
		for _, v := range vs {
			if v < 1 {
				t.Errorf("%d with Retry-After %d", code, v)
			}
		}
	}
	if len(res.RetryAfter[503])+len(res.RetryAfter[486]) != refused {
		t.Errorf("%d refusals, %d with Retry-After", refused, len(res.RetryAfter[503])+len(res.RetryAfter[486]))
	}
	if res.Ended != res.Answered {
		t.Errorf("%d of the flood's %d calls ended with BYE", res.Ended, res.Answered)
	}

	// The records: every call let in, the real one with its code, and
	// nothing of the refused ones.
	var calls []callRecord
	deadline := time.Now().Add(15 * time.Second)
	for {
		calls = nil
		d.api("GET", "/api/calls?limit=10000", nil, &calls)
		open := 0
		for _, c := range calls {
			if c.InProgress {
				open++
			}
		}
		if open == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	fromFlood, real := 0, 0
	for _, c := range calls {
		switch {
		case c.Caller == "flood":
			fromFlood++
		case strings.HasPrefix(c.Line, "sip/"):
			real++
			found := false
			for _, k := range c.Codes {
				found = found || (k.Code == code && k.Result == "found")
			}
			if !found || c.Disposition != "self_service" {
				t.Errorf("the real call's record %+v: want self_service with %s found", c, code)
			}
		}
	}
	if fromFlood != res.Answered || real != 1 {
		t.Errorf("%d records of the flood's calls (it was let in %d) and %d of real ones (want 1); %d records in all",
			fromFlood, res.Answered, real, len(calls))
	}

	var st struct {
		CallsRefused int `json:"calls_refused"`
		Limits       struct {
			Shed    int `json:"shed"`
			Sources []struct {
				Source  string `json:"source"`
				Refused int    `json:"refused"`
			} `json:"sources"`
		} `json:"limits"`
	}
	d.api("GET", "/api/status", nil, &st)
	if st.CallsRefused != res.Sent-res.Answered || st.Limits.Shed != res.Unanswered() {
		t.Errorf("/api/status: %d refused (%d unanswered), want %d (%d)", st.CallsRefused, st.Limits.Shed, res.Sent-res.Answered, res.Unanswered())
	}
	if len(st.Limits.Sources) != 1 || st.Limits.Sources[0].Source != "127.0.0.2" || st.Limits.Sources[0].Refused != st.CallsRefused {
		t.Errorf("/api/status sources %+v: want 127.0.0.2 alone", st.Limits.Sources)
	}
	logs := d.log.String()
	lines := 0
	for _, l := range strings.Split(logs, "\n") {
		if strings.Contains(l, "sip call refused: source over its limit") {
			lines++
			if !strings.Contains(l, "source=127.0.0.2:") || !strings.Contains(l, "limit=") {
				t.Errorf("log line names no source or limit: %s", l)
			}
		}
	}
	if lines < 1 || lines > 2 {
		t.Errorf("%d log lines about %d refused calls, want 1 (one per 10 s)", lines, st.CallsRefused)
	}
}
