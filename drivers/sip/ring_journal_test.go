package sip_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/telephony"
	"tracecall/telephony/event"
)

// stalledJournal is a telephony.Journal that answers when the test says.
type stalledJournal struct {
	got     chan event.CallStarted
	release chan struct{}
}

func (j stalledJournal) Started(ctx context.Context, e event.CallStarted) error {
	j.got <- e
	select {
	case <-j.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestNoRingingBeforeTheRecord: against the daemon, a kill -9 28 ms after a
// 180 Ringing lost two calls' records: the driver rang 50 ms after the
// INVITE whatever the core's state. Served by the core (telephony.Calls)
// with a journal that has not answered, the caller hears no 180 however
// long the journal takes (within its wait); once it answers, the 180 goes.
func TestNoRingingBeforeTheRecord(t *testing.T) {
	d, err := sip.New(sip.Config{Listen: "127.0.0.1:0", RTPPortMin: 40000, RTPPortMax: 49999, SourceCallRate: 1000}, nil, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	calls, err := telephony.NewCalls([]telephony.Driver{d}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	j := stalledJournal{got: make(chan event.CallStarted, 1), release: make(chan struct{})}
	calls.SetJournal(j, time.Minute)
	w := waiter{ended: make(chan telephony.HangupInfo, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- calls.Serve(ctx, w) }()
	t.Cleanup(func() { cancel(); <-done })
	<-d.Serving()

	u := newUAC(t, "udp", d.Addr())
	u.send("INVITE", 1, "", nil, offer(4000, "8 101", g711Offer...))
	<-j.got
	// Ten times ringingDelay with the journal stalled: Trying only.
	buf := make([]byte, 65536)
	_ = u.conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	for {
		n, err := u.conn.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if start, _, _ := strings.Cut(string(buf[:n]), "\r\n"); !strings.HasPrefix(start, "SIP/2.0 100") {
			t.Fatalf("%q before the call's start was on record, want nothing past 100 Trying", start)
		}
	}
	close(j.release)
	u.expect(180)
}
