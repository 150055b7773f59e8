package sip_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	"github.com/pion/rtp"

	"tracecall/drivers/sip"
	"tracecall/drivers/sip/siptest"
	"tracecall/telephony"
	"tracecall/telephony/media"
)

// fakePhone is a SIP phone (UAS) built on sipgo. What it does with an INVITE
// depends on the Request-URI's user: "busy" answers 486, "decline" 603,
// "ring" rings until cancelled, "hangup" answers and hangs up at once
// (BYE), anything else rings and answers with PCMU,
// then plays a steady non-silent signal and counts the RTP it gets.
type fakePhone struct {
	*phoneUA
	addr      string // where it takes SIP
	cancelled chan struct{}
	byes      chan struct{}
	rtpIn     atomic.Int64 // RTP packets received from the driver
	badPT     atomic.Int64 // ...with a payload type other than PCMU
	// auth, when set, makes it a trunk that challenges INVITEs (407) and
	// takes only those with these digest credentials.
	auth atomic.Pointer[sip.Phone]
}

func newFakePhone(t *testing.T, registrar string) *fakePhone {
	t.Helper()
	return newFakePhoneAt(t, registrar, siptest.FreePort(t))
}

// newFakePhoneAt starts a fake phone taking SIP on 127.0.0.1:port.
func newFakePhoneAt(t *testing.T, registrar string, port int) *fakePhone {
	t.Helper()
	p := &fakePhone{
		phoneUA:   newPhoneUA(t, registrar),
		addr:      fmt.Sprintf("127.0.0.1:%d", port),
		cancelled: make(chan struct{}, 4),
		byes:      make(chan struct{}, 4),
	}
	srv, err := sipgo.NewServer(p.ua)
	if err != nil {
		t.Fatal(err)
	}
	contact := siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", Host: "127.0.0.1", Port: port}}
	dialogs := sipgo.NewDialogServerCache(p.client, contact)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	srv.OnInvite(func(req *siplib.Request, tx siplib.ServerTransaction) {
		if a := p.auth.Load(); a != nil && !trunkAuthorized(req, tx, a.User, a.Password) {
			return
		}
		p.onInvite(t, ctx, dialogs, req, tx)
	})
	srv.OnAck(func(req *siplib.Request, tx siplib.ServerTransaction) { _ = dialogs.ReadAck(req, tx) })
	srv.OnBye(func(req *siplib.Request, tx siplib.ServerTransaction) {
		if dialogs.ReadBye(req, tx) == nil {
			p.byes <- struct{}{}
		}
	})
	conn, err := net.ListenPacket("udp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.ServeUDP(conn) }()
	return p
}

var offerPort = regexp.MustCompile(`(?m)^m=audio (\d+) `)

func (p *fakePhone) onInvite(t *testing.T, ctx context.Context, dialogs *sipgo.DialogServerCache, req *siplib.Request, tx siplib.ServerTransaction) {
	ds, err := dialogs.ReadInvite(req, tx)
	if err != nil {
		t.Errorf("fake phone: read invite: %v", err)
		return
	}
	switch req.Recipient.User {
	case "busy":
		_ = ds.Respond(486, "Busy Here", nil)
		return
	case "decline":
		_ = ds.Respond(603, "Decline", nil)
		return
	case "ring":
		_ = ds.Respond(180, "Ringing", nil)
		<-ds.Context().Done()
		p.cancelled <- struct{}{}
		return
	}
	m := offerPort.FindSubmatch(req.Body())
	if m == nil {
		t.Errorf("fake phone: offer without audio: %s", req.Body())
		_ = ds.Respond(488, "Not Acceptable Here", nil)
		return
	}
	ourPort, _ := strconv.Atoi(string(m[1]))
	rtpConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Errorf("fake phone: rtp socket: %v", err)
		return
	}
	_ = ds.Respond(180, "Ringing", nil)
	port := rtpConn.LocalAddr().(*net.UDPAddr).Port
	answer := fmt.Sprintf("v=0\r\no=phone 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"+
		"m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n", port)
	go p.media(ctx, rtpConn, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ourPort})
	if err := ds.RespondSDP([]byte(answer)); err != nil {
		t.Errorf("fake phone: 200: %v", err)
		return
	}
	if req.Recipient.User == "hangup" {
		bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := ds.Bye(bctx); err != nil && ctx.Err() == nil {
			t.Errorf("fake phone: bye: %v", err)
		}
	}
}

