package siptest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Flood is a hostile caller: it sends INVITEs over UDP from one local
// address, each a new call, as fast as Rate asks, and counts the answers.
// Unlike a careful UAC it never retransmits; like a real one it ACKs every
// final answer, so the calls it is let in are calls, and when it stops it
// ends them with BYE. Its SDP offers PCMA to a port nobody reads.
type Flood struct {
	From string // the local IP address to send from ("127.0.0.2")
	To   string // the SIP server, host:port
	Rate int    // INVITEs a second
	User string // the From user; default "flood"
	// Reinvite, when set, sends each INVITE inside the dialog of the first
	// answered call (a re-INVITE flood) instead of as a new call.
	Reinvite bool
}

// FloodResult is what a flood got.
type FloodResult struct {
	Sent     int         // INVITEs sent
	Codes    map[int]int // final answers by status code
	Answered int         // calls answered (2xx to a new call)
	// AnsweredAt is when each was, since the flood started.
	AnsweredAt []time.Duration
	// RetryAfter are the Retry-After values seen, by status code.
	RetryAfter map[int][]int
	Ended      int // answered calls ended with BYE and a 200 to it
}

// Unanswered is how many INVITEs got no final answer.
func (r FloodResult) Unanswered() int {
	n := r.Sent
	for _, c := range r.Codes {
		n -= c
	}
	return n
}

// floodDialog is an answered call of the flood.
type floodDialog struct {
	callID, fromTag, toTag string
}

// Run floods until ctx ends, then ends the answered calls (waiting at most
// 3 s for their BYEs' answers) and returns what came back.
func (f Flood) Run(ctx context.Context) (FloodResult, error) {
	res := FloodResult{Codes: map[int]int{}, RetryAfter: map[int][]int{}}
	if f.User == "" {
		f.User = "flood"
	}
	if f.Rate <= 0 {
		return res, fmt.Errorf("flood: rate %d: want INVITEs a second", f.Rate)
	}
	from, err := netip.ParseAddr(f.From)
	if err != nil {
		return res, fmt.Errorf("flood: from %q: %w", f.From, err)
	}
	to, err := net.ResolveUDPAddr("udp", f.To)
	if err != nil {
		return res, fmt.Errorf("flood: to %q: %w", f.To, err)
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(from, 0)))
	if err != nil {
		return res, fmt.Errorf("flood: %w", err)
	}
	defer conn.Close()
	local := conn.LocalAddr().(*net.UDPAddr)
	start := time.Now()
	tag := strconv.FormatInt(start.UnixNano(), 36)

	var mu sync.Mutex // guards res and dialogs
	var dialogs []floodDialog
	answered := map[string]bool{} // Call-IDs of the calls let in
	byes := map[string]bool{}     // Call-IDs whose BYE was answered
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		buf := make([]byte, 65535)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			m := parseResponse(buf[:n])
			if m.code < 200 {
				continue
			}
			mu.Lock()
			switch m.method {
			case "BYE":
				byes[m.callID] = true
			case "INVITE":
				res.Codes[m.code]++
				if m.retryAfter != "" {
					v, _ := strconv.Atoi(m.retryAfter)
					res.RetryAfter[m.code] = append(res.RetryAfter[m.code], v)
				}
				if m.code < 300 && !answered[m.callID] {
					answered[m.callID] = true
					res.Answered++
					res.AnsweredAt = append(res.AnsweredAt, time.Since(start))
					dialogs = append(dialogs, floodDialog{m.callID, tag, m.toTag})
				}
			}
			mu.Unlock()
			if m.method == "INVITE" {
				// ACK every final answer: a 2xx's in a new transaction, the others' in the INVITE's.
				branch := m.branch
				if m.code < 300 {
					branch = "z9hG4bK-ack-" + m.callID
				}
				_, _ = conn.WriteToUDP(request("ACK", f.To, local, f.User, m.callID, tag, m.toTag, branch, m.cseq, nil), to)
			}
		}
	}()

	interval := time.Second / time.Duration(f.Rate)
	tick := time.NewTicker(max(interval, time.Millisecond))
	defer tick.Stop()
	perTick := max(1, int(time.Millisecond/max(interval, 1)))
	sdp := []byte(fmt.Sprintf("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio 9 RTP/AVP 8 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\n", from, from))
	n := 0
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-tick.C:
		}
		for range perTick {
			n++
			callID, toTag, cseq := fmt.Sprintf("flood-%s-%d", tag, n), "", 1
			if f.Reinvite {
				mu.Lock()
				if len(dialogs) > 0 {
					callID, toTag, cseq = dialogs[0].callID, dialogs[0].toTag, 1+n
				}
				mu.Unlock()
			}
			msg := request("INVITE", f.To, local, f.User, callID, tag, toTag, fmt.Sprintf("z9hG4bK-%s-%d", tag, n), cseq, sdp)
			if _, err := conn.WriteToUDP(msg, to); err == nil {
				mu.Lock()
				res.Sent++
				mu.Unlock()
			}
		}
	}

	// The last answers (INVITEs dropped unanswered never get one).
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		left := res.Unanswered()
		mu.Unlock()
		if left == 0 {
			break
		}
	}
	// End the calls let in.
	mu.Lock()
	ds := append([]floodDialog(nil), dialogs...)
	mu.Unlock()
	for i, d := range ds {
		_, _ = conn.WriteToUDP(request("BYE", f.To, local, f.User, d.callID, d.fromTag, d.toTag, fmt.Sprintf("z9hG4bK-bye-%d-%s", i, tag), 1000, nil), to)
	}
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := len(byes)
		mu.Unlock()
		if done >= len(ds) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	conn.Close()
	<-readDone
	mu.Lock()
	defer mu.Unlock()
	res.Ended = len(byes)
	return res, nil
}

