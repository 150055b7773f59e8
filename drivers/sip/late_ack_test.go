package sip_test

import (
	"strings"
	"testing"
	"time"

	"tracecall/telephony"
)

// TestLateAckKeepsCall: with finished transactions kept only completed_wait
// (5 s), a caller whose ACK comes seconds after our 200 — later than the
// INVITE transaction and than sipgo's own retransmission of the 200 (at 4.5
// and 8.5 s, the second failing with the transaction gone) — still has its
// call: the leg goes on resending the 200 and waiting 64×T1, as RFC 3261
// gives the caller. Without that the leg ended the call as unacknowledged
// and sent a BYE.
func TestLateAckKeepsCall(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 10 s for a late ACK")
	}
	k := newKeyHolder(0)
	d, _ := serveUntil(t, k)
	u := newUAC(t, "udp", d.Addr())
	u.invite(offer(4000, "8 101", g711Offer...), 200)
	<-k.legs

	// Read what comes for 10 s without acknowledging: the 200, resent.
	deadline := time.Now().Add(10 * time.Second)
	resent := 0
	for time.Now().Before(deadline) {
		_ = u.conn.SetReadDeadline(deadline)
		buf := make([]byte, 65536)
		n, err := u.conn.Read(buf)
		if err != nil {
			break
		}
		m := parseMsg(string(buf[:n]))
		switch {
		case m.method == "BYE":
			t.Fatalf("the call was ended before its late ACK: %q", m.start)
		case m.code == 200 && strings.Contains(m.header("CSeq"), "INVITE"):
			resent++
		}
	}
	if resent == 0 {
		t.Errorf("the 200 was not resent while its ACK was missing")
	}
	u.ack(1)
	// The call is up: a BYE now ends it normally.
	u.cseq++
	u.send("BYE", u.cseq, "", nil, "")
	for {
		m := u.read()
		if m.method == "BYE" {
			t.Fatalf("the driver hung up: %q", m.start)
		}
		if m.code != 0 && strings.Contains(m.header("CSeq"), "BYE") {
			if m.code != 200 {
				t.Fatalf("BYE answered %q, want 200 (the call still up)", m.start)
			}
			break
		}
	}
	if h := <-k.ended; h.By != "caller" || h.Cause != telephony.CauseNormal {
		t.Errorf("hangup = %+v, want by caller, normal", h)
	}
}