// media sends 20 ms PCMU frames of a constant non-silent level to the driver
// and counts what comes back, until ctx ends.
func (p *fakePhone) media(ctx context.Context, conn *net.UDPConn, to *net.UDPAddr) {
	defer conn.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(buf[:n]) == nil {
				p.rtpIn.Add(1)
				if pkt.PayloadType != 0 {
					p.badPT.Add(1)
				}
			}
		}
	}()
	payload := make([]byte, 160)
	for i := range payload {
		payload[i] = 0x20 // a loud μ-law sample; 0xff is silence
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for seq := uint16(1); ; seq++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0x1234}, Payload: payload}
		b, _ := pkt.Marshal()
		if _, err := conn.WriteTo(b, to); err != nil {
			return
		}
	}
}

func TestDial(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	phone := newFakePhone(t, d.Addr())
	for user, behaviour := range map[string]string{"8001": "answer", "8002": "busy", "8003": "ring", "8004": "decline", "8009": "hangup"} {
		contact := fmt.Sprintf("<sip:%s@%s>", behaviour, phone.addr)
		if _, res := phone.register(t, user, "s3cret-"+user, contact, 600); res.StatusCode != 200 {
			t.Fatalf("register %s: %d", user, res.StatusCode)
		}
	}

	tests := []struct {
		name      string
		user      string
		timeout   time.Duration
		wantCause telephony.Cause // "" for an answered call
		wantErr   error
	}{
		{"not registered", "8005", 0, "", telephony.ErrUnavailable},
		{"not a phone, no trunk", "13800138000", 0, "", telephony.ErrUnavailable},
		{"busy", "8002", 0, telephony.CauseBusy, telephony.ErrUnavailable},
		{"declined", "8004", 0, telephony.CauseRejected, telephony.ErrUnavailable},
		{"no answer", "8003", 300 * time.Millisecond, telephony.CauseNoAnswer, telephony.ErrUnavailable},
		{"answered", "8001", 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: tt.user}, telephony.DialOptions{From: "96315", Timeout: tt.timeout})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Dial = %v, %v; want %v", l, err, tt.wantErr)
				}
				var de *sip.DialError
				if tt.wantCause != "" && (!errors.As(err, &de) || de.Cause != tt.wantCause) {
					t.Errorf("Dial error %v: want cause %s", err, tt.wantCause)
				}
				if tt.wantCause == telephony.CauseNoAnswer {
					select {
					case <-phone.cancelled:
					case <-ctx.Done():
						t.Error("the phone saw no CANCEL")
					}
				}
				if n := len(d.Lines()); n != 0 {
					t.Errorf("%d lines busy after a failed dial", n)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial: %v", err)
			}
			checkAnsweredCall(t, ctx, d, phone, l)
		})
	}

	t.Run("phone hangs up", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8009"}, telephony.DialOptions{})
		if err != nil {
			t.Fatalf("Dial: %v", err)
		}
		select {
		case <-l.Context().Done():
		case <-ctx.Done():
			t.Fatal("the leg did not end on the phone's BYE")
		}
		if h, _ := l.Ended(); h.By != "caller" || h.Cause != telephony.CauseNormal {
			t.Errorf("ended %+v, want by caller (the far end), normal", h)
		}
		if n := len(d.Lines()); n != 0 {
			t.Errorf("%d lines busy after the phone hung up", n)
		}
	})
}

