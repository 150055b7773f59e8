package sip_test

import (
	"bufio"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tracecall/drivers/sip"
	"tracecall/telephony"
)

// uac is a bare SIP caller for tests: it writes requests as text and reads
// responses and requests back, over UDP or TCP.
type uac struct {
	t       *testing.T
	netw    string
	conn    net.Conn
	r       *bufio.Reader // TCP
	local   string
	server  string
	callID  string
	fromTag string
	toTag   string
	cseq    int
	rtpPort int
	// from and to are the users of From and of the Request-URI and To;
	// empty: 13800138000 calling ivr.
	from, to string
}

// msg is a parsed SIP message.
type msg struct {
	start   string
	code    int
	method  string
	headers map[string][]string // lower-case names
	body    string
}

func (m *msg) header(name string) string {
	if v := m.headers[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// uacFrom is a test caller from the loopback address local ("": the
// kernel's choice), so that a test has more than one source address.
func uacFrom(t *testing.T, netw, local, server string) *uac {
	t.Helper()
	var d net.Dialer
	if ip := net.ParseIP(local); ip != nil && netw == "tcp" {
		d.LocalAddr = &net.TCPAddr{IP: ip}
	} else if ip != nil {
		d.LocalAddr = &net.UDPAddr{IP: ip}
	}
	c, err := d.Dial(netw, server)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	u := &uac{t: t, netw: netw, conn: c, local: c.LocalAddr().String(), server: server,
		callID: randHex(8) + "@test", fromTag: randHex(4), cseq: 1, rtpPort: 4000}
	if netw == "tcp" {
		u.r = bufio.NewReader(c)
	}
	return u
}

// newUAC is a test caller from the kernel's choice of local address.
func newUAC(t *testing.T, netw, server string) *uac {
	t.Helper()
	return uacFrom(t, netw, "", server)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// offer is an SDP offer from our media port.
func offer(port int, formats string, attrs ...string) string {
	s := fmt.Sprintf("v=0\r\no=test 1 1 IN IP4 127.0.0.1\r\ns=test\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %d RTP/AVP %s\r\n", port, formats)
	for _, a := range attrs {
		s += "a=" + a + "\r\n"
	}
	return s
}

var g711Offer = []string{"rtpmap:0 PCMU/8000", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000", "fmtp:101 0-16"}

// send writes a request within our call and returns its branch.
func (u *uac) send(method string, cseq int, branch string, headers []string, body string) string {
	u.t.Helper()
	if branch == "" {
		branch = "z9hG4bK" + randHex(6)
	}
	cseqMethod := method
	fromUser, toUser := cmp.Or(u.from, "13800138000"), cmp.Or(u.to, "ivr")
	to := "<sip:" + toUser + "@" + u.server + ">"
	if u.toTag != "" && method != "CANCEL" {
		to += ";tag=" + u.toTag
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s sip:%s@%s SIP/2.0\r\n", method, toUser, u.server)
	fmt.Fprintf(&b, "Via: SIP/2.0/%s %s;branch=%s\r\n", strings.ToUpper(u.netw), u.local, branch)
	fmt.Fprintf(&b, "From: <sip:%s@127.0.0.1>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n", fromUser, u.fromTag, to, u.callID, cseq, cseqMethod)
	fmt.Fprintf(&b, "Contact: <sip:%s@%s;transport=%s>\r\nMax-Forwards: 70\r\n", fromUser, u.local, u.netw)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != "" && !strings.Contains(strings.Join(headers, "\n"), "Content-Type") {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	u.write(b.String())
	return branch
}

func (u *uac) write(s string) {
	u.t.Helper()
	if _, err := u.conn.Write([]byte(s)); err != nil {
		u.t.Fatal(err)
	}
}

// read returns the next message, failing the test after 5 s.
func (u *uac) read() *msg {
	u.t.Helper()
	_ = u.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var raw string
	if u.r == nil {
		buf := make([]byte, 65536)
		n, err := u.conn.Read(buf)
		if err != nil {
			u.t.Fatalf("read: %v", err)
		}
		raw = string(buf[:n])
	} else {
		var head strings.Builder
		for {
			line, err := u.r.ReadString('\n')
			if err != nil {
				u.t.Fatalf("read: %v", err)
			}
			head.WriteString(line)
			if line == "\r\n" && head.Len() > 2 {
				break
			}
		}
		raw = head.String()
		if m := regexp.MustCompile(`(?i)\r\n(content-length|l):\s*(\d+)`).FindStringSubmatch(raw); m != nil {
			n, _ := strconv.Atoi(m[2])
			body := make([]byte, n)
			if _, err := io.ReadFull(u.r, body); err != nil {
				u.t.Fatalf("read body: %v", err)
			}
			raw += string(body)
		}
	}
	return parseMsg(raw)
}

func parseMsg(raw string) *msg {
	head, body, _ := strings.Cut(raw, "\r\n\r\n")
	lines := strings.Split(head, "\r\n")
	m := &msg{start: lines[0], headers: map[string][]string{}, body: body}
	if rest, ok := strings.CutPrefix(lines[0], "SIP/2.0 "); ok {
		m.code, _ = strconv.Atoi(rest[:3])
	} else {
		m.method, _, _ = strings.Cut(lines[0], " ")
	}
	for _, l := range lines[1:] {
		name, val, _ := strings.Cut(l, ":")
		m.headers[strings.ToLower(strings.TrimSpace(name))] = append(m.headers[strings.ToLower(strings.TrimSpace(name))], strings.TrimSpace(val))
	}
	return m
}

// expect reads until a response with code arrives, skipping provisional ones.
func (u *uac) expect(code int) *msg {
	u.t.Helper()
	for {
		m := u.read()
		if m.code == code {
			return m
		}
		if m.code >= 200 || m.code == 0 {
			u.t.Fatalf("got %q, want %d", m.start, code)
		}
	}
}

// invite sends an INVITE with body and returns the final response, learning
// the To tag.
func (u *uac) invite(body string, code int, headers ...string) *msg {
	u.t.Helper()
	branch := u.send("INVITE", u.cseq, "", headers, body)
	m := u.expect(code)
	if tag := regexp.MustCompile(`;tag=([^;>\s]+)`).FindStringSubmatch(m.header("To")); tag != nil {
		u.toTag = tag[1]
	}
	if code >= 300 { // ACK for a failure is part of the INVITE transaction
		u.send("ACK", u.cseq, branch, nil, "")
	}
	return m
}

// ack acknowledges a 2xx to the INVITE with CSeq cseq.
func (u *uac) ack(cseq int) { u.send("ACK", cseq, "", nil, "") }

// next sends an in-dialog request with the next CSeq and expects code.
func (u *uac) next(method string, code int, headers []string, body string) *msg {
	u.t.Helper()
	u.cseq++
	u.send(method, u.cseq, "", headers, body)
	return u.expect(code)
}

// serveUntil starts a driver whose handler is h and returns it with a
// function that stops it and waits.
func serveUntil(t *testing.T, h telephony.Handler) (*sip.Driver, func()) {
	t.Helper()
	// Tests here call quicker than a stranger may (source_call_rate).
	d, err := sip.New(sip.Config{Listen: "127.0.0.1:0", RTPPortMin: 40000, RTPPortMax: 49999, SourceCallRate: 1000}, nil, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx, h) }()
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
	}
	t.Cleanup(stop)
	return d, stop
}

func TestOutOfDialogRequests(t *testing.T) {
	d, _ := serveUntil(t, newCollector(t))
	tests := []struct {
		name, method string
		code         int
		allow        bool
	}{
		{"options keep-alive", "OPTIONS", 200, true},
		{"register from an unknown phone", "REGISTER", 404, false},
		{"unknown method", "FROBNICATE", 501, true},
		{"bye outside a call", "BYE", 481, false},
		{"info outside a call", "INFO", 481, false},
		{"cancel matching nothing", "CANCEL", 481, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUAC(t, "udp", d.Addr())
			u.send(tt.method, 1, "", nil, "")
			m := u.expect(tt.code)
			if allow := m.header("Allow"); tt.allow && (!strings.Contains(allow, "INVITE") || !strings.Contains(allow, "REGISTER")) {
				t.Errorf("Allow = %q, want the methods we serve", m.header("Allow"))
			}
		})
	}
}

func TestInviteRefused(t *testing.T) {
	noRoute := telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		_ = l.Hangup(ctx, telephony.CauseNoRoute)
	})
	d, _ := serveUntil(t, noRoute)
	tests := []struct {
		name    string
		headers []string
		body    string
		code    int
	}{
		{"no g711", nil, offer(4000, "18 101", "rtpmap:18 G729/8000", "rtpmap:101 telephone-event/8000"), 488},
		{"no audio", nil, "v=0\r\nc=IN IP4 127.0.0.1\r\nm=video 4000 RTP/AVP 96\r\n", 488},
		{"encrypted audio only", nil, "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 4000 RTP/SAVP 8\r\n", 488},
		{"a body that is not sdp", []string{"Content-Type: text/plain"}, "hello", 415},
		{"broken sdp", nil, "this is not sdp", 400},
		{"handler has no route", nil, offer(4000, "8"), 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newUAC(t, "udp", d.Addr())
			u.invite(tt.body, tt.code, tt.headers...)
		})
	}
	if n := len(d.Lines()); n != 0 {
		t.Errorf("%d lines busy after refused calls", n)
	}
}

