package sip_test

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/telephony"
)

// rawPhone is a phone written by hand, for what sipgo's UAS does not do:
// re-INVITE and UPDATE towards the caller of an answered call.
type rawPhone struct {
	t      *testing.T
	conn   *net.UDPConn
	server *net.UDPAddr
	invite *msg // the driver's INVITE
	toTag  string
	cseq   int
}

func (p *rawPhone) read() *msg {
	p.t.Helper()
	_ = p.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 65536)
	n, _, err := p.conn.ReadFromUDP(buf)
	if err != nil {
		p.t.Fatalf("phone read: %v", err)
	}
	return parseMsg(string(buf[:n]))
}

func (p *rawPhone) write(s string) {
	p.t.Helper()
	if _, err := p.conn.WriteToUDP([]byte(s), p.server); err != nil {
		p.t.Fatal(err)
	}
}

// request sends an in-dialog request of the callee's and returns the final
// response.
func (p *rawPhone) request(method, body string) *msg {
	p.t.Helper()
	p.cseq++
	inv := p.invite
	target := regexp.MustCompile(`<([^>]+)>`).FindStringSubmatch(inv.header("Contact"))[1]
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\n", method, target, p.conn.LocalAddr(), randHex(6))
	fmt.Fprintf(&b, "From: %s;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\n", inv.header("To"), p.toTag, inv.header("From"), inv.header("Call-ID"), p.cseq, method)
	fmt.Fprintf(&b, "Contact: <sip:answer@%s>\r\nMax-Forwards: 70\r\n", p.conn.LocalAddr())
	if body != "" {
		b.WriteString("Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(body), body)
	p.write(b.String())
	for {
		m := p.read()
		if m.code >= 200 {
			if method == "INVITE" {
				p.ack(m, p.cseq)
			}
			return m
		}
	}
}

func (p *rawPhone) ack(res *msg, cseq int) {
	inv := p.invite
	target := regexp.MustCompile(`<([^>]+)>`).FindStringSubmatch(inv.header("Contact"))[1]
	p.write(fmt.Sprintf("ACK %s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK%s\r\nFrom: %s;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		target, p.conn.LocalAddr(), randHex(6), inv.header("To"), p.toTag, res.header("To"), inv.header("Call-ID"), cseq))
}

// TestDialledCallHold: the phone we dialled puts the call on hold and takes
// it back, by re-INVITE and by UPDATE: each offer is answered 200 with the
// matching direction, our audio stops while on hold and comes back after.
func TestDialledCallHold(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	sigConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sigConn.Close()
	media := listenRTP(t)
	mport := media.LocalAddr().(*net.UDPAddr).Port
	reg := newPhoneUA(t, d.Addr())
	if _, res := reg.register(t, "8001", "s3cret-8001", fmt.Sprintf("<sip:answer@%s>", sigConn.LocalAddr()), 600); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	server, _ := net.ResolveUDPAddr("udp", d.Addr())
	p := &rawPhone{t: t, conn: sigConn, server: server, toTag: randHex(4)}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	legc := make(chan telephony.Leg, 1)
	go func() {
		l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8001"}, telephony.DialOptions{From: "96315"})
		if err != nil {
			t.Errorf("Dial: %v", err)
		}
		legc <- l
	}()
	p.invite = p.read()
	if p.invite.method != "INVITE" {
		t.Fatalf("phone got %q, want INVITE", p.invite.start)
	}
	ok := reply(p.invite, 200, "OK")
	answer := offer(mport, "8 101", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000")
	ok = strings.Replace(ok, "To: "+p.invite.header("To"), "To: "+p.invite.header("To")+";tag="+p.toTag, 1)
	ok = strings.Replace(ok, "Content-Length: 0\r\n\r\n", fmt.Sprintf("Contact: <sip:answer@%s>\r\nContent-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", sigConn.LocalAddr(), len(answer), answer), 1)
	p.write(ok)
	if ack := p.read(); ack.method != "ACK" {
		t.Fatalf("phone got %q, want ACK", ack.start)
	}
	l := <-legc
	if l == nil {
		t.FailNow()
	}
	_ = readRTP(t, media)

	tests := []struct {
		name, method, dir, want string
		audio                   bool
	}{
		{"hold by re-invite", "INVITE", "sendonly", "a=recvonly", false},
		{"resume by re-invite", "INVITE", "sendrecv", "a=sendrecv", true},
		{"hold by update", "UPDATE", "inactive", "a=inactive", false},
		{"resume by update", "UPDATE", "sendrecv", "a=sendrecv", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := p.request(tt.method, offer(mport, "8 101", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000", tt.dir))
			if res.code != 200 || !strings.Contains(res.body, tt.want) {
				t.Fatalf("%s %s: %q\n%s\nwant 200 with %s", tt.method, tt.dir, res.start, res.body, tt.want)
			}
			if got := audioFlows(media); got != tt.audio {
				t.Errorf("audio flowing = %v, want %v", got, tt.audio)
			}
		})
	}
	// An offer that points our audio at a third party is refused, and the
	// call goes on as it was (media_addr.go).
	for _, method := range []string{"INVITE", "UPDATE"} {
		elsewhere := strings.ReplaceAll(offer(mport, "8", "rtpmap:8 PCMA/8000"), "IN IP4 127.0.0.1", "IN IP4 198.51.100.7")
		if res := p.request(method, elsewhere); res.code != 488 || !strings.Contains(res.header("Warning"), "198.51.100.7") {
			t.Errorf("%s to a third party: %q (Warning %q), want 488 saying why", method, res.start, res.header("Warning"))
		}
		if !audioFlows(media) {
			t.Errorf("audio stopped after a refused %s", method)
		}
	}
	if res := p.request("INVITE", ""); res.code != 200 || !strings.Contains(res.body, "m=audio ") {
		t.Errorf("re-INVITE without SDP: %q\n%s\nwant 200 with our offer", res.start, res.body)
	}
	_ = l.Hangup(ctx, telephony.CauseNormal)
	if bye := p.read(); bye.method != "BYE" {
		t.Errorf("phone got %q, want BYE", bye.start)
	} else {
		p.write(reply(bye, 200, "OK"))
	}
}

// audioFlows reports whether RTP keeps arriving: it drains what came before
// and then waits for a packet for 200 ms.
func audioFlows(c *net.UDPConn) bool {
	buf := make([]byte, 1500)
	time.Sleep(60 * time.Millisecond) // packets sent before the change
	for {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err := c.Read(buf)
	return err == nil
}