// checkAnsweredCall checks that a dialled leg carries media both ways and
// that hanging it up sends BYE and frees its line.
func checkAnsweredCall(t *testing.T, ctx context.Context, d *sip.Driver, phone *fakePhone, l telephony.Leg) {
	t.Helper()
	if info := l.Info(); info.Direction != telephony.Outbound || info.From != "96315" {
		t.Errorf("info %+v: want outbound from 96315", info)
	}
	if lines := d.Lines(); len(lines) != 1 || lines[0].State != telephony.LineInCall {
		t.Errorf("lines %+v: want one in call", lines)
	}
	r, w, err := l.Media()
	if err != nil {
		t.Fatal(err)
	}
	var f media.Frame
	heard := false
	for range 50 { // a second of frames at most
		if err := r.ReadFrame(&f); err != nil {
			t.Fatalf("ReadFrame: %v", err)
		}
		if f.Samples[0] != 0 {
			heard = true
			break
		}
		_ = w.WriteFrame(&f)
	}
	if !heard {
		t.Error("no audio from the phone within a second")
	}
	if phone.rtpIn.Load() == 0 || phone.badPT.Load() != 0 {
		t.Errorf("phone got %d RTP packets, %d not PCMU: want PCMU, as answered", phone.rtpIn.Load(), phone.badPT.Load())
	}
	if err := l.Hangup(ctx, telephony.CauseNormal); err != nil {
		t.Fatal(err)
	}
	select {
	case <-phone.byes:
	case <-ctx.Done():
		t.Fatal("the phone got no BYE")
	}
	if h, _ := l.Ended(); h.By != "ivr" || h.Cause != telephony.CauseNormal {
		t.Errorf("ended %+v, want by ivr, normal", h)
	}
	if n := len(d.Lines()); n != 0 {
		t.Errorf("%d lines busy after hangup", n)
	}
}

func TestDialTrunk(t *testing.T) {
	port := siptest.FreePort(t)
	trunk := fmt.Sprintf("127.0.0.1:%d", port)
	d := servePhones(t, sip.Config{Trunk: trunk}, nil)
	// A fake phone bound to the trunk's address stands in for the trunk.
	phone := newFakePhoneAt(t, d.Addr(), port)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "13800138000"}, telephony.DialOptions{From: "96315"})
	if err != nil {
		t.Fatalf("Dial over the trunk: %v", err)
	}
	checkAnsweredCall(t, ctx, d, phone, l)

	if _, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8001"}, telephony.DialOptions{}); !errors.Is(err, telephony.ErrUnavailable) {
		t.Errorf("Dial an unregistered phone with a trunk = %v, want ErrUnavailable (phones never go to the trunk)", err)
	}
}

// trunkRealm and trunkNonce are the fake trunk's digest challenge.
const trunkRealm, trunkNonce = "carrier.example", "5f3c1a"

// trunkAuthorized answers an INVITE without good Proxy-Authorization: 407
// with a challenge when it has none, 403 when they are wrong.
func trunkAuthorized(req *siplib.Request, tx siplib.ServerTransaction, user, password string) bool {
	h := req.GetHeader("Proxy-Authorization")
	if h == nil {
		res := siplib.NewResponseFromRequest(req, 407, "Proxy Authentication Required", nil)
		res.AppendHeader(siplib.NewHeader("Proxy-Authenticate",
			`Digest realm="`+trunkRealm+`", nonce="`+trunkNonce+`", qop="auth", algorithm=MD5`))
		_ = tx.Respond(res)
		return false
	}
	cred, err := digest.ParseCredentials(h.Value())
	ok := err == nil && cred.Username == user && cred.Realm == trunkRealm && cred.Nonce == trunkNonce
	if ok {
		want, err := digest.Digest(&digest.Challenge{Realm: trunkRealm, Nonce: trunkNonce, QOP: []string{"auth"}, Algorithm: "MD5"},
			digest.Options{Method: "INVITE", URI: cred.URI, Username: user, Password: password, Cnonce: cred.Cnonce, Count: cred.Nc})
		ok = err == nil && want.Response == cred.Response
	}
	if !ok {
		_ = tx.Respond(siplib.NewResponseFromRequest(req, 403, "Forbidden", nil))
	}
	return ok
}

