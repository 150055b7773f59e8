package sip_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"

	"tracecall/drivers/sip"
	"tracecall/telephony"
)

// registerAnnouncing registers phone 8001 at contact as a desk phone does,
// with extra headers (Allow-Events, Supported, User-Agent).
func registerAnnouncing(t *testing.T, p *phoneUA, contact string, extra ...siplib.Header) {
	t.Helper()
	host, portText, _ := net.SplitHostPort(p.server)
	port, _ := strconv.Atoi(portText)
	req := siplib.NewRequest(siplib.REGISTER, siplib.Uri{Scheme: "sip", Host: host, Port: port})
	aor := siplib.Uri{Scheme: "sip", User: "8001", Host: host}
	from := &siplib.FromHeader{Address: aor, Params: siplib.NewParams()}
	from.Params.Add("tag", siplib.GenerateTagN(8))
	req.AppendHeader(from)
	req.AppendHeader(&siplib.ToHeader{Address: aor})
	req.AppendHeader(siplib.NewHeader("Contact", contact))
	req.AppendHeader(siplib.NewHeader("Expires", "600"))
	for _, h := range extra {
		req.AppendHeader(h)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	res, err := p.client.Do(ctx, req)
	if err == nil && res.StatusCode == 401 {
		res, err = p.client.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: "8001", Password: "s3cret-8001"})
	}
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("register: %v %v", res, err)
	}
}

// ringingPhone is a hand-written phone that Dial rings: it has the INVITE
// and has answered 180 with its tag and contact.
type ringingPhone struct {
	*rawPhone
	mport int
	legc  chan telephony.Leg
	errc  chan error
}

// ring registers a phone announcing extra, has d Dial it and answers the
// INVITE 180.
func ring(t *testing.T, d *sip.Driver, extra ...siplib.Header) *ringingPhone {
	t.Helper()
	sigConn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sigConn.Close() })
	media := listenRTP(t)
	registerAnnouncing(t, newPhoneUA(t, d.Addr()), fmt.Sprintf("<sip:answer@%s>", sigConn.LocalAddr()), extra...)
	server, _ := net.ResolveUDPAddr("udp", d.Addr())
	p := &ringingPhone{
		rawPhone: &rawPhone{t: t, conn: sigConn, server: server, toTag: randHex(4)},
		mport:    media.LocalAddr().(*net.UDPAddr).Port,
		legc:     make(chan telephony.Leg, 1), errc: make(chan error, 1),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	go func() {
		l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8001"}, telephony.DialOptions{From: "96315"})
		p.legc <- l
		p.errc <- err
	}()
	p.invite = p.read()
	if p.invite.method != "INVITE" {
		t.Fatalf("phone got %q, want INVITE", p.invite.start)
	}
	p.write(p.provisional(p.invite, 180, "Ringing"))
	return p
}

// provisional is the phone's 1xx to inv, with its tag and contact.
func (p *ringingPhone) provisional(inv *msg, code int, reason string) string {
	r := reply(inv, code, reason)
	r = strings.Replace(r, "To: "+inv.header("To"), "To: "+inv.header("To")+";tag="+p.toTag, 1)
	return strings.Replace(r, "Content-Length: 0\r\n", fmt.Sprintf("Contact: <sip:answer@%s>\r\nContent-Length: 0\r\n", p.conn.LocalAddr()), 1)
}

