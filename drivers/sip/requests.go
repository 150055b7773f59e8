package sip

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"sync"
	"time"

	siplib "github.com/emiago/sipgo/sip"

	"tracecall/telephony"
)

// onAck confirms a dialog: the ACK for our 200 to an INVITE or re-INVITE.
func (d *Driver) onAck(req *siplib.Request, tx siplib.ServerTransaction) {
	l := d.dialog(req)
	if l == nil {
		if dl := d.dialledDialog(req); dl != nil {
			dl.ack(req)
		}
		return
	}
	l.ackAnswer(req) // before ReadAck: the 200's sender wakes on it
	_ = l.ds.ReadAck(req, tx)
	l.ack(req)
}

// onBye ends a call from the far end.
func (d *Driver) onBye(req *siplib.Request, tx siplib.ServerTransaction) {
	l := d.dialog(req)
	if l == nil {
		if dl := d.dialledDialog(req); dl != nil {
			d.onDialledBye(dl, req, tx)
			return
		}
		d.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if err := l.ds.ReadBye(req, tx); err != nil {
		d.respond(req, tx, 400, "Bad Request")
		return
	}
	l.end("caller", telephony.CauseNormal)
}

// onCancel sees only CANCELs that match no INVITE in progress: the
// transaction layer answers the others (200, then 487 to the INVITE).
func (d *Driver) onCancel(req *siplib.Request, tx siplib.ServerTransaction) {
	d.respond(req, tx, 481, "Call/Transaction Does Not Exist")
}

// onOptions answers keep-alives and capability queries, in or out of a dialog.
func (d *Driver) onOptions(req *siplib.Request, tx siplib.ServerTransaction) {
	res := siplib.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(siplib.NewHeader("Allow", allowed))
	res.AppendHeader(siplib.NewHeader("Accept", "application/sdp, application/dtmf-relay, application/dtmf"))
	res.AppendHeader(siplib.NewHeader("Server", d.cfg.UserAgent))
	_ = tx.Respond(res)
}

// onInfo takes DTMF sent as SIP INFO (application/dtmf-relay or
// application/dtmf). A call that negotiated no telephone-event has its keys
// detected in band, so an INFO key cannot reach it; it is logged and dropped.
func (d *Driver) onInfo(req *siplib.Request, tx siplib.ServerTransaction) {
	l := d.dialog(req)
	if l == nil {
		if dl := d.dialledDialog(req); dl != nil {
			d.onDialledInfo(dl, req, tx)
			return
		}
		d.respond(req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	key, ok, err := parseInfoDigit(ct, req.Body())
	switch {
	case err != nil:
		l.log.Info("bad dtmf info", "err", err)
		d.respond(req, tx, 400, "Bad Request")
		return
	case !ok && len(req.Body()) > 0:
		d.respond(req, tx, 415, "Unsupported Media Type")
		return
	case ok:
		if !l.stream.digit(telephony.Digit{Key: key, Source: "info", At: time.Now()}) {
			l.log.Info("dtmf info key dropped: call takes keys in band", "key", string(key))
		}
	}
	d.respond(req, tx, 200, "OK")
}

// onNoRoute answers methods we do not serve: 405 for SIP methods we know of,
// 501 for the rest.
func (d *Driver) onNoRoute(req *siplib.Request, tx siplib.ServerTransaction) {
	code, reason := 501, "Not Implemented"
	switch req.Method {
	case siplib.SUBSCRIBE, siplib.NOTIFY, siplib.REFER, siplib.MESSAGE, siplib.PUBLISH, siplib.PRACK:
		code, reason = 405, "Method Not Allowed"
	}
	res := siplib.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(siplib.NewHeader("Allow", allowed))
	_ = tx.Respond(res)
}

// onDialledBye ends a dialled call from the far end.
func (d *Driver) onDialledBye(l *dialLeg, req *siplib.Request, tx siplib.ServerTransaction) {
	l.mu.Lock()
	dc := l.dc
	l.mu.Unlock()
	if err := dc.ReadBye(req, tx); err != nil {
		d.respond(req, tx, 400, "Bad Request")
		return
	}
	l.end("caller", telephony.CauseNormal)
}

// onDialledInfo takes a DTMF INFO key on a dialled call.
func (d *Driver) onDialledInfo(l *dialLeg, req *siplib.Request, tx siplib.ServerTransaction) {
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	key, ok, err := parseInfoDigit(ct, req.Body())
	switch {
	case err != nil:
		d.respond(req, tx, 400, "Bad Request")
		return
	case !ok && len(req.Body()) > 0:
		d.respond(req, tx, 415, "Unsupported Media Type")
		return
	case ok:
		if s := l.media(); s == nil || !s.digit(telephony.Digit{Key: key, Source: "info", At: time.Now()}) {
			l.log.Info("dtmf info key dropped: call takes keys in band", "key", string(key))
		}
	}
	d.respond(req, tx, 200, "OK")
}

// respond sends a response without a body.
func (d *Driver) respond(req *siplib.Request, tx siplib.ServerTransaction, code int, reason string) {
	_ = tx.Respond(siplib.NewResponseFromRequest(req, code, reason, nil))
}

// respondWarn sends a response with a Warning (RFC 3261 section 20.43).
func (d *Driver) respondWarn(req *siplib.Request, tx siplib.ServerTransaction, code int, reason, warning string) {
	res := siplib.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(siplib.NewHeader("Warning", `399 tracecall "`+sanitize(warning)+`"`))
	_ = tx.Respond(res)
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			b[i] = ' '
		}
	}
	return string(b)
}

// maxDatagram is the largest SIP datagram we take; sipgo reads into a 32 KiB
// buffer, so anything that fills it may have been cut.
const maxDatagram = 32<<10 - 1

// filter sees every UDP datagram (and TCP read) before sipgo parses it. It
// drops what a source sends past its rate (sourceLimiter), then datagrams
// that cannot be a SIP message: too big, not starting with a request or
// status line, or without the blank line that ends the headers. Dropping
// costs one counter; a log line says so at most every dropLogEvery.
func (d *Driver) filter(p siplib.TransportReadProps, data []byte) ([]byte, error) {
	now := time.Now()
	if !d.limit.allow(p.RemoteAddr, now) {
		if p.Transport != "UDP" {
			return nil, errSourceLimited // sipgo closes the connection
		}
		return nil, nil
	}
	if p.Transport == "UDP" && bytes.HasPrefix(data, []byte("INVITE ")) && d.callLimits.shedding(addrOf(p.RemoteAddr), now) {
		return nil, nil // refused ten times this second already (limit_calls.go)
	}
	if p.Transport != "UDP" || plausibleSIP(data) {
		return data, nil
	}
	d.drops.note(d.log, p.RemoteAddr, len(data))
	return nil, nil
}

// plausibleSIP is a cheap look at a datagram: a CRLF keep-alive, or a SIP
// start line and a complete header section within maxDatagram.
func plausibleSIP(b []byte) bool {
	if len(b) <= 4 && len(bytes.Trim(b, "\r\n")) == 0 {
		return true
	}
	if len(b) > maxDatagram {
		return false
	}
	line, _, ok := bytes.Cut(b, []byte("\n"))
	if !ok || len(line) > 1024 {
		return false
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if bytes.HasPrefix(line, []byte("SIP/2.0 ")) {
		return hasHeaderEnd(b)
	}
	i := 0
	for i < len(line) && line[i] >= 'A' && line[i] <= 'Z' {
		i++
	}
	if i == 0 || i >= len(line) || line[i] != ' ' || !bytes.HasSuffix(line, []byte(" SIP/2.0")) {
		return false
	}
	return hasHeaderEnd(b)
}

func hasHeaderEnd(b []byte) bool {
	return bytes.Contains(b, []byte("\r\n\r\n")) || bytes.Contains(b, []byte("\n\n"))
}

// dropLogEvery spaces the log lines about dropped datagrams.
const dropLogEvery = 10 * time.Second

// dropLog counts dropped datagrams and logs them sparingly, so a flood
// cannot flood the log.
type dropLog struct {
	// mu guards the fields below.
	mu      sync.Mutex
	total   uint64
	since   uint64 // dropped since the last log line
	lastLog time.Time
}

func (dl *dropLog) note(log *slog.Logger, from net.Addr, size int) {
	dl.mu.Lock()
	dl.total++
	dl.since++
	now := time.Now()
	if now.Sub(dl.lastLog) < dropLogEvery {
		dl.mu.Unlock()
		return
	}
	n, total := dl.since, dl.total
	dl.since, dl.lastLog = 0, now
	dl.mu.Unlock()
	log.Warn("dropped malformed sip datagrams", "source", from.String(), "bytes", size, "dropped", n, "dropped_total", total)
}

// Limited reports how many messages were dropped because their source sent
// more than Config.SourceRate allows.
func (d *Driver) Limited() uint64 { return d.limit.limited() }

// Dropped reports how many datagrams were dropped as not SIP.
func (d *Driver) Dropped() uint64 {
	d.drops.mu.Lock()
	defer d.drops.mu.Unlock()
	return d.drops.total
}

// quietHandler hands sipgo's own log records on at debug level: it logs
// every unparsable packet at error level, which a flood would turn into a
// flood of log lines. What matters is logged by the driver itself.
type quietHandler struct{ h slog.Handler }

func (q quietHandler) Enabled(ctx context.Context, _ slog.Level) bool {
	return q.h.Enabled(ctx, slog.LevelDebug)
}

func (q quietHandler) Handle(ctx context.Context, r slog.Record) error {
	r.Level = slog.LevelDebug
	return q.h.Handle(ctx, r)
}

func (q quietHandler) WithAttrs(as []slog.Attr) slog.Handler { return quietHandler{q.h.WithAttrs(as)} }
func (q quietHandler) WithGroup(name string) slog.Handler    { return quietHandler{q.h.WithGroup(name)} }
