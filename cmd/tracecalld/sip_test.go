package main_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/drivers/sip/siptest"
	"tracecall/trace"
)

// TestSIPCallerKeysDemoCode: a SIPp caller on the SIP trunk keys 1, the demo
// pork chain's trace code and #, once with RFC 4733 events and once with
// in-band tones, while the welcome prompt plays; the call records show the code
// found.
func TestSIPCallerKeysDemoCode(t *testing.T) {
	siptest.SIPp(t)
	d := startDaemon(t, t.TempDir())
	w := watchEvents(t, d)
	code := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex).TraceCode
	keys := "1" + code + "#"

	scenarios := []struct{ file, mode, pcap string }{
		{"uac-ivr.xml", "rfc4733", "dtmf-rfc4733.pcap"},
		{"uac-ivr-inband.xml", "inband", "dtmf-inband.pcap"},
	}
	var wg sync.WaitGroup
	errs := make([]error, len(scenarios))
	for i, sc := range scenarios {
		dir := t.TempDir()
		src, err := os.ReadFile(filepath.Join("../../drivers/sip/testdata", sc.file))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, sc.file), src, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("python3", "../../drivers/sip/testdata/gen_dtmf_pcap.py", "--mode", sc.mode, "--code", keys,
			"--leadin", "2.0", "--total", "8", "--out", filepath.Join(dir, sc.pcap)).CombinedOutput()
		if err != nil {
			t.Fatalf("gen_dtmf_pcap: %v\n%s", err, out)
		}
		// The caller hangs up 12 s after the answer, well after its keys and
		// the lookup, while the IVR reads the chain back.
		sipPort, mediaPort := siptest.FreePort(t), siptest.FreePort(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "sipp", d.sip, "-sf", sc.file, "-s", "ivr", "-i", "127.0.0.1",
				"-p", fmt.Sprint(sipPort), "-mi", "127.0.0.1", "-mp", fmt.Sprint(mediaPort), "-m", "1", "-d", "12000",
				"-timeout", "45s", "-nostdin", "-default_behaviors", "all,-abortunexp")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("sipp %s: %v\n%s", sc.mode, err, tail(out, 2000))
			}
		}()
	}

	// The two calls, as the core announces them.
	var ids []string
	err := w.wait(15*time.Second, "both SIPp calls answered", func() bool {
		ids = ids[:0]
		for _, e := range w.all {
			if e.Kind == "call_started" && strings.HasPrefix(e.Line, "sip/") && e.To == "ivr" {
				if _, ok := w.find(func(a watched) bool { return a.Kind == "answered" && a.CallID == e.CallID }); ok {
					ids = append(ids, e.CallID)
				}
			}
		}
		return len(ids) == len(scenarios)
	})
	if err != nil {
		wg.Wait()
		t.Fatalf("%v\n%v", err, errors.Join(errs...))
	}
	// While they are up (12 s), the line monitor shows them as SIP lines.
	type lineRow struct {
		Line, State, Called string
		CallID              string `json:"call_id"`
	}
	var lines []lineRow
	d.api("GET", "/api/lines", nil, &lines)
	for _, id := range ids {
		if !slices.ContainsFunc(lines, func(l lineRow) bool {
			return l.CallID == id && strings.HasPrefix(l.Line, "sip/") && l.State == "in-call" && l.Called == "ivr"
		}) {
			t.Errorf("/api/lines does not show call %s in a call to ivr on a sip line: %+v", id, lines)
		}
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	for _, id := range ids {
		c := record(t, d, id) // once the record writer has closed it
		found := false
		for _, k := range c.Codes {
			found = found || (k.Code == code && k.Result == "found")
		}
		// The IVR answered and the lookup served the caller: self-service.
		if !found || c.Disposition != "self_service" || c.Called != "ivr" || !strings.HasPrefix(c.Line, "sip/") {
			t.Errorf("call record %+v: want self_service on a sip line with %s found", c, code)
		}
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
