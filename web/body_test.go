package web_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"tracecall/store/storetest"
	"tracecall/web"
	"tracecall/web/auth"
)

func TestAssetsNeverList(t *testing.T) {
	p := newPanel(t)
	b := p.browser()
	for _, path := range []string{"/assets/", "/assets", "/assets/?C=M;O=D", "/assets/./", "/assets//"} {
		if r := b.get(path); r.code == http.StatusOK || strings.Contains(r.body, "desk.js") {
			t.Errorf("GET %s = %d, lists the directory:\n%s", path, r.code, r.body)
		}
	}
	if r := b.get("/assets/desk.js"); r.code != http.StatusOK {
		t.Errorf("GET /assets/desk.js = %d", r.code)
	}
}

// TestBodyLimits: every route bounds its body with a clear 413, forms
// before the CSRF check reads them, JSON in the API.
func TestBodyLimits(t *testing.T) {
	p := newPanel(t)
	p.addUser("zhang", auth.RoleAgent, deskPassword)
	p.addUser("boss", auth.RoleAdmin, deskPassword)
	zhang, boss := p.deskLogin("zhang"), p.deskLogin("boss")
	big := `{"name":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name, method, path string
		b                  *browser
	}{
		{"customer", "POST", "/api/customers", zhang},
		{"desk action", "POST", "/api/desk/login", zhang},
		{"note", "POST", "/api/calls/c1/notes", zhang},
		{"sip phone", "POST", "/api/sip/phones", boss},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := tt.b.api(tt.method, tt.path, big, false)
			if code != http.StatusRequestEntityTooLarge || body["reason"] != "body_too_large" || !strings.Contains(body["message"].(string), "过大") {
				t.Errorf("%s %s with 70 KiB = %d %v, want 413 body_too_large", tt.method, tt.path, code, body)
			}
		})
	}
	// Desk actions take 16 KiB, under the default.
	if code, body := zhang.api("POST", "/api/desk/login", `{"reason":"`+strings.Repeat("x", 20<<10)+`"}`, false); code != http.StatusRequestEntityTooLarge {
		t.Errorf("desk action with 20 KiB = %d %v, want 413", code, body)
	}
	// A form, as a page: 413 in the user's language, not a CSRF refusal.
	f := boss.form("username", "x", "display_name", strings.Repeat("名", 30<<10))
	if r := boss.post("/admin/users", f); r.code != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, "提交的内容过大") {
		t.Errorf("POST /admin/users with 90 KiB = %d\n%s", r.code, r.body)
	}
	// A bad form is 400, before the handler.
	req, _ := http.NewRequest("POST", p.ts.URL+"/admin/users", strings.NewReader("csrf_token="+url.QueryEscape(boss.csrf)+"&%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r := boss.do(req); r.code != http.StatusBadRequest {
		t.Errorf("POST /admin/users with a broken form = %d", r.code)
	}
}

// limitedServer is a panel on a real server with short body and header
// timeouts, as the daemon builds it (web.Server.HTTPServer).
func limitedServer(t *testing.T) string {
	t.Helper()
	p := newPanelOn(t, storetest.Open(t), httptest.NewUnstartedServer, func(d *web.Deps) {
		d.Limits = web.Limits{HeaderTimeout: 300 * time.Millisecond, BodyGrace: 300 * time.Millisecond, MinBodyRate: 1024, MaxHeaderBytes: 8 << 10}
	})
	p.ts.Config = p.srv.HTTPServer(p.srv.TCPHandler())
	p.ts.Start()
	return p.ts.Listener.Addr().String()
}

// dialTrickling connects to addr and writes head, then one byte every 20
// ms until the test ends or the server cuts it off.
func dialTrickling(t *testing.T, addr, head string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := c.Write([]byte("x")); err != nil {
					return // cut off
				}
			}
		}
	}()
	t.Cleanup(func() { close(stop); <-done; c.Close() })
	return c
}

// TestSlowBodyCutOff: a client that sends its body a byte at a time is
// answered 408 and cut off within the grace, not held open.
func TestSlowBodyCutOff(t *testing.T) {
	c := dialTrickling(t, limitedServer(t), "POST /api/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+token+
		"\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to a trickled body within 5 s: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), "body_too_slow") {
		t.Errorf("trickled body = %d %s, want 408 body_too_slow", resp.StatusCode, body)
	}
	t.Logf("cut off after %v", time.Since(start).Round(time.Millisecond))
}

// TestSlowHeadersCutOff: headers sent a byte at a time are cut off by the
// header timeout; headers too large get 431.
func TestSlowHeadersCutOff(t *testing.T) {
	addr := limitedServer(t)
	c := dialTrickling(t, addr, "GET /api/status HTTP/1.1\r\nX-Slow: ")
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := c.Read(make([]byte, 512))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("a client trickling its headers was held open for 5 s")
	}

	c2, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_, _ = io.WriteString(c2, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 20<<10)+"\r\n\r\n")
	_ = c2.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c2), nil)
	if err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("20 KiB of headers = %v, %v; want 431", resp, err)
	}
}

func TestHTTPServerLimits(t *testing.T) {
	p := newPanel(t)
	s := p.srv.HTTPServer(p.srv.TCPHandler())
	if s.ReadHeaderTimeout != web.DefaultHeaderTimeout || s.IdleTimeout != web.DefaultIdleTimeout || s.MaxHeaderBytes != web.DefaultMaxHeaderBytes {
		t.Errorf("server limits = header %v idle %v max header %d", s.ReadHeaderTimeout, s.IdleTimeout, s.MaxHeaderBytes)
	}
}

// TestUnreadBodyAnsweredAndClosed: a request whose handler never reads its
// body (GET /healthz, a refusal before login, the login page) is answered
// at once and its connection closed, whether the body is left unsent or
// trickled: net/http would otherwise read the rest (up to 256 KiB) before
// it even answered, with no deadline. Against the daemon, 19,980 such
// connections (GET /healthz, Content-Length 100000, nothing sent) used
// every file descriptor tracecalld might open, and SIP calls were refused
// for want of RTP sockets.
func TestUnreadBodyAnsweredAndClosed(t *testing.T) {
	addr := limitedServer(t) // header timeout and body grace 300 ms
	for _, head := range []string{
		"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
		"POST /api/customers HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n",
		"GET /login HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
		"GET /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
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
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Errorf("%q (trickled %v): no answer: %v", head, trickle, err)
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			if !resp.Close {
				t.Errorf("%q (trickled %v): answer %d does not close the connection", head, trickle, resp.StatusCode)
			}
			var ne net.Error
			if _, err := br.ReadByte(); errors.As(err, &ne) && ne.Timeout() {
				t.Errorf("%q (trickled %v): the connection is still open 5 s on", head, trickle)
			}
		}
	}
}

// TestReadBodyKeepsConnection: a body its handler reads to the end leaves
// the connection open for the next request; only an unread one closes it.
func TestReadBodyKeepsConnection(t *testing.T) {
	p := newPanel(t)
	client := p.ts.Client()
	reused := []bool{}
	for i := range 3 {
		req, _ := http.NewRequest("POST", p.ts.URL+"/api/customers", strings.NewReader(fmt.Sprintf(`{"numbers":["1360013600%d"],"name":"客户"}`, i)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(ci httptrace.GotConnInfo) { reused = append(reused, ci.Reused) },
		}))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || resp.Close {
			t.Errorf("POST %d = %d, close %v; want 201 on a kept connection", i, resp.StatusCode, resp.Close)
		}
	}
	if !slices.Equal(reused, []bool{false, true, true}) {
		t.Errorf("connections reused = %v, want the first one kept", reused)
	}
}
