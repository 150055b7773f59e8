package sip_test

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/telephony"
)

// closedByServer waits (10 s at most) for the driver to close c, and fails
// the test if it does not or sends something instead.
func closedByServer(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := c.Read(make([]byte, 512))
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: still open after 10 s", what)
	}
	if err == nil {
		t.Fatalf("%s: read %d bytes, want the connection closed", what, n)
	}
}

// TestTCPConnectionsPerSource: against the daemon, 20,150 TCP connections
// each with half an INVITE held a descriptor each until accept failed with
// "too many open files" and every trunk call was refused. One stranger may
// hold tcp_source_connections (here 4), strangers together tcp_connections
// (here 4); the connections past them are closed as they come, half a
// message is closed after tcp_message_timeout, and the trunk's call goes
// through while strangers hold all they may.
func TestTCPConnectionsPerSource(t *testing.T) {
	k := newKeyHolder(0)
	d, err := sip.New(sip.Config{Listen: "127.0.0.1:0", RTPPortMin: 40000, RTPPortMax: 49999, SourceCallRate: 1000,
		Trunk: "127.0.0.2:5060", TCPSourceConnections: 4, TCPConnections: 4, TCPMessageTimeout: time.Second}, nil, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Serve(ctx, k) }()
	t.Cleanup(func() { cancel(); <-done })
	<-d.Serving()

	// The stranger's four connections each bring a whole OPTIONS: they are
	// taken, and idle between messages without a deadline of seconds.
	var held []*uac
	for range 4 {
		u := uacFrom(t, "tcp", "127.0.0.1", d.Addr())
		u.send("OPTIONS", 1, "", nil, "")
		u.expect(200)
		held = append(held, u)
	}
	for range 16 {
		u := uacFrom(t, "tcp", "127.0.0.1", d.Addr())
		closedByServer(t, u.conn, "the stranger's connection past its share")
	}
	other := uacFrom(t, "tcp", "127.0.0.3", d.Addr())
	closedByServer(t, other.conn, "another stranger's connection past the strangers' share")

	// The trunk's call, over TCP, while the strangers hold all they may.
	trunk := uacFrom(t, "tcp", "127.0.0.2", d.Addr())
	trunk.invite(strings.ReplaceAll(offer(4000, "8 101", g711Offer...), "127.0.0.1", "127.0.0.2"), 200)
	trunk.ack(1)
	<-k.legs
	trunk.next("BYE", 200, nil, "")
	if h := <-k.ended; h.By != "caller" || h.Cause != telephony.CauseNormal {
		t.Errorf("trunk call's hangup %+v, want by caller, normal", h)
	}

	// Half an INVITE on each held connection: closed after the message
	// timeout, and the share is free again.
	for _, u := range held {
		u.write("INVITE sip:ivr@" + d.Addr() + " SIP/2.0\r\nVia: SIP/2.0/TCP " + u.local + ";branch=z9hG4bK1\r\n")
	}
	for _, u := range held {
		closedByServer(t, u.conn, "a connection holding half an INVITE")
	}
	again := uacFrom(t, "tcp", "127.0.0.1", d.Addr())
	again.send("OPTIONS", 1, "", nil, "")
	again.expect(200)

	st := d.LimitStats()
	if st.TCPRefused != 17 || st.TCPTimedOut != 4 {
		t.Errorf("tcp refused %d, timed out %d; want 17 and 4", st.TCPRefused, st.TCPTimedOut)
	}
}
