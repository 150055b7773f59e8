package sip

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"strconv"
	"strings"

	siplib "github.com/emiago/sipgo/sip"
)

// A request sipgo cannot parse never reaches its transaction layer: sipgo
// logs it and drops it, and the sender retransmits for half a minute
// without learning why. Over UDP the read filter tries the parser on each
// request first (a few microseconds, sipgo then parses it again) and
// answers one that fails statelessly, as RFC 3261 section 8.2 and RFC 4475
// ask: 400 with a reason phrase naming what is wrong (the request line, a
// header, a Content-Length past the datagram's end), 416 for a Request-URI
// scheme we do not take and 505 for a version we do not speak. The answer
// copies Via, From, To, Call-ID and CSeq as they came, so the sender can
// match it to its transaction, and goes back to the address the datagram
// came from, never to an address the message names. A request without a
// Via gets no answer. Over TCP sipgo closes the connection instead: a
// stream that does not parse has no message boundary to carry on from.

// unparsable reports whether a UDP datagram is a request sipgo cannot
// parse; if it is, it has been answered (when it could be) and is to be
// dropped.
func (d *Driver) unparsable(data []byte, from net.Addr) bool {
	if bytes.HasPrefix(data, []byte("SIP/")) || len(bytes.Trim(data, "\r\n")) == 0 {
		return false // a response, or a keep-alive
	}
	if _, err := d.parser.ParseSIP(data); err == nil {
		return false
	}
	code, reason := diagnose(data)
	d.logRefusal(slog.LevelInfo, "unparsable sip request", from.String(), "code", code, "reason", reason)
	if res := statelessAnswer(data, code, reason); res != nil {
		_, _ = d.udp.WriteTo(res, from)
	}
	return true
}

// headerNames are the canonical names of the headers sipgo parses (and can
// fail to), by their lower-case and compact forms.
var headerNames = map[string]string{
	"via": "Via", "v": "Via", "from": "From", "f": "From", "to": "To", "t": "To",
	"call-id": "Call-ID", "i": "Call-ID", "cseq": "CSeq", "contact": "Contact", "m": "Contact",
	"max-forwards": "Max-Forwards", "content-length": "Content-Length", "l": "Content-Length",
	"content-type": "Content-Type", "c": "Content-Type", "route": "Route", "record-route": "Record-Route",
	"refer-to": "Refer-To", "referred-by": "Referred-By",
}

// diagnose says why a request does not parse, as the status and reason
// phrase of its answer. The phrase is ours, never the request's text.
func diagnose(data []byte) (code int, reason string) {
	head, body, _ := cutHeader(data)
	lines := headerLines(head)
	if len(lines) == 0 {
		return 400, "Bad Request-Line"
	}
	if code, reason := checkRequestLine(lines[0]); code != 0 {
		return code, reason
	}
	parsers := siplib.HeadersParser(siplib.DefaultHeadersParser())
	length := -1
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return 400, "Bad Header Line"
		}
		key := strings.ToLower(strings.TrimSpace(name))
		canonical, known := headerNames[key]
		if !known {
			continue
		}
		if _, err := parsers.ParseHeader(nil, []byte(line)); err != nil {
			return 400, "Bad " + canonical + " Header"
		}
		if canonical == "Content-Length" {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	if length > len(body) {
		return 400, "Body Shorter Than Content-Length"
	}
	return 400, "Bad Request"
}

// checkRequestLine checks "Method SP Request-URI SP SIP-Version" (RFC 3261
// section 7.1: single spaces, no angle brackets, no white space in the
// URI), returning a zero code when it is well formed.
func checkRequestLine(line string) (code int, reason string) {
	parts := strings.Split(line, " ")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || !isSIPToken(parts[0]) {
		return 400, "Bad Request-Line"
	}
	scheme, _, ok := strings.Cut(parts[1], ":")
	if !ok || scheme == "" || strings.ContainsAny(parts[1], "<>\t") {
		return 400, "Bad Request-URI"
	}
	switch strings.ToLower(scheme) {
	case "sip", "sips", "tel":
	default:
		return 416, "Unsupported URI Scheme"
	}
	version := parts[2]
	if !strings.EqualFold(version, "SIP/2.0") {
		if isVersion(version) {
			return 505, "Version Not Supported"
		}
		return 400, "Bad Request-Line"
	}
	return 0, ""
}

// isVersion reports whether v is SIP/<digits>.<digits>, in any case.
func isVersion(v string) bool {
	if len(v) < 4 || !strings.EqualFold(v[:4], "SIP/") {
		return false
	}
	major, minor, ok := strings.Cut(v[4:], ".")
	return ok && isDigits(major) && isDigits(minor)
}

func isDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// isSIPToken reports whether s is an RFC 3261 token, as a method is.
func isSIPToken(s string) bool {
	for i := range len(s) {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return s != ""
}

func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-.!%*_+`'~", c) >= 0
}

// cutHeader splits a message at the blank line that ends its headers.
func cutHeader(data []byte) (head, body []byte, ok bool) {
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		return data[:i], data[i+4:], true
	}
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		return data[:i], data[i+2:], true
	}
	return data, nil, false
}

// headerLines splits a header section into its start line and header
// lines, continuation lines folded into the line they continue (RFC 3261
// section 7.3.1). CR, LF and NUL left inside a line become spaces, so
// nothing copied from it can start a line of its own.
func headerLines(head []byte) []string {
	var lines []string
	for _, raw := range bytes.Split(head, []byte("\n")) {
		raw = bytes.TrimSuffix(raw, []byte("\r"))
		line := strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == 0 {
				return ' '
			}
			return r
		}, string(raw))
		if len(lines) > 1 && line != "" && (line[0] == ' ' || line[0] == '\t') {
			lines[len(lines)-1] = strings.TrimRight(lines[len(lines)-1], " \t") + " " + strings.TrimLeft(line, " \t")
			continue
		}
		lines = append(lines, line)
	}
	return lines
}

// statelessAnswer writes the response to a request that does not parse:
// its Via, From, To, Call-ID and CSeq headers copied as they came (a To
// without a tag gets one), no body. It returns nil for a request without
// a Via, which nobody could match an answer to.
func statelessAnswer(data []byte, code int, reason string) []byte {
	head, _, _ := cutHeader(data)
	lines := headerLines(head)
	if len(lines) < 2 {
		return nil
	}
	copied := map[string][]string{}
	for _, line := range lines[1:] {
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch canonical := headerNames[strings.ToLower(strings.TrimSpace(name))]; canonical {
		case "Via", "From", "To", "Call-ID", "CSeq":
			copied[canonical] = append(copied[canonical], strings.TrimSpace(value))
		}
	}
	if len(copied["Via"]) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("SIP/2.0 " + strconv.Itoa(code) + " " + reason + "\r\n")
	for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq"} {
		for i, value := range copied[name] {
			if name == "To" && i == 0 && !strings.Contains(strings.ToLower(value), "tag=") {
				value += ";tag=" + newTag()
			}
			b.WriteString(name + ": " + value + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return []byte(b.String())
}

func newTag() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
