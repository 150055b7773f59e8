package sip_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/telephony"
	"tracecall/telephony/event"
	"tracecall/telephony/telephonytest"
)

// The torture corpus (testdata/torture) holds SIP messages written after
// RFC 4475's: valid ones that must be served however odd they look
// (valid/), invalid ones and the application-layer cases (invalid/), and
// cases of the appliance's own (ours/). MANIFEST says what the driver
// answers each with over UDP and over TCP; TestTorture sends every message
// to a real driver, with the core over it, and checks the answer, then that
// every call that reached the core ended and no line is left in use.

// tortureAnswer is what a message gets over one transport.
type tortureAnswer struct {
	skip bool // not sent over this transport
	none bool // nothing comes back
	code int  // the final response's status
	// now is what this branch answers until the change named in the
	// manifest lands (0: want is what it answers already).
	now int
}

// got is the code the driver answers with on this branch.
func (a tortureAnswer) got() int {
	if a.now != 0 {
		return a.now
	}
	return a.code
}

type tortureEntry struct {
	file     string
	udp, tcp tortureAnswer
	headers  []string // headers the answer must carry
	why      string
}

func (e tortureEntry) answer(netw string) tortureAnswer {
	if netw == "udp" {
		return e.udp
	}
	return e.tcp
}

// tortureDir is where the corpus lives.
const tortureDir = "testdata/torture"

func readTortureManifest(t *testing.T) []tortureEntry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(tortureDir, "MANIFEST"))
	if err != nil {
		t.Fatal(err)
	}
	var out []tortureEntry
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 5 {
			t.Fatalf("MANIFEST line %d: want file, udp, tcp, headers and why: %q", n+1, line)
		}
		e := tortureEntry{file: f[0], why: strings.Join(f[4:], " ")}
		for i, dst := range []*tortureAnswer{&e.udp, &e.tcp} {
			a, err := parseTortureAnswer(f[1+i])
			if err != nil {
				t.Fatalf("MANIFEST line %d: %v", n+1, err)
			}
			*dst = a
		}
		if f[3] != "-" {
			e.headers = strings.Split(f[3], ",")
		}
		out = append(out, e)
	}
	return out
}

// parseTortureAnswer reads "486", "none", "-" or "488/now=486".
func parseTortureAnswer(s string) (tortureAnswer, error) {
	switch s {
	case "-":
		return tortureAnswer{skip: true}, nil
	case "none":
		return tortureAnswer{none: true}, nil
	}
	want, now, pending := strings.Cut(s, "/now=")
	code, err := strconv.Atoi(want)
	if err != nil || code < 200 || code > 699 {
		return tortureAnswer{}, fmt.Errorf("bad answer %q", s)
	}
	a := tortureAnswer{code: code}
	if pending {
		if a.now, err = strconv.Atoi(now); err != nil {
			return tortureAnswer{}, fmt.Errorf("bad answer %q", s)
		}
	}
	return a, nil
}

