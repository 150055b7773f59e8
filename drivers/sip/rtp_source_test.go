package sip_test

import (
	"net"
	"strconv"
	"testing"
	"time"

	"tracecall/drivers/sip"
)

// TestRTPInjectionFromThirdAddress: someone who guessed a call's RTP port
// sends it DTMF (tones and RFC 4733 events) from another address (127.0.0.2)
// before the caller's first packet: the handler hears none of it, the
// driver goes on sending the call's audio to the caller and none to the
// intruder, and the caller's own key, sent after, is heard.
func TestRTPInjectionFromThirdAddress(t *testing.T) {
	k := newKeyHolder(1)
	d := servePhonesWith(t, sip.Config{Peers: loopbackPeer}, nil, k)
	caller := listenRTP(t)
	intruder, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatalf("a second loopback address for the intruder: %v", err)
	}
	defer intruder.Close()
	u := newUAC(t, "udp", d.Addr())
	ok := u.invite(offer(caller.LocalAddr().(*net.UDPAddr).Port, "8 101", g711Offer...), 200)
	u.ack(1)
	<-k.legs
	port, err := strconv.Atoi(mustMatch(t, `m=audio (\d+) RTP/AVP 8 101\r\n`, ok.body))
	if err != nil {
		t.Fatal(err)
	}
	to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}

	// A key heard would end the call (the handler hangs up on the first):
	// our RTP going on to the caller at every tick says none was.
	for _, p := range keyedPackets(t, "9", true, true) {
		readRTP(t, caller)
		if _, err := intruder.WriteToUDP(p, to); err != nil {
			t.Fatal(err)
		}
	}
	for range 10 {
		readRTP(t, caller)
	}
	_ = intruder.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _, err := intruder.ReadFromUDP(make([]byte, 1500)); err == nil {
		t.Errorf("the intruder got %d bytes of the call's RTP", n)
	}
	// The caller keys 5 (the handler hangs up once it hears a key, so our
	// RTP stops: no ticks to wait for).
	for _, p := range keyedPackets(t, "5", false, true) {
		if _, err := caller.WriteToUDP(p, to); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case keys := <-k.keys:
		if keys != "5r" {
			t.Errorf("keys heard %q, want only the caller's 5 (rfc4733)", keys)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the caller's key was not heard")
	}
	if bye := u.read(); bye.method == "BYE" {
		u.write(reply(bye, 200, "OK"))
	}
}