// waiter is a handler that never answers: it reports how the leg ended.
type waiter struct{ ended chan telephony.HangupInfo }

func (w waiter) ServeLeg(ctx context.Context, l telephony.Leg) {
	<-l.Context().Done()
	h, _ := l.Ended()
	w.ended <- h
}

func TestCancelBeforeAnswer(t *testing.T) {
	w := waiter{ended: make(chan telephony.HangupInfo, 1)}
	d, _ := serveUntil(t, w)
	u := newUAC(t, "udp", d.Addr())
	branch := u.send("INVITE", 1, "", nil, offer(4000, "8 0 101", g711Offer...))
	u.expect(180)
	if ls := d.Lines(); len(ls) != 1 || ls[0].Line != "sip/1" || ls[0].State != telephony.LineRinging || ls[0].Caller != "13800138000" {
		t.Errorf("lines while ringing = %+v", ls)
	}
	u.send("CANCEL", 1, branch, nil, "")
	got := map[int]bool{}
	for len(got) < 2 {
		m := u.read()
		if m.code >= 200 {
			got[m.code] = true
		}
	}
	if !got[200] || !got[487] {
		t.Errorf("responses %v, want 200 to CANCEL and 487 to INVITE", got)
	}
	u.send("ACK", 1, branch, nil, "")
	if h := <-w.ended; h.By != "caller" || h.Cause != telephony.CauseNormal {
		t.Errorf("hangup = %+v, want by caller, normal", h)
	}
	if ls := d.Lines(); len(ls) != 0 {
		t.Errorf("lines after cancel = %+v", ls)
	}
}

