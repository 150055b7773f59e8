package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"tracecall/trace"
)

// The daemon under test is built once and started as a real process on
// loopback, as an installer would run it.
var daemonBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tracecalld-test")
	if err != nil {
		panic(err)
	}
	daemonBin = filepath.Join(dir, "tracecalld")
	out, err := exec.Command("go", "build", "-o", daemonBin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build tracecalld: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type daemon struct {
	t     *testing.T
	cmd   *exec.Cmd
	data  string
	addr  string // HTTP address, as bound (addresses.json)
	sip   string // SIP address, UDP and TCP, as bound; "" with SIP off
	token string
	sock  *http.Client
	log   *lockedBuffer // the daemon's stderr

	exited  chan struct{} // closed once the process has exited
	exitErr error         // what Wait said, once exited is closed
}

// startDaemon runs tracecalld -demo with the shipped config on data, HTTP and
// SIP on ports the kernel picks, and waits until it is ready.
func startDaemon(t *testing.T, data string) *daemon {
	t.Helper()
	d := &daemon{t: t, data: data}
	d.launch("-config", "../../rootfs/etc/tracecall/tracecall.toml", "-data", data, "-http", "127.0.0.1:0", "-sip", "127.0.0.1:0", "-demo")
	if fi, err := os.Stat(filepath.Join(data, "api-token")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("api-token mode %v, want 0600", fi.Mode().Perm())
	}
	return d
}

// shippedConfigWith writes the shipped config, with old replaced by new
// (old must be in it) and extra appended, to a file of the test's and
// returns its path.
func shippedConfigWith(t *testing.T, old, new, extra string) string {
	t.Helper()
	b, err := os.ReadFile("../../rootfs/etc/tracecall/tracecall.toml")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if old != "" {
		if !strings.Contains(text, old) {
			t.Fatalf("the shipped config has no %q to change", old)
		}
		text = strings.Replace(text, old, new, 1)
	}
	path := filepath.Join(t.TempDir(), "tracecall.toml")
	if err := os.WriteFile(path, []byte(text+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readyLine is what the daemon logs once its listeners and lines are up and
// addresses.json is written.
const readyLine = `msg="tracecalld ready"`

// launch starts tracecalld with argv (d.data must match its -data), stops it
// with SIGTERM when the test ends (printing its log if the test failed),
// waits until it logs that it is ready, and reads the addresses it bound
// from DATA/addresses.json and its API token. A daemon that exits before it
// is ready fails the test at once, with its stderr.
func (d *daemon) launch(argv ...string) {
	t := d.t
	t.Helper()
	if _, err := exec.LookPath("espeak-ng"); err != nil {
		t.Fatal("espeak-ng not installed (make test installs it): apt-get install espeak-ng")
	}
	d.log = &lockedBuffer{}
	d.cmd = exec.Command(daemonBin, argv...)
	d.cmd.Stderr = d.log
	d.cmd.WaitDelay = 5 * time.Second // a child left holding its stderr does not hold up Wait
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d.exited = make(chan struct{})
	go func() {
		d.exitErr = d.cmd.Wait()
		close(d.exited)
	}()
	t.Cleanup(func() {
		_ = d.stop(syscall.SIGTERM)
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log.String())
		}
	})
	if err := d.log.waitFor(readyLine, 60*time.Second, d.exited); err != nil {
		select {
		case <-d.exited:
			err = fmt.Errorf("%w (%v)", err, d.exitErr)
		default:
		}
		t.Fatalf("daemon not ready: %v; its log follows", err) // the cleanup prints it
	}
	b, err := os.ReadFile(filepath.Join(d.data, "addresses.json"))
	if err != nil {
		t.Fatalf("the daemon is ready but wrote no addresses: %v", err)
	}
	var bound struct{ HTTP, SIP, Socket string }
	if err := json.Unmarshal(b, &bound); err != nil {
		t.Fatalf("addresses.json: %v\n%s", err, b)
	}
	d.addr, d.sip = bound.HTTP, bound.SIP
	d.sock = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", bound.Socket)
	}}}
	tok, err := os.ReadFile(filepath.Join(d.data, "api-token"))
	if err != nil {
		t.Fatal(err)
	}
	d.token = strings.TrimSpace(string(tok))
}

