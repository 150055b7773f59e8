package web_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"tracecall/store"
)

// TestAttackUnreadBodyHeldOpen: limitBody keeps a body moving only while a
// handler reads it. A request whose handler never reads its body (no
// login: 401; GET /healthz; the login page) and whose Content-Length is
// under net/http's 256 KiB post-handler discard is not even answered: the
// server reads the rest of the body before it writes the status line, with
// no deadline. Trickled, or just left unsent, such a request holds its
// connection for ever. Against the daemon, unauthenticated: 19,980 such
// connections (GET /healthz, Content-Length 100000, nothing sent) used
// every file descriptor tracecalld may open (20,000) and 380 MB, and real
// SIP calls were refused ("no free rtp port": the RTP sockets could not be
// opened).
func TestAttackUnreadBodyHeldOpen(t *testing.T) {
	addr := limitedServer(t) // header timeout and body grace 300 ms
	for _, head := range []string{
		"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
		"POST /api/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n",
		"GET /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
	} {
		for _, trickle := range []bool{false, true} {
			var c net.Conn
			if trickle {
				c = dialTrickling(t, addr, head)
			} else {
				var err error
				if c, err = net.Dial("tcp", addr); err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if _, err := io.WriteString(c, head); err != nil {
					t.Fatal(err)
				}
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := http.ReadResponse(bufio.NewReader(c), nil)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("%q (trickled %v): no answer and the connection still open after 5 s", head, trickle)
			}
		}
	}
}

// TestAttackNumberTakenIsAnUnthrottledOracle: an agent's failed searches
// are throttled and audited so that the book cannot be walked by number,
// but saving a customer with numbers that belong to someone else answers
// 409 naming the taken number, with neither. An agent makes one customer of
// their own and PUTs ten numbers at a time into it: against the daemon,
// 1,000 numbers in 0.1 s, no 429, nothing in /api/audit, and every taken
// number named; each one found is then a search hit, which is not throttled.
func TestAttackNumberTakenIsAnUnthrottledOracle(t *testing.T) {
	p, _, _ := customerPanel(t)
	zhang := p.deskLogin("zhang")
	code, body := zhang.api("POST", "/api/customers", `{"numbers":["13600136000"],"name":"探针"}`, false)
	if code != http.StatusCreated {
		t.Fatalf("agent saves a customer: %d %v", code, body)
	}
	mine, _ := body["id"].(string)
	before, _ := p.db.Audit(store.AuditFilter{Limit: 1000})
	taken := []string{}
	for i := range 30 {
		nums := []string{}
		for j := range 10 {
			nums = append(nums, fmt.Sprintf(`"1350%03d%04d"`, i, j))
		}
		if i == 17 {
			nums[4] = `"13900139000"` // 李强's
		}
		code, body := zhang.api("PUT", "/api/customers/"+mine, `{"name":"探针","numbers":[`+strings.Join(nums, ",")+`]}`, false)
		if code == http.StatusTooManyRequests {
			return // throttled: good
		}
		if code == http.StatusConflict {
			taken = append(taken, fmt.Sprint(body["error"]))
		}
	}
	after, _ := p.db.Audit(store.AuditFilter{Limit: 1000})
	if len(taken) > 0 && len(after) == len(before) {
		t.Errorf("300 numbers probed by an agent without a 429 or an audit entry; learnt %v", taken)
	}
}