// keyHolder answers and collects keys until the leg ends or it has want keys,
// then hangs up.
type keyHolder struct {
	want  int
	keys  chan string
	ended chan telephony.HangupInfo
	legs  chan telephony.Leg
}

func newKeyHolder(want int) *keyHolder {
	return &keyHolder{want: want, keys: make(chan string, 1), ended: make(chan telephony.HangupInfo, 1), legs: make(chan telephony.Leg, 1)}
}

func (k *keyHolder) ServeLeg(ctx context.Context, l telephony.Leg) {
	if err := l.Answer(ctx); err != nil {
		return
	}
	k.legs <- l
	s, err := telephony.NewSession(l, nil, nil)
	if err != nil {
		return
	}
	var keys string
	for n := 0; n < k.want || k.want == 0; n++ {
		select {
		case d := <-s.Digits():
			keys += string(d.Key) + d.Source[:1]
			continue
		case <-s.Done():
		}
		break
	}
	_ = l.Hangup(ctx, telephony.CauseNormal)
	<-s.Done()
	k.keys <- keys
	h, _ := l.Ended()
	k.ended <- h
}

func TestCallInDialogRequests(t *testing.T) {
	k := newKeyHolder(2)
	d, _ := serveUntil(t, k)
	media := listenRTP(t)
	u := newUAC(t, "udp", d.Addr())
	port := media.LocalAddr().(*net.UDPAddr).Port

	ok := u.invite(offer(port, "0 8 101", g711Offer...), 200)
	u.ack(1)
	ourPort := mustMatch(t, `m=audio (\d+) RTP/AVP 8 101\r\n`, ok.body)
	for _, want := range []string{"a=rtpmap:8 PCMA/8000", "a=rtpmap:101 telephone-event/8000", "a=sendrecv", "o=tracecall "} {
		if !strings.Contains(ok.body, want) {
			t.Errorf("answer lacks %q (PCMA preferred, telephone-event kept):\n%s", want, ok.body)
		}
	}
	<-k.legs
	if ls := d.Lines(); len(ls) != 1 || ls[0].State != telephony.LineInCall || ls[0].Called != "ivr" {
		t.Errorf("lines in call = %+v", ls)
	}

	// Media goes to the SDP address, then to where the far end sends from.
	if p := readRTP(t, media); p.PayloadType != 8 {
		t.Errorf("rtp payload type %d, want 8 (PCMA)", p.PayloadType)
	}
	other := listenRTP(t)
	rtpPort, _ := strconv.Atoi(ourPort)
	sendRTP(t, other, rtpPort, 8, 1)
	if p := readRTP(t, other); p.PayloadType != 8 {
		t.Errorf("after latching, rtp payload type %d", p.PayloadType)
	}

	// Hold: a sendonly offer is answered recvonly with a new version; a
	// refresh of it gets the same SDP back and the session timer.
	ver := mustMatch(t, `o=tracecall \d+ (\d+) `, ok.body)
	hold := u.next("INVITE", 200, nil, offer(port, "0 8 101", append(g711Offer, "sendonly")...))
	u.ack(u.cseq)
	if !strings.Contains(hold.body, "a=recvonly") || mustMatch(t, `o=tracecall \d+ (\d+) `, hold.body) == ver {
		t.Errorf("hold answer:\n%s\nwant recvonly and a version after %s", hold.body, ver)
	}
	refresh := u.next("INVITE", 200, []string{"Session-Expires: 1800;refresher=uac", "Supported: timer"}, offer(port, "0 8 101", append(g711Offer, "sendonly")...))
	u.ack(u.cseq)
	if refresh.body != hold.body || !strings.HasPrefix(refresh.header("Session-Expires"), "1800") {
		t.Errorf("refresh answer changed or lacks Session-Expires (%q):\n%s", refresh.header("Session-Expires"), refresh.body)
	}
	u.next("INVITE", 488, nil, offer(port, "18", "rtpmap:18 G729/8000"))
	u.ack(u.cseq)
	u.next("UPDATE", 200, []string{"Session-Expires: 1800"}, "")

	// Keys by INFO; a bad one is refused and counts for nothing.
	u.next("INFO", 400, []string{"Content-Type: application/dtmf-relay"}, "Signal=x\r\n")
	u.next("INFO", 200, []string{"Content-Type: application/dtmf-relay"}, "Signal=5\r\nDuration=160\r\n")
	// The second key ends the handler, so its BYE may overtake the 200 to
	// this INFO: take both, in either order.
	u.cseq++
	u.send("INFO", u.cseq, "", []string{"Content-Type: application/dtmf"}, "#")
	var bye *msg
	for got200 := false; !got200 || bye == nil; {
		m := u.read()
		switch {
		case m.method == "BYE":
			bye = m
		case m.code == 200:
			got200 = true
		case m.code >= 200 || m.code == 0:
			t.Fatalf("got %q, want 200 to the INFO and the IVR's BYE", m.start)
		}
	}
	if keys := <-k.keys; keys != "5i#i" {
		t.Errorf("keys = %q, want 5 and # from info", keys)
	}
	u.write(reply(bye, 200, "OK"))
	if h := <-k.ended; h.By != "ivr" {
		t.Errorf("hangup = %+v, want by ivr", h)
	}
}

