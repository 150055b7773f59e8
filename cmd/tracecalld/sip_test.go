package main_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
	"tracecall/drivers/sip/siptest"

	"tracecall/trace"
)

// freeSIPAddr returns a loopback address whose port is free over both UDP and
// TCP, so test daemons never fight over 5060 (or a running demo).
func freeSIPAddr(t *testing.T) string {
	t.Helper()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		pc, err := net.ListenPacket("udp", addr)
		ln.Close()
		if err == nil {
			pc.Close()
			return addr
		}
	}
	t.Fatal("no port free over udp and tcp")
	return ""
}

// TestSIPCallerKeysDemoCode: a SIPp caller on the SIP trunk keys 1, the demo
// pork chain's trace code and #, once with RFC 4733 events and once with
// in-band tones, while the welcome prompt plays; the call records show the code
// found.
func TestSIPCallerKeysDemoCode(t *testing.T) {
	if _, err := exec.LookPath("sipp"); err != nil {
		t.Skip("sipp not installed (make test installs it): apt-get install sip-tester")
	}
	if os.Geteuid() != 0 {
		t.Skip("sipp's play_pcap_audio needs a raw socket: run as root")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed: it makes the DTMF pcap")
	}
	d := startDaemon(t, t.TempDir())
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

	// While the calls are up, the line monitor shows them as SIP lines.
	sawLine := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !sawLine; time.Sleep(100 * time.Millisecond) {
		var lines []struct{ Line, State, Caller, Called string }
		d.api("GET", "/api/lines", nil, &lines)
		for _, l := range lines {
			sawLine = sawLine || (l.Line == "sip/1" && l.State == "in-call" && l.Called == "ivr")
		}
	}
	if !sawLine {
		t.Error("/api/lines never showed sip/1 in a call to ivr")
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	var calls []struct {
		ID, Line, Caller, Called, Disposition string
		Codes                                 []struct{ Code, Result string }
	}
	// The record writer closes a record just after the hangup.
	closed := func() bool {
		for _, c := range calls {
			if c.Disposition == "" {
				return false
			}
		}
		return len(calls) >= 2
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		calls = calls[:0]
		d.api("GET", "/api/calls?caller=caller1", nil, &calls)
		if closed() || time.Now().After(deadline) {
			break
		}
	}
	if len(calls) != 2 {
		t.Fatalf("GET /api/calls?caller=caller1: %d calls, want the 2 SIPp calls: %+v", len(calls), calls)
	}
	for _, c := range calls {
		found := false
		for _, k := range c.Codes {
			found = found || (k.Code == code && k.Result == "found")
		}
		// The IVR answered and the lookup served the caller: self-service.
		if !found || c.Disposition != "self_service" || c.Called != "ivr" || len(c.Line) < 5 || c.Line[:4] != "sip/" {
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