// TestTortureManifestComplete: every message in the corpus has a line in
// MANIFEST, and every line a message.
func TestTortureManifestComplete(t *testing.T) {
	entries := readTortureManifest(t)
	files, err := filepath.Glob(filepath.Join(tortureDir, "*", "*.dat"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no torture messages: %v", err)
	}
	listed := map[string]bool{}
	for _, e := range entries {
		if listed[e.file] {
			t.Errorf("MANIFEST lists %s twice", e.file)
		}
		listed[e.file] = true
		if _, err := os.Stat(filepath.Join(tortureDir, e.file)); err != nil {
			t.Errorf("MANIFEST lists %s: %v", e.file, err)
		}
	}
	for _, f := range files {
		rel, _ := filepath.Rel(tortureDir, f)
		if !listed[filepath.ToSlash(rel)] {
			t.Errorf("%s has no line in MANIFEST", rel)
		}
	}
}

func TestTorture(t *testing.T) {
	entries := readTortureManifest(t)
	for _, netw := range []string{"udp", "tcp"} {
		t.Run(netw, func(t *testing.T) {
			r := newTortureRig(t)
			calls := 0
			for _, e := range entries {
				a := e.answer(netw)
				if a.skip {
					continue
				}
				t.Run(strings.TrimSuffix(e.file, ".dat"), func(t *testing.T) {
					if a.got() == 486 { // the handler's answer: the message became a call
						calls++
					}
					data, err := os.ReadFile(filepath.Join(tortureDir, e.file))
					if err != nil {
						t.Fatal(err)
					}
					if netw == "udp" {
						r.udp(t, e, data)
					} else {
						r.tcp(t, e, data)
					}
				})
			}
			r.checkCalls(t, calls)
		})
	}
}

// tortureRig is a driver with the core over it, whose handler refuses every
// call busy (486), counting them.
type tortureRig struct {
	d       *sip.Driver
	core    *telephony.Calls
	legs    atomic.Int64
	started *event.Subscriber[event.CallStarted]
	ended   *event.Subscriber[event.CallEnded]
}

func newTortureRig(t *testing.T) *tortureRig {
	t.Helper()
	bus := event.New(nil)
	t.Cleanup(bus.Close)
	watch := bus.Client("torture")
	r := &tortureRig{
		started: event.Subscribe[event.CallStarted](watch, event.WithQueue(256)),
		ended:   event.Subscribe[event.CallEnded](watch, event.WithQueue(256)),
	}
	// The corpus comes from one address faster than a stranger may call.
	cfg := sip.Config{Listen: "127.0.0.1:0", RTPPortMin: 46000, RTPPortMax: 46999, Phones: testPhones, Peers: loopbackPeer}
	d, err := sip.New(cfg, bus.Client("sip"), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	r.d = d
	r.core = telephonytest.Core(t, bus.Client("core"), d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.core.Serve(ctx, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
			r.legs.Add(1)
			_ = l.Hangup(ctx, telephony.CauseBusy)
		}))
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	<-d.Serving()
	return r
}

// checkCalls: calls messages became calls, each started and ended in the
// core, and no line is left in use.
func (r *tortureRig) checkCalls(t *testing.T, calls int) {
	t.Helper()
	if got := r.legs.Load(); got != int64(calls) {
		t.Errorf("%d messages reached the core as calls, want %d", got, calls)
	}
	timeout := time.After(5 * time.Second)
	for n := 0; n < calls; n++ {
		select {
		case <-r.ended.Events():
		case <-timeout:
			t.Fatalf("%d of %d calls ended in the core", n, calls)
		}
	}
	started := 0
	for more := true; more; {
		select {
		case <-r.started.Events():
			started++
		default:
			more = false
		}
	}
	if started != calls {
		t.Errorf("%d calls started in the core, want %d", started, calls)
	}
	if lines := r.core.Lines(); len(lines) > 0 {
		t.Errorf("lines left in use: %+v", lines)
	}
}

// udp sends a message from a socket of its own and checks the answer.
func (r *tortureRig) udp(t *testing.T, e tortureEntry, data []byte) {
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to, err := net.ResolveUDPAddr("udp", r.d.Addr())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteTo(data, to); err != nil {
		t.Fatal(err)
	}
	read := func(deadline time.Time) (*msg, error) {
		_ = c.SetReadDeadline(deadline)
		buf := make([]byte, 65536)
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		return parseMsg(string(buf[:n])), nil
	}
	a := e.udp
	if !a.none {
		res := finalAnswer(t, read)
		checkAnswer(t, e, a, res)
		if ack := ackFor(data, res); ack != nil {
			_, _ = c.WriteTo(ack, to)
		}
	}
	// Whatever the driver does with the message, it has done it by the
	// time it answers a later datagram from the same address: it reads
	// them in order.
	r.probeUDP(t)
	for {
		m, err := read(time.Now())
		if err != nil {
			break
		}
		if m.code >= 200 && (a.none || m.code != a.got()) {
			t.Errorf("a second answer: %q", m.start)
		}
	}
}

// probeUDP sends OPTIONS from another socket and waits for its 200.
func (r *tortureRig) probeUDP(t *testing.T) {
	t.Helper()
	c, err := net.Dial("udp", r.d.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write(probe(c.LocalAddr().String())); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65536)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	if m := parseMsg(string(buf[:n])); m.code != 200 {
		t.Fatalf("probe answered %q", m.start)
	}
}

// tcp sends a message on a connection of its own and checks the answer. A
// message that gets none is followed by a probe on the same connection:
// what comes back first must be the probe's answer, or the connection's
// end.
func (r *tortureRig) tcp(t *testing.T, e tortureEntry, data []byte) {
	c, err := net.Dial("tcp", r.d.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	if _, err := c.Write(data); err != nil {
		t.Fatal(err)
	}
	read := func(deadline time.Time) (*msg, error) {
		_ = c.SetReadDeadline(deadline)
		return readStreamMsg(br)
	}
	a := e.tcp
	if a.none {
		p := probe(c.LocalAddr().String())
		if _, err := c.Write(p); err != nil {
			return // closed on us already: no answer
		}
		m, err := read(time.Now().Add(5 * time.Second))
		switch {
		case errors.Is(err, io.EOF) || isReset(err):
		case err != nil:
			t.Fatalf("neither an answer to the probe nor the connection's end: %v", err)
		case m.header("Call-ID") != probeCallID(p):
			t.Errorf("answered %q, want no answer", m.start)
		}
		return
	}
	res := finalAnswer(t, read)
	checkAnswer(t, e, a, res)
	if ack := ackFor(data, res); ack != nil {
		_, _ = c.Write(ack)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// finalAnswer reads past provisional responses to the final one.
func finalAnswer(t *testing.T, read func(time.Time) (*msg, error)) *msg {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, err := read(deadline)
		if err != nil {
			t.Fatalf("no final answer: %v", err)
		}
		if m.code >= 200 {
			return m
		}
		if m.code < 100 {
			t.Fatalf("not a response: %q", m.start)
		}
	}
}

func checkAnswer(t *testing.T, e tortureEntry, a tortureAnswer, res *msg) {
	t.Helper()
	if res.code != a.got() {
		t.Errorf("answered %q, want %d (%s)", res.start, a.got(), e.why)
	}
	if !strings.HasPrefix(res.start, "SIP/2.0 ") {
		t.Errorf("answered in another version: %q", res.start)
	}
	for _, h := range e.headers {
		if res.header(h) == "" {
			t.Errorf("the %d has no %s header", res.code, h)
		}
	}
	for name, vs := range res.headers {
		for _, v := range vs {
			if strings.ContainsAny(v, "\r\n") || strings.Contains(name, " ") {
				t.Errorf("answer header %q: %q is not one header line", name, v)
			}
		}
	}
}

// ackFor is the ACK for a final failure to an INVITE, built from the
// answer (which copies Via, From, To, Call-ID and CSeq), or nil.
func ackFor(req []byte, res *msg) []byte {
	cseq := strings.Fields(res.header("CSeq"))
	if res.code < 300 || len(cseq) != 2 || cseq[1] != "INVITE" || res.header("Via") == "" {
		return nil
	}
	start, _, _ := bytes.Cut(req, []byte("\r\n"))
	parts := strings.Fields(string(start))
	if len(parts) != 3 {
		return nil
	}
	return []byte(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: %s\r\nFrom: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		parts[1], res.header("Via"), res.header("From"), res.header("To"), res.header("Call-ID"), cseq[0]))
}

// probe is an OPTIONS any driver answers 200.
func probe(local string) []byte {
	id := "probe." + randHex(6)
	return []byte("OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP " + local + ";rport;branch=z9hG4bK" + randHex(6) +
		"\r\nFrom: <sip:probe@127.0.0.1>;tag=" + randHex(4) + "\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: " + id +
		"\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n")
}

func probeCallID(p []byte) string {
	_, rest, _ := bytes.Cut(p, []byte("Call-ID: "))
	id, _, _ := bytes.Cut(rest, []byte("\r\n"))
	return string(id)
}

// readStreamMsg reads one message from a stream: the header section, then
// Content-Length octets.
func readStreamMsg(br *bufio.Reader) (*msg, error) {
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if line == "\r\n" && head.Len() == 0 {
			continue // a keep-alive
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	m := parseMsg(head.String())
	if n, _ := strconv.Atoi(m.header("Content-Length")); n > 0 {
		body := make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			return nil, err
		}
		m.body = string(body)
	}
	return m, nil
}