// answer answers inv 200 with audio, takes the ACK and returns Dial's leg.
func (p *ringingPhone) answer(inv *msg) telephony.Leg {
	p.t.Helper()
	body := offer(p.mport, "8 101", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000")
	ok := strings.Replace(p.provisional(inv, 200, "OK"), "Content-Length: 0\r\n\r\n",
		fmt.Sprintf("Content-Type: application/sdp\r\nContent-Length: %d\r\n\r\n%s", len(body), body), 1)
	p.write(ok)
	if ack := p.read(); ack.method != "ACK" {
		p.t.Fatalf("phone got %q, want ACK", ack.start)
	}
	l, err := <-p.legc, <-p.errc
	if err != nil {
		p.t.Fatalf("Dial: %v", err)
	}
	return l
}

// hangUp hangs l up and answers the BYE the phone gets.
func (p *ringingPhone) hangUp(ctx context.Context, l telephony.Leg) *msg {
	p.t.Helper()
	_ = l.Hangup(ctx, telephony.CauseNormal)
	bye := p.read()
	if bye.method != "BYE" {
		p.t.Fatalf("phone got %q, want BYE", bye.start)
	}
	p.write(reply(bye, 200, "OK"))
	return bye
}

// TestPickupTalk: a phone that announced the talk event is sent NOTIFY
// Event: talk in the early dialog of the ringing INVITE; it agrees and
// answers, and Dial's leg is up.
func TestPickupTalk(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	p := ring(t, d, siplib.NewHeader("Allow-Events", "talk, hold, conference"), siplib.NewHeader("User-Agent", "Yealink SIP-T46U"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Pickup(ctx, telephony.Address{Driver: "sip", User: "8001"}) }()
	n := p.read()
	if n.method != "NOTIFY" || n.header("Event") != "talk" || n.header("Call-ID") != p.invite.header("Call-ID") ||
		!strings.Contains(n.header("To"), "tag="+p.toTag) {
		t.Fatalf("phone got %q Event %q To %q, want NOTIFY Event: talk in the INVITE's early dialog", n.start, n.header("Event"), n.header("To"))
	}
	p.write(reply(n, 200, "OK"))
	if err := <-done; err != nil {
		t.Fatalf("Pickup = %v", err)
	}
	p.hangUp(ctx, p.answer(p.invite))
}

// TestPickupAutoAnswer: a phone that announced RFC 5373 has its ringing
// INVITE cancelled and gets a fresh one asking it to answer at once; Dial's
// leg is the call it answers.
func TestPickupAutoAnswer(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	p := ring(t, d, siplib.NewHeader("Supported", "replaces, answermode"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := d.Pickup(ctx, telephony.Address{Driver: "sip", User: "8001"}); err != nil {
		t.Fatalf("Pickup = %v", err)
	}
	c := p.read()
	if c.method != "CANCEL" {
		t.Fatalf("phone got %q, want CANCEL", c.start)
	}
	p.write(reply(c, 200, "OK"))
	p.write(p.provisional(p.invite, 487, "Request Terminated"))
	if ack := p.read(); ack.method != "ACK" {
		t.Fatalf("phone got %q, want the 487's ACK", ack.start)
	}
	inv := p.read()
	if inv.method != "INVITE" || inv.header("Answer-Mode") != "Auto" || !strings.Contains(inv.header("Call-Info"), "answer-after=0") ||
		!strings.Contains(inv.header("Alert-Info"), "info=alert-autoanswer") {
		t.Fatalf("phone got %q Answer-Mode %q Call-Info %q Alert-Info %q, want an auto-answer INVITE",
			inv.start, inv.header("Answer-Mode"), inv.header("Call-Info"), inv.header("Alert-Info"))
	}
	if inv.header("Call-ID") == p.invite.header("Call-ID") {
		t.Error("the fresh INVITE reuses the cancelled one's Call-ID")
	}
	p.invite = inv
	l := p.answer(inv)
	if err := d.Pickup(ctx, telephony.Address{Driver: "sip", User: "8001"}); !errors.Is(err, sip.ErrNotRinging) {
		t.Errorf("Pickup once answered = %v, want ErrNotRinging", err)
	}
	if bye := p.hangUp(ctx, l); bye.header("Call-ID") != inv.header("Call-ID") {
		t.Errorf("BYE for %s, want the answered call %s", bye.header("Call-ID"), inv.header("Call-ID"))
	}
}

// TestPickupRefused: a phone that announced neither, or refused the talk
// event and announced nothing else, is not asked (or not again): Pickup
// says why, and the phone rings on for its user to answer.
func TestPickupRefused(t *testing.T) {
	tests := []struct {
		name     string
		announce []siplib.Header
		notify   int // the phone's answer to a NOTIFY; 0: none expected
		want     string
	}{
		{"neither", []siplib.Header{siplib.NewHeader("User-Agent", "baresip v1.0.0 (x86_64/linux)")}, 0, "baresip v1.0.0"},
		{"talk refused", []siplib.Header{siplib.NewHeader("Allow-Events", "talk")}, 489, "489"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := servePhones(t, sip.Config{}, nil)
			p := ring(t, d, tt.announce...)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			done := make(chan error, 1)
			go func() { done <- d.Pickup(ctx, telephony.Address{Driver: "sip", User: "8001"}) }()
			if tt.notify != 0 {
				n := p.read()
				p.write(reply(n, tt.notify, "Bad Event"))
			}
			err := <-done
			if !errors.Is(err, sip.ErrNoRemoteAnswer) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Pickup = %v, want ErrNoRemoteAnswer saying %q", err, tt.want)
			}
			p.hangUp(ctx, p.answer(p.invite)) // the user picks up
		})
	}
}

func TestPickupNotRinging(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	if err := d.Pickup(t.Context(), telephony.Address{Driver: "sip", User: "8001"}); !errors.Is(err, sip.ErrNotRinging) {
		t.Fatalf("Pickup of an idle phone = %v, want ErrNotRinging", err)
	}
}