// request writes a SIP request from local (the flood) to server.
func request(method, server string, local *net.UDPAddr, user, callID, fromTag, toTag, branch string, cseq int, sdp []byte) []byte {
	var b bytes.Buffer
	to := "<sip:ivr@" + server + ">"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	fmt.Fprintf(&b, "%s sip:ivr@%s SIP/2.0\r\n", method, server)
	fmt.Fprintf(&b, "Via: SIP/2.0/UDP %s;branch=%s;rport\r\n", local, branch)
	fmt.Fprintf(&b, "Max-Forwards: 70\r\nFrom: <sip:%s@%s>;tag=%s\r\nTo: %s\r\n", user, local.IP, fromTag, to)
	fmt.Fprintf(&b, "Call-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:%s@%s>\r\n", callID, cseq, method, user, local)
	if sdp != nil {
		fmt.Fprintf(&b, "Content-Type: application/sdp\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(sdp))
	b.Write(sdp)
	return b.Bytes()
}

// response is what the flood reads of an answer.
type response struct {
	code                                      int
	method, callID, toTag, branch, retryAfter string
	cseq                                      int
}

// parseResponse reads the status code and the headers the flood needs; a
// request or junk gives code 0.
func parseResponse(b []byte) response {
	var m response
	head, _, _ := bytes.Cut(b, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "SIP/2.0 ") {
		return m
	}
	m.code, _ = strconv.Atoi(strings.SplitN(lines[0], " ", 3)[1])
	for _, l := range lines[1:] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "call-id", "i":
			m.callID = value
		case "cseq":
			n, method, _ := strings.Cut(value, " ")
			m.cseq, _ = strconv.Atoi(n)
			m.method = strings.TrimSpace(method)
		case "to", "t":
			if _, t, ok := strings.Cut(value, "tag="); ok {
				m.toTag, _, _ = strings.Cut(t, ";")
			}
		case "via", "v":
			if _, br, ok := strings.Cut(value, "branch="); ok {
				m.branch, _, _ = strings.Cut(br, ";")
			}
		case "retry-after":
			m.retryAfter, _, _ = strings.Cut(value, ";")
			m.retryAfter = strings.TrimSpace(m.retryAfter)
		}
	}
	return m
}
