package web_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/web"
)

// TestConnsPerAddressLimited: one address holds at most MaxConnsPerAddress
// connections; the next is answered 429 in both languages and closed, and
// a connection that closes gives its place back.
func TestConnsPerAddressLimited(t *testing.T) {
	p := newPanelOn(t, storetest.Open(t), httptest.NewUnstartedServer, func(d *web.Deps) {
		d.Limits = web.Limits{MaxConnsPerAddress: 2}
	})
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := p.srv.LimitListener(raw)
	defer ln.Close()
	accepted := make(chan net.Conn)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	first, _ := dial(), dial()
	held := []net.Conn{<-accepted, <-accepted}

	over := dial()
	_ = over.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.WriteString(over, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(over), nil)
	if err != nil {
		t.Fatalf("third connection from one address: %v, want a 429", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(body), "连接过多") || !strings.Contains(string(body), "Too many connections") {
		t.Errorf("third connection = %d %q, want 429 in both languages", resp.StatusCode, body)
	}
	if got := p.log.String(); !strings.Contains(got, "http connections refused") || !strings.Contains(got, "127.0.0.1 (1)") {
		t.Errorf("refusal not logged with its address:\n%s", got)
	}

	held[0].Close()
	first.Close()
	dial()
	select {
	case c := <-accepted:
		c.Close()
	case <-time.After(5 * time.Second):
		t.Fatal("a closed connection did not give its place back")
	}

	p.ts.Start()
	req, _ := http.NewRequest("GET", p.ts.URL+"/api/status", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	sr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sr.Body.Close()
	if st, _ := io.ReadAll(sr.Body); !strings.Contains(string(st), `"http_conns_refused":1`) {
		t.Errorf("/api/status does not count the refusal: %s", st)
	}
}
