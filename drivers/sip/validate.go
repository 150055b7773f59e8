package sip

import (
	"log/slog"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"
)

// Request validation: what RFC 3261 section 8.2 has a UAS check before it
// acts on a request, in its order. sipgo parses a message and keys its
// transaction; every request then comes through serveRequest, which answers the
// ones we must refuse here, each with the code the RFC names and a reason
// phrase that says what was wrong, so a handler sees only a request it can
// act on. Requests sipgo cannot parse at all never get this far: see
// unparsable.

// supportedOptions are the option tags (RFC 3261 section 19.2) a request
// may Require of us: the session timer of RFC 4028 (see okHeaders).
var supportedOptions = []string{"timer"}

// unservedMethods are SIP methods we know of but do not serve: 405 with
// Allow. Any other method we do not serve is unknown to us: 501.
var unservedMethods = []siplib.RequestMethod{
	siplib.SUBSCRIBE, siplib.NOTIFY, siplib.REFER, siplib.MESSAGE, siplib.PUBLISH, siplib.PRACK,
}

// singleHeaders may appear once in a request (RFC 3261 section 7.3.1: only
// headers defined as comma-separated lists may repeat).
var singleHeaders = []string{"From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length", "Content-Type"}

// bodyTypes are the body types a method's handler reads; a body of another
// type gets 415 with Accept. Methods not listed ignore a body.
var bodyTypes = map[siplib.RequestMethod][]string{
	siplib.INVITE: {"application/sdp"},
	siplib.UPDATE: {"application/sdp"},
	siplib.INFO:   {"application/dtmf-relay", "application/dtmf"},
}

// rejection is the response a request gets instead of being served.
type rejection struct {
	code    int
	reason  string
	headers []siplib.Header
}

// serveRequest is every request's way in: it checks the request (check),
// answers those it refuses, and hands the rest to their method's handler.
func (d *Driver) serveRequest(newClient func(netip.Addr) (*sipgo.Client, error)) sipgo.RequestHandler {
	handlers := map[siplib.RequestMethod]sipgo.RequestHandler{
		siplib.INVITE:   func(req *siplib.Request, tx siplib.ServerTransaction) { d.onInvite(newClient, req, tx) },
		siplib.ACK:      d.onAck,
		siplib.BYE:      d.onBye,
		siplib.CANCEL:   d.onCancel,
		siplib.OPTIONS:  d.onOptions,
		siplib.INFO:     d.onInfo,
		siplib.UPDATE:   d.onUpdate,
		siplib.REGISTER: d.onRegister,
	}
	return func(req *siplib.Request, tx siplib.ServerTransaction) {
		h, served := handlers[req.Method]
		if rej := check(req, served); rej != nil {
			d.reject(req, tx, rej)
			return
		}
		h(req, tx)
	}
}

