package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// client speaks the API of .notes/API.md to tracecalld over its unix socket.
// The socket is trusted by file permission, so no token is sent.
type client struct {
	socket string
	hc     *http.Client
}

func newClient(socket string) *client {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConns: 1,
	}
	return &client{socket: socket, hc: &http.Client{Transport: tr}}
}

func (c *client) close() { c.hc.CloseIdleConnections() }

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 4 << 20

// do sends one request. A 2xx response is returned for the caller to read and
// close; anything else is read and returned as an *apiError, and a daemon that
// cannot be reached as an *unreachableError.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	u := "http://tracecalld" + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "tracectl")
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, ctxErr)
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, &unreachableError{socket: c.socket, err: err}
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	ae := &apiError{Status: resp.StatusCode, Body: raw}
	if json.Unmarshal(raw, ae) != nil || ae.Message == "" {
		ae.Message = strings.TrimSpace(string(raw))
	}
	return nil, ae
}

// get fetches path and returns the whole body.
func (c *client) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, path, query, nil, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// getJSON GETs path for verb and decodes the answer into v. With asJSON it also
// prints the answer as the API gave it, indented, and returns done: the verb has
// nothing left to print. A failed request or decode is returned as "verb: …".
func (c *cli) getJSON(ctx context.Context, verb, path string, query url.Values, v any, asJSON bool) (done bool, err error) {
	b, err := c.client().get(ctx, path, query)
	if err != nil {
		return false, fmt.Errorf("%s: %w", verb, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("%s: decode %s: %w", verb, path, err)
	}
	if asJSON {
		return true, writeJSON(c.stdout, b)
	}
	return false, nil
}

// apiError is a non-2xx answer: {"error": "text", "reason": "machine_reason"}.
// Body keeps the whole answer for verbs that read more from it (import rows).
type apiError struct {
	Status  int    `json:"-"`
	Message string `json:"error"`
	Reason  string `json:"reason"`
	Body    []byte `json:"-"`
}

func (e *apiError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = strings.ToLower(http.StatusText(e.Status))
	}
	if e.Reason != "" && !strings.Contains(msg, e.Reason) {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// unreachableError is a socket that could not be connected to.
type unreachableError struct {
	socket string
	err    error
}

func (e *unreachableError) Error() string {
	// Name the failing syscall and errno ("connect: no such file or
	// directory"), not the whole dial chain.
	cause := e.err.Error()
	var se *os.SyscallError
	if errors.As(e.err, &se) {
		cause = se.Error()
	}
	if errors.Is(e.err, syscall.EACCES) || errors.Is(e.err, syscall.EPERM) {
		return fmt.Sprintf("cannot reach tracecalld at %s: permission denied; run as root or as a member of the socket's group (%s)", e.socket, cause)
	}
	return fmt.Sprintf("cannot reach tracecalld at %s: is the daemon running? (%s)", e.socket, cause)
}

func (e *unreachableError) Unwrap() error { return e.err }

// writeJSON prints an API body for --json, indented, with a final newline.
func writeJSON(w io.Writer, raw []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		buf.Reset()
		buf.Write(bytes.TrimSpace(raw))
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}