// stop sends the daemon sig, unless it has exited already, and waits until
// it has; it returns how the process exited. A daemon that outlives the
// signal by 30 s is killed.
func (d *daemon) stop(sig syscall.Signal) error {
	select {
	case <-d.exited:
		return d.exitErr
	default:
	}
	_ = d.cmd.Process.Signal(sig)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		d.t.Errorf("daemon still running 30 s after %v: killed", sig)
		_ = d.cmd.Process.Kill()
		<-d.exited
	}
	return d.exitErr
}

// lockedBuffer collects a process's output: written by exec's copier, read by
// the test while the process runs. The zero value is ready to use.
type lockedBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed on the next write; nil until someone waits
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed != nil {
		close(l.changed)
		l.changed = nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor waits until the output contains s. It fails after timeout, or once
// exited is closed (the writing process is gone, and exec has copied all it
// wrote) without s; exited may be nil.
func (l *lockedBuffer) waitFor(s string, timeout time.Duration, exited <-chan struct{}) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	gone := false
	for {
		l.mu.Lock()
		found := bytes.Contains(l.b.Bytes(), []byte(s))
		if !found && l.changed == nil {
			l.changed = make(chan struct{})
		}
		changed := l.changed
		l.mu.Unlock()
		switch {
		case found:
			return nil
		case gone:
			return fmt.Errorf("the process exited without writing %q", s)
		}
		select {
		case <-changed:
		case <-exited:
			gone, exited = true, nil // look once more: its last words are in
		case <-deadline.C:
			return fmt.Errorf("no %q after %v", s, timeout)
		}
	}
}

// apiClient makes the tests' plain API requests: a daemon that stops
// answering fails the test in a while, not at go test's -timeout.
var apiClient = &http.Client{Timeout: 30 * time.Second}

// api calls the TCP API with the bearer token.
func (d *daemon) api(method, path string, body io.Reader, v any) int {
	d.t.Helper()
	req, _ := http.NewRequest(method, "http://"+d.addr+path, body)
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := apiClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			d.t.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

type line struct {
	Type       string `json:"type"`
	CallID     string `json:"call_id"`
	Text       string `json:"text"`
	Value      string `json:"value"`
	Code       string `json:"code"`
	Result     string `json:"result"`
	Reason     string `json:"reason"`
	By         string `json:"by"`
	WAV        string `json:"wav_base64"`
	OK         bool   `json:"ok"`
	Prompt     string `json:"prompt"`
	receivedAt time.Time
}

// simCall places a call over the unix socket, sending each streamed line to out.
func (d *daemon) simCall(body string, out chan<- line) error {
	resp, err := d.sock.Post("http://tracecalld/api/sim/call", "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("sim call: %s: %s", resp.Status, b)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return fmt.Errorf("bad stream line %q: %w", sc.Text(), err)
		}
		l.receivedAt = time.Now()
		out <- l
	}
	return sc.Err()
}

// callInProgress places a call that stays up and returns its id once the IVR
// has started talking.
func (d *daemon) callInProgress(ani string) string {
	d.t.Helper()
	ch := make(chan line, 1000)
	go func() { _ = d.simCall(`{"ani":"`+ani+`","dnis":"ivr","timeout":"60s"}`, ch) }()
	var callID string
	for l := range ch {
		if l.Type == "call" {
			callID = l.CallID
		}
		if l.Type == "said" {
			return callID
		}
	}
	d.t.Fatal("call ended before the IVR spoke")
	return ""
}

func collect(t *testing.T, d *daemon, body string) []line {
	t.Helper()
	ch := make(chan line, 1000)
	err := d.simCall(body, ch)
	close(ch)
	if err != nil {
		t.Fatal(err)
	}
	var out []line
	for l := range ch {
		out = append(out, l)
	}
	return out
}