// TestDialTrunkDigest: a trunk that challenges INVITEs (407) takes the call
// with the configured trunk credentials, refuses a wrong password (403), and
// a driver without credentials gets the challenge as the refusal.
func TestDialTrunkDigest(t *testing.T) {
	tests := []struct {
		name           string
		user, password string
		wantCode       int // 0: answered
	}{
		{"right credentials", "tracecall-out", "trunk-secret", 0},
		{"wrong password", "tracecall-out", "guess", 403},
		{"no credentials", "", "", 407},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			port := siptest.FreePort(t)
			trunk := fmt.Sprintf("127.0.0.1:%d", port)
			d := servePhones(t, sip.Config{Trunk: trunk, TrunkUser: tt.user, TrunkPassword: tt.password}, nil)
			phone := newFakePhoneAt(t, d.Addr(), port)
			phone.auth.Store(&sip.Phone{User: "tracecall-out", Password: "trunk-secret"})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "13800138000"}, telephony.DialOptions{From: "96315"})
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("Dial over the trunk: %v", err)
				}
				checkAnsweredCall(t, ctx, d, phone, l)
				return
			}
			var de *sip.DialError
			if !errors.As(err, &de) || de.Code != tt.wantCode {
				t.Fatalf("Dial = %v, want a DialError with %d", err, tt.wantCode)
			}
		})
	}
}

// TestDialSIPpAgent dials a phone that is SIPp's uas-agent.xml: the phone
// registers (a Go client, with the agent's address as contact), Dial rings
// it, SIPp answers PCMU after a second and echoes our RTP, and our hangup's
// BYE ends its call.
func TestDialSIPpAgent(t *testing.T) {
	siptest.Tool(t, "sipp", "sip-tester")
	d := servePhones(t, sip.Config{}, nil)
	sipPort, mediaPort := siptest.FreePort(t), siptest.FreePort(t)
	p := newPhoneUA(t, d.Addr())
	if _, res := p.register(t, "8001", "s3cret-8001", fmt.Sprintf("<sip:agent@127.0.0.1:%d>", sipPort), 600); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}

	dir := t.TempDir()
	sctx, stop := context.WithTimeout(context.Background(), 30*time.Second)
	defer stop()
	cmd := exec.CommandContext(sctx, "sipp", "-sf", filepath.Join(mustAbs(t, "testdata"), "uas-agent.xml"),
		"-i", "127.0.0.1", "-p", fmt.Sprint(sipPort), "-mi", "127.0.0.1", "-mp", fmt.Sprint(mediaPort),
		"-rtp_echo", "-d", "20000", "-m", "1", "-nostdin", "-trace_err", "-error_file", filepath.Join(dir, "err.log"))
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// INVITE is retransmitted over UDP, so SIPp may still be starting.
	l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8001"}, telephony.DialOptions{From: "96315"})
	if err != nil {
		stop()
		<-exited
		t.Fatalf("Dial: %v\n%s", err, tail(out.Bytes(), 2000))
	}
	r, w, _ := l.Media()
	go func() {
		var f media.Frame
		for i := range f.Samples {
			f.Samples[i] = 4000
		}
		for w.WriteFrame(&f) == nil {
		}
	}()
	var f media.Frame
	heard := false
	for range 100 { // two seconds of frames at most
		if r.ReadFrame(&f) != nil {
			break
		}
		if f.Samples[80] > 1000 {
			heard = true
			break
		}
	}
	if !heard {
		t.Error("our audio did not come back from SIPp's echo within two seconds")
	}
	if err := l.Hangup(ctx, telephony.CauseNormal); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			errLog, _ := os.ReadFile(filepath.Join(dir, "err.log"))
			t.Errorf("sipp: %v\n%s\nerrors:\n%s", err, tail(out.Bytes(), 2000), errLog)
		}
	case <-sctx.Done():
		t.Errorf("sipp did not finish its call after our BYE\n%s", tail(out.Bytes(), 2000))
	}
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}