// reply builds a response to a request.
func reply(req *msg, code int, reason string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason)
	for _, h := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		for _, v := range req.headers[strings.ToLower(h)] {
			fmt.Fprintf(&b, "%s: %s\r\n", h, v)
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return b.String()
}

func TestHangupBothWays(t *testing.T) {
	tests := []struct{ netw, by string }{
		{"udp", "caller"}, {"udp", "ivr"}, {"tcp", "caller"}, {"tcp", "ivr"},
	}
	for _, tt := range tests {
		t.Run(tt.netw+" "+tt.by, func(t *testing.T) {
			k := newKeyHolder(0)
			if tt.by == "ivr" {
				k.want = 1 // the IVR hangs up after one key
			}
			d, _ := serveUntil(t, k)
			u := newUAC(t, tt.netw, d.Addr())
			ok := u.invite(offer(4000, "8 101", g711Offer...), 200)
			if want := "transport=" + tt.netw; tt.netw == "tcp" && !strings.Contains(ok.header("Contact"), want) {
				t.Errorf("Contact %q, want %s", ok.header("Contact"), want)
			}
			u.ack(1)
			<-k.legs
			if tt.by == "caller" {
				u.next("BYE", 200, nil, "")
			} else {
				u.next("INFO", 200, []string{"Content-Type: application/dtmf"}, "9")
				bye := u.read()
				if bye.method != "BYE" || bye.header("Call-ID") != u.callID {
					t.Fatalf("got %q, want the IVR's BYE", bye.start)
				}
				u.write(reply(bye, 200, "OK"))
			}
			if h := <-k.ended; h.By != tt.by || h.Cause != telephony.CauseNormal {
				t.Errorf("hangup = %+v, want by %s, normal", h, tt.by)
			}
		})
	}
}