func TestDemoCallEndToEnd(t *testing.T) {
	// Most of this test is a minute of real-time call; the README walkthrough
	// runs beside it.
	t.Parallel()
	d := startDaemon(t, t.TempDir())
	chain := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex)

	if code := d.api("GET", "/api/trace/"+chain.TraceCode, nil, nil); code != 200 {
		t.Fatalf("GET /api/trace/<demo code> = %d", code)
	}
	var apiErr struct{ Error, Reason string }
	if code := d.api("GET", "/api/trace/12345", nil, &apiErr); code != 400 || apiErr.Reason != "too_short" {
		t.Errorf("malformed code: %d %+v, want 400 too_short", code, apiErr)
	}
	req, _ := http.NewRequest("GET", "http://"+d.addr+"/api/calls", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("GET /api/calls without token: %v %v, want 401", resp.StatusCode, err)
	}

	for _, body := range []string{`{"ani":"1","dnis":"ivr","dtmf":"12x#"}`, `{"dnis":"ivr"}`, `{"ani":"1","dnis":"ivr","timeout":"forever"}`, `not json`} {
		ch := make(chan line, 10)
		if err := d.simCall(body, ch); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("sim call %s: %v, want 400 with the reason", body, err)
		}
	}

	start := time.Now()
	ls := collect(t, d, fmt.Sprintf(`{"ani":"13800138000","dnis":"ivr","dtmf":"1%s#","timeout":"60s","record":true}`, chain.TraceCode))
	elapsed := time.Since(start)
	var callID string
	var texts []string
	var wav []byte
	found := false
	for _, l := range ls {
		switch l.Type {
		case "call":
			callID = l.CallID
		case "said":
			texts = append(texts, l.Text)
		case "lookup":
			found = found || (l.Result == "found" && l.Code == chain.TraceCode)
		case "recording":
			wav, _ = base64.StdEncoding.DecodeString(l.WAV)
		}
	}
	if last := ls[len(ls)-1]; last.Type != "end" || !last.OK {
		t.Errorf("stream ended with %+v", last)
	}
	if !found {
		t.Errorf("no found lookup for %s in %+v", chain.TraceCode, ls)
	}
	all := strings.Join(texts, "\n")
	var sale trace.Event
	for _, e := range chain.Events {
		if e.Type == trace.EventRetailSale {
			sale = e
		}
	}
	for _, want := range []string{sale.Goods.GoodsName, sale.Node.Name, "产地"} {
		if !strings.Contains(all, want) {
			t.Errorf("said lines do not name %q:\n%s", want, all)
		}
	}
	// The recording is real speech as long as the call.
	samples := wavSamples(t, wav)
	secs := float64(len(samples)) / 8000
	if secs < 10 || secs > elapsed.Seconds()+1 {
		t.Errorf("recording is %.1f s for a %.1f s call", secs, elapsed.Seconds())
	}
	if voiced := voicedFraction(samples); voiced < 0.3 {
		t.Errorf("only %.0f%% of the recording has sound; want speech", voiced*100)
	}

	var calls []struct {
		ID          string
		Disposition string
		Codes       []struct{ Code, Result string }
	}
	if code := d.api("GET", "/api/calls?caller=13800138000", nil, &calls); code != 200 || len(calls) == 0 {
		t.Fatalf("GET /api/calls = %d, %d calls", code, len(calls))
	}
	// The IVR answered the line and the lookup served the caller: no agent.
	if calls[0].ID != callID || calls[0].Disposition != "self_service" || len(calls[0].Codes) == 0 || calls[0].Codes[0].Code != chain.TraceCode {
		t.Errorf("newest call record = %+v, want %s self_service with the code", calls[0], callID)
	}
}

