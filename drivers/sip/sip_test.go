package sip_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"tracecall/drivers/sip/siptest"

	"tracecall/drivers/sip"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/event/eventtest"
	"tracecall/telephony/telephonytest"
)

// demoKeys is what the SIPp callers key: 1 at the menu, the demo pork chain's
// trace code, and # to end it.
const demoKeys = "1" + "11010600524031500425" + "#"

// call is what the test handler saw of one call.
type call struct {
	info    telephony.LegInfo
	keys    string
	sources map[string]int
	hangup  telephony.HangupInfo
}

// keyCollector is the test Handler: it answers, runs a telephony.Session,
// collects keys until # and hangs up.
type keyCollector struct {
	log   *slog.Logger
	calls chan call
}

func newCollector(t *testing.T) *keyCollector {
	return &keyCollector{log: testLogger(t), calls: make(chan call, 16)}
}

func (k *keyCollector) ServeLeg(ctx context.Context, l telephony.Leg) {
	c := call{info: l.Info(), sources: map[string]int{}}
	defer func() {
		c.hangup, _ = l.Ended()
		k.calls <- c
	}()
	if err := l.Answer(ctx); err != nil {
		return
	}
	s, err := telephony.NewSession(l, nil, k.log)
	if err != nil {
		return
	}
	c.keys, c.sources = readKeys(s, 40*time.Second)
	_ = l.Hangup(ctx, telephony.CauseNormal)
	<-s.Done()
	c.hangup, _ = l.Ended()
}

// readKeys reads the keys s delivers, and how many came from each source,
// until # (which it keeps), the session's end or limit.
func readKeys(s *telephony.Session, limit time.Duration) (keys string, sources map[string]int) {
	sources = map[string]int{}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	for {
		select {
		case d := <-s.Digits():
			keys += string(d.Key)
			sources[d.Source]++
			if d.Key == '#' {
				return keys, sources
			}
		case <-s.Done():
			return keys, sources
		case <-timer.C:
			return keys, sources
		}
	}
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.DiscardHandler)
}

// serve starts a driver on a free loopback port and stops it at cleanup.
func serve(t *testing.T, h telephony.Handler, pub *event.Client) *sip.Driver {
	t.Helper()
	d, err := sip.New(sip.Config{Listen: "127.0.0.1:0", RTPPortMin: 30000, RTPPortMax: 39999}, pub, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	core := telephonytest.Core(t, pub, d)
	go func() { done <- core.Serve(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return d
}

// sippCaller prepares a SIPp caller: it fails the test when sipp cannot run
// (siptest.SIPp), and writes the scenario and its pcap into a temporary
// directory, where sipp must run.
func sippCaller(t *testing.T, scenario, mode, keys string) (dir string) {
	t.Helper()
	siptest.SIPp(t)
	dir = t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, scenario), src, 0o644); err != nil {
		t.Fatal(err)
	}
	pcap := "dtmf-rfc4733.pcap"
	if mode == "inband" {
		pcap = "dtmf-inband.pcap"
	}
	total := 1.0 + 0.2*float64(len(keys)) + 1.0
	out, err := exec.Command("python3", filepath.Join("testdata", "gen_dtmf_pcap.py"), "--mode", mode, "--code", keys,
		"--leadin", "1.0", "--total", fmt.Sprint(total), "--out", filepath.Join(dir, pcap)).CombinedOutput()
	if err != nil {
		t.Fatalf("gen_dtmf_pcap: %v\n%s", err, out)
	}
	return dir
}

// runSIPp places calls calls with scenario from dir against addr and fails
// the test unless every one succeeds.
func runSIPp(t *testing.T, dir, scenario, addr string, calls int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sipp", addr, "-sf", scenario, "-s", "ivr",
		"-i", "127.0.0.1", "-p", fmt.Sprint(siptest.FreePort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(siptest.FreePort(t)),
		"-m", fmt.Sprint(calls), "-l", fmt.Sprint(calls), "-r", fmt.Sprint(calls), "-d", "30000", "-timeout", "45s",
		"-nostdin", "-default_behaviors", "all,-abortunexp", "-trace_err", "-error_file", filepath.Join(dir, "err.log"))
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errLog, _ := os.ReadFile(filepath.Join(dir, "err.log"))
		t.Fatalf("sipp: %v\n%s\nerrors:\n%s", err, tail(out, 3000), errLog)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func TestSIPpCallerKeysCode(t *testing.T) {
	tests := []struct {
		name, scenario, mode, source string
	}{
		{"rfc4733", "uac-ivr.xml", "rfc4733", "rfc4733"},
		{"inband", "uac-ivr-inband.xml", "inband", "inband"},
		// A gateway sending each key both ways: its event comes first, and
		// the tone under it is the same press.
		{"rfc4733 and tones", "uac-ivr.xml", "both", "rfc4733"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := sippCaller(t, tt.scenario, tt.mode, demoKeys)
			bus := event.New(slog.New(slog.DiscardHandler))
			w := eventtest.Watch(t, bus)
			h := newCollector(t)
			d := serve(t, h, bus.Client("sip"))
			runSIPp(t, dir, tt.scenario, d.Addr(), 1)
			c := <-h.calls
			if c.keys != demoKeys {
				t.Errorf("keys = %q, want %q", c.keys, demoKeys)
			}
			if c.sources[tt.source] != len(demoKeys) {
				t.Errorf("key sources = %v, want all %d from %s", c.sources, len(demoKeys), tt.source)
			}
			if c.info.To != "ivr" || !strings.HasPrefix(c.info.From, "caller") || c.info.Line != "sip/1" {
				t.Errorf("leg info = %+v, want from caller…, to ivr, on sip/1", c.info)
			}
			if c.hangup.By != "ivr" || c.hangup.Cause != telephony.CauseNormal {
				t.Errorf("hangup = %+v, want by ivr, normal", c.hangup)
			}
			started := eventtest.Expect[event.CallStarted](w, 5*time.Second, nil)
			if started.Line != "sip/1" || started.To != "ivr" || started.CallID != c.info.CallID {
				t.Errorf("call started = %+v", started)
			}
			eventtest.Expect(w, 5*time.Second, func(e event.CallAnswered) bool { return e.CallID == c.info.CallID })
			ended := eventtest.Expect(w, 5*time.Second, func(e event.CallEnded) bool { return e.CallID == c.info.CallID })
			if ended.By != "ivr" || ended.Cause != string(telephony.CauseNormal) {
				t.Errorf("call ended = %+v, want by ivr, normal", ended)
			}
		})
	}
}

// TestFloodDuringCall throws garbage, truncated and oversized datagrams at the
// SIP port while a SIPp caller keys the code: the call must not notice.
func TestFloodDuringCall(t *testing.T) {
	dir := sippCaller(t, "uac-ivr.xml", "rfc4733", demoKeys)
	h := newCollector(t)
	d := serve(t, h, nil)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		flood(ctx, t, d.Addr())
	}()
	runSIPp(t, dir, "uac-ivr.xml", d.Addr(), 1)
	stop()
	wg.Wait()
	c := <-h.calls
	if c.keys != demoKeys {
		t.Errorf("keys = %q, want %q", c.keys, demoKeys)
	}
	if d.Dropped() == 0 && d.Limited() == 0 {
		t.Error("no datagram was counted as dropped or limited")
	}
}

