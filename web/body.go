package web

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// Limits bound what one HTTP client may hold of the appliance: a client
// that sends its headers or body slowly, or too much, is cut off instead of
// keeping a connection (and its goroutine and buffers) for ever. The zero
// value is the default.
type Limits struct {
	// HeaderTimeout is how long a client has to send a request's headers
	// (default 10 s).
	HeaderTimeout time.Duration
	// IdleTimeout is how long a kept-alive connection may wait for its next
	// request (default 2 min).
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers (default 64 KiB).
	MaxHeaderBytes int
	// MaxBody bounds a request body, for every route but those that keep
	// their own limit (the trace import): default 64 KiB. Over it: 413.
	MaxBody int64
	// BodyGrace and MinBodyRate keep a body arriving: by BodyGrace after the
	// handler starts reading plus one second per MinBodyRate bytes read, the
	// body must have come, or the read fails and the connection is closed
	// (defaults 10 s and 1 KiB/s: a large upload on the LAN is far faster,
	// a client trickling a byte at a time is cut off within seconds). A
	// body no handler reads has BodyGrace from its request's headers, and
	// is never drained: the answer closes the connection (keepBodyMoving).
	BodyGrace   time.Duration
	MinBodyRate int
	// MaxConnsPerAddress bounds the connections one client address (its
	// IPv6 /64) may hold open to the panel's listener at once (default
	// 128: an office behind one NAT address, several tabs each); past it a
	// new connection is answered 429 and closed (LimitListener).
	MaxConnsPerAddress int
}

// Defaults of Limits.
const (
	DefaultHeaderTimeout      = 10 * time.Second
	DefaultIdleTimeout        = 2 * time.Minute
	DefaultMaxHeaderBytes     = 64 << 10
	DefaultMaxBody            = 64 << 10
	DefaultBodyGrace          = 10 * time.Second
	DefaultMinBodyRate        = 1 << 10
	DefaultMaxConnsPerAddress = 128
)

func (l Limits) withDefaults() Limits {
	if l.HeaderTimeout <= 0 {
		l.HeaderTimeout = DefaultHeaderTimeout
	}
	if l.IdleTimeout <= 0 {
		l.IdleTimeout = DefaultIdleTimeout
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	if l.BodyGrace <= 0 {
		l.BodyGrace = DefaultBodyGrace
	}
	if l.MinBodyRate <= 0 {
		l.MinBodyRate = DefaultMinBodyRate
	}
	if l.MaxConnsPerAddress <= 0 {
		l.MaxConnsPerAddress = DefaultMaxConnsPerAddress
	}
	return l
}

// HTTPServer returns an http.Server for h with the Limits' timeouts: every
// listener of the daemon (TCP, unix socket, profiles) is made by it. There is
// no overall read or write timeout: uploads may be large and event streams
// last; bodies are kept moving by a deadline of their own (keepBodyMoving).
func (s *Server) HTTPServer(h http.Handler) *http.Server {
	l := s.limits
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.HeaderTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.deps.Log.Handler(), slog.LevelWarn),
	}
}

// ownBodyLimit are the routes whose handlers bound their bodies themselves
// (uploads of up to gigabytes); keepBodyMoving still keeps them moving.
var ownBodyLimit = map[string]bool{"POST /api/trace/import": true}

// limitBody bounds the body of route pattern's requests to the Limits'
// MaxBody (unless the handler keeps its own) and parses a form body at
// once, so that a form too large or too slow is answered 413 or 408 here,
// before the CSRF check reads it.
func (s *Server) limitBody(pattern string, h http.Handler) http.Handler {
	own := ownBodyLimit[pattern]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		if !own {
			r.Body = http.MaxBytesReader(w, r.Body, s.limits.MaxBody)
		}
		if isForm(r) && !own {
			var err error
			if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "multipart/form-data" {
				err = r.ParseMultipartForm(s.limits.MaxBody)
			} else {
				err = r.ParseForm()
			}
			if err != nil {
				s.bodyFailed(w, r, err, "bad_form")
				return
			}
		}
		h.ServeHTTP(w, r)
	})
}

