package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// startDaemon serves h like tracecalld does: HTTP on a unix socket. It returns
// the socket's path.
func startDaemon(t *testing.T, h http.Handler) string {
	t.Helper()
	dir := t.TempDir()
	if len(dir) > 80 { // sun_path holds 108 bytes
		var err error
		if dir, err = os.MkdirTemp("", "tracectl"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	sock := filepath.Join(dir, socketName)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(h)
	ts.Listener.Close()
	ts.Listener = ln
	ts.Start()
	t.Cleanup(ts.Close)
	return sock
}

// startRoute is startDaemon for a daemon that serves h at pattern
// ("GET /api/status") and answers 404 to everything else.
func startRoute(t *testing.T, pattern string, h http.HandlerFunc) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc(pattern, h)
	return startDaemon(t, mux)
}

// serveJSON answers every request with status and body.
func serveJSON(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// serveValue answers every request with 200 and v as JSON, as the API encodes
// it; a v that does not encode is a 500.
func serveValue(v any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := json.Marshal(v)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		serveJSON(http.StatusOK, string(b))(w, r)
	}
}

// request is what a fake daemon saw of one request.
type request struct {
	query string // raw, as sent
	ctype string // Content-Type
	body  string
}

// recorder keeps the last request a fake daemon served. Handlers run on the
// server's goroutines and the test reads on its own, so mu guards last.
type recorder struct {
	mu   sync.Mutex
	last request
}

// record reads r's body, keeps r as the last request and returns it.
func (rc *recorder) record(r *http.Request) request {
	b, _ := io.ReadAll(r.Body)
	req := request{query: r.URL.RawQuery, ctype: r.Header.Get("Content-Type"), body: string(b)}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.last = req
	return req
}

// request returns the last request; the zero request before any.
func (rc *recorder) request() request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.last
}

// tracectl runs the CLI with an empty environment and returns what it printed
// and its exit status.
func tracectl(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = runEnv(context.Background(), args, &out, &errOut, func(string) string { return "" })
	return out.String(), errOut.String(), code
}

// tracectlOK is tracectl for a run that must succeed: it stops the test unless
// the CLI exits 0, and returns stdout.
func tracectlOK(t *testing.T, args ...string) string {
	t.Helper()
	stdout, stderr, code := tracectl(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	return stdout
}

// wantContains reports each of want that stdout lacks.
func wantContains(t *testing.T, stdout string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, stdout)
		}
	}
}
