package web_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
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