func TestShutdownWhileRinging(t *testing.T) {
	w := waiter{ended: make(chan telephony.HangupInfo, 1)}
	d, stop := serveUntil(t, w)
	u := newUAC(t, "udp", d.Addr())
	branch := u.send("INVITE", 1, "", nil, offer(4000, "8"))
	u.expect(180)
	go stop()
	u.expect(503)
	u.send("ACK", 1, branch, nil, "")
	if h := <-w.ended; h.By != "system" || h.Cause != telephony.CauseShutdown {
		t.Errorf("hangup = %+v, want by system, shutdown", h)
	}
}

func TestShutdownHangsUpCalls(t *testing.T) {
	k := newKeyHolder(0)
	d, stop := serveUntil(t, k)
	u := newUAC(t, "udp", d.Addr())
	u.invite(offer(4000, "8", "rtpmap:8 PCMA/8000"), 200)
	u.ack(1)
	<-k.legs
	done := make(chan struct{})
	go func() { stop(); close(done) }()
	bye := u.read()
	if bye.method != "BYE" {
		t.Fatalf("got %q, want BYE at shutdown", bye.start)
	}
	u.write(reply(bye, 200, "OK"))
	<-done
	if h := <-k.ended; h.By != "system" || h.Cause != telephony.CauseShutdown {
		t.Errorf("hangup = %+v, want by system, shutdown", h)
	}
}

func listenRTP(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readRTP(t *testing.T, c *net.UDPConn) rtp.Packet {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 1500)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no rtp: %v", err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatalf("bad rtp: %v", err)
	}
	return p
}

func sendRTP(t *testing.T, c *net.UDPConn, port int, pt uint8, seq uint16) {
	t.Helper()
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 7}, Payload: make([]byte, 160)}
	b, _ := p.Marshal()
	if _, err := c.WriteToUDP(b, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err != nil {
		t.Fatal(err)
	}
}

func mustMatch(t *testing.T, re, s string) string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("%q not in:\n%s", re, s)
	}
	if len(m) > 1 {
		if n, err := strconv.Atoi(m[1]); err == nil {
			return strconv.Itoa(n)
		}
	}
	return m[0]
}
