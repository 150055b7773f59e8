package sip

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	siplib "github.com/emiago/sipgo/sip"
	"github.com/emiago/sipgo/siptest"

	"tracecall/telephony"
)

// addTortureSeeds seeds a fuzz target with every message of the torture
// corpus (testdata/torture), so the committed corpus runs it under plain go
// test as well.
func addTortureSeeds(f *testing.F) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "torture", "*", "*.dat"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no torture messages to seed with: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// fuzzDriver is a served driver whose handler refuses every call busy, with
// what a fuzz target needs to hand it messages itself.
type fuzzDriver struct {
	*Driver
	serve func(*siplib.Request, siplib.ServerTransaction)
	sink  *net.UDPConn // where the driver's stateless answers go
}

func newFuzzDriver(f *testing.F) *fuzzDriver {
	f.Helper()
	d, err := New(Config{Listen: "127.0.0.1:0", RTPPortMin: 47000, RTPPortMax: 47999,
		Phones: []Phone{{User: "8001", Password: "pw"}}}, nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- d.Serve(ctx, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
			_ = l.Hangup(ctx, telephony.CauseBusy)
		}))
	}()
	f.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			f.Errorf("serve: %v", err)
		}
	})
	<-d.Serving()
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { sink.Close() })
	d.mu.Lock()
	newClient := d.newClient
	d.mu.Unlock()
	return &fuzzDriver{Driver: d, serve: d.serveRequest(newClient), sink: sink}
}

// FuzzSIPMessage hands whole datagrams to the driver the way a UDP one
// reaches it: the read filter (rate, plausibility, the stateless answer to
// what does not parse), sipgo's parser, sipgo's transaction key, then
// serveRequest, the validation and the method's handler, with a recording
// transaction in place of sipgo's. Nothing may panic; a request the filter
// passes parses; every answer carries the request's Call-ID and CSeq and is
// a response sipgo can read back (when it can read the request back); and
// once a request is answered no call and no dialog is left behind.
func FuzzSIPMessage(f *testing.F) {
	addTortureSeeds(f)
	d := newFuzzDriver(f)
	props := siplib.TransportReadProps{Transport: "UDP", LocalAddr: d.udp.LocalAddr(), RemoteAddr: d.sink.LocalAddr()}
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.Clone(data) // sipgo's reader lends its buffer, as here
		out, err := d.filter(props, data)
		if err != nil || len(out) == 0 {
			return
		}
		if len(bytes.Trim(out, "\r\n")) == 0 {
			return // a keep-alive: sipgo skips it
		}
		msg, err := d.parser.ParseSIP(out)
		if err != nil {
			if !bytes.HasPrefix(out, []byte("SIP/")) {
				t.Fatalf("the filter passed a request sipgo cannot parse: %v", err)
			}
			return
		}
		req, ok := msg.(*siplib.Request)
		if !ok {
			return // responses go to sipgo's transactions, never to a handler
		}
		req.SetTransport("UDP")
		req.SetSource(d.sink.LocalAddr().String())
		if _, err := siplib.ServerTxKeyMake(req); err != nil {
			return // sipgo answers 400 itself
		}
		if req.IsCancel() {
			return // sipgo matches a CANCEL to its INVITE before any handler
		}
		tx := siptest.NewServerTxRecorder(req)
		d.serve(req, tx)
		answers := tx.Result()
		tx.Terminate()
		for _, res := range answers {
			checkFuzzAnswer(t, req, res)
		}
		if lines := d.Lines(); len(lines) > 0 {
			t.Fatalf("lines left in use: %+v", lines)
		}
		d.mu.Lock()
		dialogs := len(d.dialogs)
		d.mu.Unlock()
		if dialogs > 0 {
			t.Fatalf("%d dialogs left", dialogs)
		}
	})
}

func checkFuzzAnswer(t *testing.T, req *siplib.Request, res *siplib.Response) {
	t.Helper()
	if res.StatusCode < 100 || res.StatusCode > 699 {
		t.Fatalf("answered %d", res.StatusCode)
	}
	// An answer copies the request's Via, From, To, Call-ID and CSeq as
	// sipgo wrote them back; when sipgo read something it cannot read back
	// in the request itself, the answer inherits it.
	if _, err := siplib.ParseMessage([]byte(req.String())); err == nil {
		back, err := siplib.ParseMessage([]byte(res.String()))
		if err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, res.String())
		}
		if _, ok := back.(*siplib.Response); !ok {
			t.Fatalf("our answer reads back as a request:\n%s", res.String())
		}
	}
	if id := req.CallID(); id != nil && (res.CallID() == nil || res.CallID().Value() != id.Value()) {
		t.Fatalf("answer's Call-ID %v, the request's %v", res.CallID(), id)
	}
	if cs := req.CSeq(); cs != nil && (res.CSeq() == nil || res.CSeq().SeqNo != cs.SeqNo) {
		t.Fatalf("answer's CSeq %v, the request's %v", res.CSeq(), cs)
	}
}

// FuzzUnparsableAnswer: the stateless answer to a request that does not
// parse is a status line of ours, then only Via, From, To, Call-ID and CSeq
// lines taken from the request, each a single line, then an empty body.
func FuzzUnparsableAnswer(f *testing.F) {
	addTortureSeeds(f)
	allowed := map[string]bool{"Via": true, "From": true, "To": true, "Call-ID": true, "CSeq": true}
	f.Fuzz(func(t *testing.T, data []byte) {
		code, reason := diagnose(data)
		switch code {
		case 400, 416, 505:
		default:
			t.Fatalf("diagnosed %d", code)
		}
		res := statelessAnswer(data, code, reason)
		if res == nil {
			return
		}
		head, rest, ok := strings.Cut(string(res), "\r\n\r\n")
		if !ok || rest != "" {
			t.Fatalf("answer does not end with its headers:\n%q", res)
		}
		lines := strings.Split(head, "\r\n")
		if lines[0] != "SIP/2.0 "+strconv.Itoa(code)+" "+reason {
			t.Fatalf("status line %q", lines[0])
		}
		if lines[len(lines)-1] != "Content-Length: 0" {
			t.Fatalf("last line %q", lines[len(lines)-1])
		}
		for _, l := range lines[1 : len(lines)-1] {
			name, _, _ := strings.Cut(l, ": ")
			if !allowed[name] || strings.ContainsAny(l, "\r\n\x00") {
				t.Fatalf("answer line %q", l)
			}
		}
	})
}

// FuzzRegisterBindings reads the Contact and Expires of REGISTER requests
// as an authenticated one's are read, and files them: nothing panics, and
// every binding filed lapses within MaxExpires.
func FuzzRegisterBindings(f *testing.F) {
	addTortureSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := siplib.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := msg.(*siplib.Request)
		if !ok || req.Method != siplib.REGISTER {
			return
		}
		req.SetSource("127.0.0.1:5062")
		r := testRegistrar(t, nil)
		d := &Driver{reg: r}
		now := time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)
		add, remove, all, brief, ok := d.readBindings(req, now)
		if !ok || brief {
			return
		}
		r.update("8001", add, remove, all, now)
		for _, b := range r.current("8001", now) {
			if b.key == "" || b.expires.Before(now) || b.expires.After(now.Add(r.max)) {
				t.Fatalf("binding %+v", b)
			}
		}
	})
}