// keepBodyMoving gives every request body a deadline from the moment its
// headers are read, whether or not a handler ever reads it: BodyGrace for
// a body nobody reads, and once a handler reads, the pace of paced. An
// answer written before its body was read to the end closes the connection
// and stops reading at once: net/http would otherwise read up to 256 KiB of
// the rest, waiting on the client, before it even sent the answer (a
// request to /healthz with Content-Length: 100000 and no body held its
// connection for ever). It is the outermost handler of both listeners, so
// that refusals made before any route (the login gate, cross-origin
// checks, 404) are covered too.
func (s *Server) keepBodyMoving(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			h.ServeHTTP(w, r)
			return
		}
		ctl := http.NewResponseController(w)
		// Not every ResponseWriter has a connection (httptest's recorder):
		// then there is nothing to cut off.
		_ = ctl.SetReadDeadline(time.Now().Add(s.limits.BodyGrace))
		p := &paced{rc: r.Body, ctl: ctl, grace: s.limits.BodyGrace, rate: s.limits.MinBodyRate}
		r.Body = p
		cw := &closeUnread{ResponseWriter: w, ctl: ctl, body: p}
		h.ServeHTTP(cw, r)
		cw.answering() // a handler that wrote nothing: net/http answers 200 after it
	})
}

// closeUnread is a ResponseWriter whose answer closes the connection when
// the request's body has not been read to its end by then.
type closeUnread struct {
	http.ResponseWriter
	ctl  *http.ResponseController
	body *paced
	done bool
}

// answering is called before the answer's status line goes out.
func (c *closeUnread) answering() {
	if c.done {
		return
	}
	c.done = true
	if !c.body.eof.Load() {
		c.Header().Set("Connection", "close")
		// What net/http reads of the rest after the answer fails now.
		_ = c.ctl.SetReadDeadline(time.Now())
	}
}

func (c *closeUnread) WriteHeader(code int) {
	if code >= 200 { // not for 1xx: the final answer is still to come
		c.answering()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *closeUnread) Write(b []byte) (int, error) {
	c.answering()
	return c.ResponseWriter.Write(b)
}

// Flush keeps the writer an http.Flusher for the streams that ask for one.
func (c *closeUnread) Flush() {
	c.answering()
	_ = c.ctl.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (c *closeUnread) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// paced is a body that must keep arriving: before each read it sets the
// connection's read deadline to start + grace + read/rate, where start is
// the first read, and clears it at the end of the body (so that the
// server's check for a client gone away, which reads on, is not cut short
// during a long answer).
type paced struct {
	rc    io.ReadCloser
	ctl   *http.ResponseController
	grace time.Duration
	rate  int

	start time.Time
	n     int64
	eof   atomic.Bool // the body was read to its end
}

func (p *paced) Read(b []byte) (int, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	_ = p.ctl.SetReadDeadline(p.start.Add(p.grace + time.Duration(p.n)*time.Second/time.Duration(p.rate)))
	n, err := p.rc.Read(b)
	p.n += int64(n)
	if err != nil {
		if err == io.EOF {
			p.eof.Store(true)
		}
		_ = p.ctl.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (p *paced) Close() error { return p.rc.Close() }

// bodyFailed answers a request whose body could not be read or decoded:
// 413 over the limit, 408 too slow, else 400 with reason (bad_json,
// bad_form) and the decoder's words.
func (s *Server) bodyFailed(w http.ResponseWriter, r *http.Request, err error, reason string) {
	var tooLarge *http.MaxBytesError
	code, msg := http.StatusBadRequest, ""
	switch {
	case errors.As(err, &tooLarge):
		code, reason = http.StatusRequestEntityTooLarge, "body_too_large"
		msg = fmt.Sprintf("body: over %d bytes", tooLarge.Limit)
	case errors.Is(err, os.ErrDeadlineExceeded):
		code, reason = http.StatusRequestTimeout, "body_too_slow"
		msg = fmt.Sprintf("body: arrived slower than %d bytes a second", s.limits.MinBodyRate)
		w.Header().Set("Connection", "close")
	}
	if code == http.StatusBadRequest {
		if reason == "bad_form" {
			s.refuse(w, r, code, reason, "msg_bad_form")
			return
		}
		writeError(w, code, reason, "body: "+err.Error())
		return
	}
	s.deps.Log.Warn("request body refused", "reason", reason, "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr, "err", err)
	if isAPI(r) {
		writeJSON(w, code, apiError{Error: msg, Reason: reason, Message: failedText(messages[langOf(r)], "op_read_body", failure{code, reason})})
		return
	}
	v := s.view(w, r, "title_error")
	v.Error = failedText(v.M, "op_read_body", failure{code, reason})
	s.render(w, code, "error", v)
}