func TestKilledDaemonMarksCallInterrupted(t *testing.T) {
	data := t.TempDir()
	d := startDaemon(t, data)
	callID := d.callInProgress("13900139000")
	time.Sleep(2500 * time.Millisecond) // past the alive mark
	_ = d.stop(syscall.SIGKILL)

	d2 := startDaemon(t, data)
	var r struct {
		Disposition string
		InProgress  bool
		Duration    float64
	}
	if code := d2.api("GET", "/api/calls/"+callID, nil, &r); code != 200 {
		t.Fatalf("GET /api/calls/%s = %d", callID, code)
	}
	if r.Disposition != "interrupted" || r.InProgress || r.Duration < 0.5 || r.Duration > 10 {
		t.Errorf("call after kill -9 = %+v, want interrupted, closed, ending when last known alive (0.5 to 3 s in)", r)
	}
}

func TestImportWithOneBadRowImportsNothing(t *testing.T) {
	d := startDaemon(t, t.TempDir())
	var before struct{ Chains int }
	d.api("GET", "/api/status", nil, &before)
	var buf bytes.Buffer
	g := trace.NewGenerator(99)
	enc := json.NewEncoder(&buf)
	for i := range 5 {
		c := g.Chain(100000 + i)
		if i == 3 {
			c.TraceCode = "not-a-code"
		}
		_ = enc.Encode(c)
	}
	var res struct {
		Imported int
		Rows     []struct {
			Line   int
			Reason string
		}
	}
	code := d.api("POST", "/api/trace/import?format=jsonl", &buf, &res)
	if code != 422 || res.Imported != 0 || len(res.Rows) != 1 || res.Rows[0].Line != 4 {
		t.Errorf("import = %d %+v, want 422 naming line 4 and nothing imported", code, res)
	}
	var after struct{ Chains int }
	d.api("GET", "/api/status", nil, &after)
	if after.Chains != before.Chains {
		t.Errorf("chains %d → %d: a rejected import changed the store", before.Chains, after.Chains)
	}
}

func TestSIGTERMClosesCallsCleanly(t *testing.T) {
	data := t.TempDir()
	d := startDaemon(t, data)
	callID := d.callInProgress("13700137000")
	// The ready line named the addresses the test read from addresses.json.
	if log := d.log.String(); !strings.Contains(log, "http="+d.addr) || !strings.Contains(log, "sip="+d.sip) {
		t.Errorf("the log does not name http=%s and sip=%s:\n%s", d.addr, d.sip, log)
	}
	if err := d.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("daemon exit after SIGTERM: %v\n%s", err, d.log.String())
	}
	if _, err := os.Stat(filepath.Join(data, "addresses.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("addresses.json after a clean stop: %v, want it removed", err)
	}
	d2 := startDaemon(t, data)
	var r struct{ Disposition, Cause, HangupBy string }
	d2.api("GET", "/api/calls/"+callID, nil, &r)
	// Closed by the stopping daemon itself (recovery would say daemon_stopped).
	if r.Disposition != "interrupted" || r.Cause != "shutdown" || r.HangupBy != "system" {
		t.Errorf("call after SIGTERM = %+v, want interrupted, hung up by system for shutdown", r)
	}
}

func wavSamples(t *testing.T, b []byte) []int16 {
	t.Helper()
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file (%d bytes)", len(b))
	}
	if rate := binary.LittleEndian.Uint32(b[24:]); rate != 8000 {
		t.Errorf("WAV rate %d, want 8000", rate)
	}
	data := b[44:]
	out := make([]int16, len(data)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(data[2*i:]))
	}
	return out
}

// voicedFraction is the share of 20 ms frames louder than background.
func voicedFraction(s []int16) float64 {
	frames, loud := 0, 0
	for i := 0; i+160 <= len(s); i += 160 {
		var e float64
		for _, v := range s[i : i+160] {
			e += float64(v) * float64(v)
		}
		frames++
		if e/160 > 100*100 {
			loud++
		}
	}
	if frames == 0 {
		return 0
	}
	return float64(loud) / float64(frames)
}