// reject answers a refused request (an ACK gets no answer: it is dropped)
// and logs it, sparingly per source.
func (d *Driver) reject(req *siplib.Request, tx siplib.ServerTransaction, rej *rejection) {
	d.logRefusal(slog.LevelInfo, "sip request refused", req.Source(),
		"method", string(req.Method), "code", rej.code, "reason", rej.reason)
	if req.IsAck() || tx == nil {
		return
	}
	res := siplib.NewResponseFromRequest(req, rej.code, rej.reason, nil)
	res.SipVersion = "SIP/2.0" // a 505 does not answer in the version it refuses
	for _, h := range rej.headers {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// check returns what a request is to be refused with, or nil when it may be
// served (served: its method has a handler): the SIP version (505), the headers every request needs, once each
// (400), the method (501 unknown, 405 known but not served), the CSeq method
// (400), the Request-URI's scheme (416), a new INVITE's From tag (400), the
// Request-URI's headers (400), Require (420), the
// body's encoding and type (415) and, for an INVITE, whether Accept lets us
// answer with SDP (406). A REGISTER's To must be a SIP URI (400). ACK is
// checked too, though it is never answered. Max-Forwards is not: we are the
// request's final recipient, and RFC 4475 section 3.3.11 has an endpoint
// serve a request whose Max-Forwards is 0 as any other.
func check(req *siplib.Request, served bool) *rejection {
	if !strings.EqualFold(req.SipVersion, "SIP/2.0") {
		return &rejection{code: 505, reason: "Version Not Supported"}
	}
	req.SipVersion = "SIP/2.0" // answer in the upper case RFC 3261 section 7.1 asks for
	if rej := checkHeaders(req); rej != nil {
		return rej
	}
	if !served {
		allow := []siplib.Header{siplib.NewHeader("Allow", allowed)}
		for _, m := range unservedMethods {
			if req.Method == m {
				return &rejection{code: 405, reason: "Method Not Allowed", headers: allow}
			}
		}
		return &rejection{code: 501, reason: "Not Implemented", headers: allow}
	}
	// sipgo upper-cases the request line's method, not the CSeq's.
	if !strings.EqualFold(strings.TrimSpace(string(req.CSeq().MethodName)), string(req.Method)) {
		return &rejection{code: 400, reason: "CSeq Method Does Not Match"}
	}
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips", "tel":
	default:
		return &rejection{code: 416, reason: "Unsupported URI Scheme"}
	}
	if req.Method == siplib.INVITE && !req.To().Params.Has("tag") && !req.From().Params.Has("tag") {
		// RFC 3261 section 8.1.1.3; a dialog has no id without it.
		return &rejection{code: 400, reason: "Missing From Tag"}
	}
	if req.Recipient.Headers != nil && req.Recipient.Headers.Length() > 0 {
		return &rejection{code: 400, reason: "Headers Not Allowed In Request-URI"}
	}
	if req.Method != siplib.ACK && req.Method != siplib.CANCEL {
		if tags := unsupported(req); len(tags) > 0 {
			return &rejection{code: 420, reason: "Bad Extension",
				headers: []siplib.Header{siplib.NewHeader("Unsupported", strings.Join(tags, ", "))}}
		}
	}
	if rej := checkBody(req); rej != nil {
		return rej
	}
	if req.Method == siplib.INVITE && !acceptsSDP(req) {
		return &rejection{code: 406, reason: "Not Acceptable",
			headers: []siplib.Header{siplib.NewHeader("Warning", `399 tracecall "we answer with application/sdp only"`)}}
	}
	if req.Method == siplib.REGISTER {
		switch strings.ToLower(req.To().Address.Scheme) {
		case "sip", "sips":
		default:
			return &rejection{code: 400, reason: "To Is Not A SIP URI"}
		}
	}
	return nil
}

// checkHeaders finds the headers every request must carry missing or
// repeated (RFC 3261 section 8.1.1; sipgo itself needs Via and CSeq to key a
// transaction, and answers 400 before us when they are missing). An RFC
// 2543 request without Max-Forwards is served.
func checkHeaders(req *siplib.Request) *rejection {
	var missing []string
	if req.From() == nil {
		missing = append(missing, "From")
	}
	if req.To() == nil {
		missing = append(missing, "To")
	}
	if req.CallID() == nil {
		missing = append(missing, "Call-ID")
	}
	if req.CSeq() == nil {
		missing = append(missing, "CSeq")
	}
	if req.Via() == nil {
		missing = append(missing, "Via")
	}
	if len(missing) > 0 {
		return &rejection{code: 400, reason: "Missing " + strings.Join(missing, ", ")}
	}
	for _, name := range singleHeaders {
		if len(req.GetHeaders(name)) > 1 {
			return &rejection{code: 400, reason: "Multiple " + name + " Headers"}
		}
	}
	return nil
}

// unsupported lists the option tags in a request's Require that we do not
// support (RFC 3261 section 8.2.2.3).
func unsupported(req *siplib.Request) []string {
	var tags []string
	for _, h := range req.GetHeaders("Require") {
		for _, tag := range strings.Split(h.Value(), ",") {
			tag = strings.TrimSpace(tag)
			if tag != "" && !containsFold(supportedOptions, tag) {
				tags = append(tags, tag)
			}
		}
	}
	return tags
}

// checkBody refuses a body we cannot read (RFC 3261 section 8.2.3): one in
// an encoding other than identity, or of a type its method's handler does
// not take.
func checkBody(req *siplib.Request) *rejection {
	if len(req.Body()) == 0 {
		return nil
	}
	for _, name := range []string{"Content-Encoding", "e"} {
		for _, h := range req.GetHeaders(name) {
			for _, enc := range strings.Split(h.Value(), ",") {
				if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "identity") {
					return &rejection{code: 415, reason: "Unsupported Media Type",
						headers: []siplib.Header{siplib.NewHeader("Accept-Encoding", "identity")}}
				}
			}
		}
	}
	types, ok := bodyTypes[req.Method]
	if !ok {
		return nil
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	if !containsFold(types, mediaType(ct)) {
		return &rejection{code: 415, reason: "Unsupported Media Type",
			headers: []siplib.Header{siplib.NewHeader("Accept", strings.Join(types, ", "))}}
	}
	return nil
}

// acceptsSDP reports whether an INVITE's Accept headers, if any, take
// application/sdp, the only body our answer can carry. An empty Accept
// takes nothing (RFC 3261 section 20.1).
func acceptsSDP(req *siplib.Request) bool {
	hs := req.GetHeaders("Accept")
	if len(hs) == 0 {
		return true
	}
	for _, h := range hs {
		for _, t := range strings.Split(h.Value(), ",") {
			switch mediaType(t) {
			case "application/sdp", "application/*", "*/*":
				return true
			}
		}
	}
	return false
}

// mediaType is a Content-Type or Accept value's type/subtype, lower case,
// without parameters.
func mediaType(v string) string {
	t, _, _ := strings.Cut(v, ";")
	return strings.ToLower(strings.TrimSpace(t))
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
