package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"tracecall/store"
)

// failure is why the appliance itself could not do what was asked (not a
// fault in the request): the status, a stable reason for scripts and the
// desktop, and the catalogue key of the cause in words ("cause_" keys,
// failure_i18n.go). Every such answer names what failed and why, so that
// nobody reads a bare "internal error".
type failure struct {
	code   int
	reason string
}

// failures maps the store's and the context's errors to their answer, in
// the order they are checked.
var failures = []struct {
	err error
	failure
}{
	{store.ErrDiskFull, failure{http.StatusInsufficientStorage, "disk_full"}},
	{store.ErrReadOnly, failure{http.StatusServiceUnavailable, "disk_read_only"}},
	{store.ErrDiskIO, failure{http.StatusServiceUnavailable, "disk_io"}},
	{store.ErrClosed, failure{http.StatusServiceUnavailable, "shutting_down"}},
	{store.ErrInvalid, failure{http.StatusUnprocessableEntity, "invalid_record"}},
	{context.DeadlineExceeded, failure{http.StatusGatewayTimeout, "timeout"}},
	{context.Canceled, failure{http.StatusServiceUnavailable, "canceled"}},
}

// classify is the answer to err.
func classify(err error) failure {
	for _, f := range failures {
		if errors.Is(err, f.err) {
			return f.failure
		}
	}
	return failure{http.StatusInternalServerError, "internal"}
}

// failedText is the sentence a user reads in catalogue m: the operation
// op ("op_" key) could not be done, and why.
func failedText(m map[string]string, op string, f failure) string {
	return fmt.Sprintf(m["failed"], m[op], m["cause_"+f.reason])
}

// fail answers a request that failed for err while doing op (an "op_" key
// of the catalogue): the status of the cause, and JSON with the reason,
// the error in English with its cause ("error") and the sentence in the
// user's language ("message"). It logs err. Pages use failedText with
// classify instead.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, op string, err error) {
	f := classify(err)
	s.logFailure(r, op, f, err)
	en := messages["en"]
	writeJSON(w, f.code, apiError{
		Error:   en[op] + ": " + err.Error(),
		Reason:  f.reason,
		Message: failedText(messages[langOf(r)], op, f),
	})
}

// logFailure logs a failed request: an error, but a warning for the
// causes that are the disk's or the operator's to fix, which the log says
// in words.
func (s *Server) logFailure(r *http.Request, op string, f failure, err error) {
	args := []any{"op", strings.TrimPrefix(op, "op_"), "reason", f.reason, "err", err}
	if r != nil {
		args = append(args, "method", r.Method, "path", r.URL.Path)
	}
	msg := "request failed: " + messages["en"]["cause_"+f.reason]
	if f.reason == "internal" {
		s.deps.Log.Error(msg, args...)
		return
	}
	s.deps.Log.Warn(msg, args...)
}

// langOf is the language of r's user for an API answer: ?lang=, then the
// panel's language cookie, else Chinese. Unlike Server.lang it sets no
// cookie.
func langOf(r *http.Request) string {
	if r == nil {
		return "zh"
	}
	if l := r.URL.Query().Get("lang"); messages[l] != nil {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && messages[c.Value] != nil {
		return c.Value
	}
	return "zh"
}