// floodRequest is a well-formed request (without SDP or credentials) as a
// flood would send it, each with its own Call-ID and branch.
func floodRequest(method, user string) string {
	id := randHex(8)
	return method + " sip:" + user + "@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.2:9;branch=z9hG4bK" + id + "\r\n" +
		"From: <sip:flood@127.0.0.2>;tag=" + id + "\r\nTo: <sip:" + user + "@127.0.0.1>\r\n" +
		"Call-ID: " + id + "@flood\r\nCSeq: 1 " + method + "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
}

// flood sends hostile datagrams to addr from 127.0.0.2 (another source than
// the callers on 127.0.0.1) until ctx ends, at most 20000.
func flood(ctx context.Context, t *testing.T, addr string) {
	raddr, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Error(err)
		return
	}
	c, err := net.DialUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}, raddr)
	if err != nil {
		t.Error(err)
		return
	}
	defer c.Close()
	junk := make([]byte, 65000)
	_, _ = rand.Read(junk)
	huge := "INVITE sip:ivr@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKflood\r\n" +
		"X-Pad: " + strings.Repeat("a", 60000) + "\r\n\r\n"
	packets := [][]byte{
		junk[:100], junk[:1400], junk, []byte(huge),
		[]byte("INVITE sip:ivr@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9"), // cut short
		[]byte("OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\nabc"),
		[]byte("BYE sip:ivr@127.0.0.1 SIP/2.0\r\nCall-ID: nope\r\n\r\n"), // no Via, no CSeq
		[]byte("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\n\r\n"),
		bytes.Repeat([]byte{0}, 500),
		[]byte("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
		[]byte(floodRequest("OPTIONS", "ivr")),
		[]byte(floodRequest("REGISTER", "8001")),
		[]byte(floodRequest("INVITE", "ivr")),
	}
	for i := 0; i < 20000 && ctx.Err() == nil; i++ {
		_, _ = c.Write(packets[i%len(packets)])
		if i%50 == 49 {
			time.Sleep(5 * time.Millisecond)
		}
	}
}
