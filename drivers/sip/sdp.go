package sip

import (
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"tracecall/telephony/media"
)

// The SDP we read is the part of RFC 8866 an audio offer needs: c=, m=,
// a=rtpmap, a=fmtp, a=ptime, a=rtcp and the direction attributes. Everything
// else is skipped. Bounds keep a hostile body from costing more than a glance.
const (
	maxSDPSize    = 16 << 10
	maxSDPMedia   = 16
	maxSDPFormats = 64
)

// Stream directions (RFC 3264 section 5.1).
const (
	dirSendRecv = "sendrecv"
	dirSendOnly = "sendonly"
	dirRecvOnly = "recvonly"
	dirInactive = "inactive"
)

// sdpSession is a parsed session description.
type sdpSession struct {
	conn  string // session-level c= address, "" if none
	dir   string // session-level direction, "" if none
	media []sdpMedia
}

// sdpMedia is one m= section.
type sdpMedia struct {
	kind     string // audio, video, ...
	port     int
	proto    string   // RTP/AVP, RTP/SAVP, ...
	formats  []string // format tokens in the offerer's order
	conn     string   // media-level c= address, "" if none
	rtpmap   []rtpmap
	fmtp     map[int]string
	dir      string // media-level direction, "" if none
	ptime    int
	rtcpPort int // a=rtcp port, 0 if none
}

// rtpmap is one a=rtpmap attribute.
type rtpmap struct {
	pt   int
	name string // encoding name as written
	rate int
}

// parseSDP parses an SDP body. It never panics; anything it cannot read is an
// error wrapping errSDP.
func parseSDP(b []byte) (*sdpSession, error) {
	if len(b) > maxSDPSize {
		return nil, fmt.Errorf("%w: %d bytes", errSDP, len(b))
	}
	s := &sdpSession{}
	var cur *sdpMedia
	sawV := false
	for n, raw := range bytes.Split(b, []byte("\n")) {
		line := strings.TrimRight(string(raw), "\r")
		if line == "" {
			continue
		}
		if len(line) < 2 || line[1] != '=' {
			return nil, fmt.Errorf("%w: line %d: not type=value", errSDP, n+1)
		}
		typ, val := line[0], line[2:]
		if !sawV {
			if typ != 'v' || strings.TrimSpace(val) != "0" {
				return nil, fmt.Errorf("%w: does not start with v=0", errSDP)
			}
			sawV = true
			continue
		}
		switch typ {
		case 'c':
			addr, err := parseConnection(val)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %v", errSDP, n+1, err)
			}
			if cur != nil {
				cur.conn = addr
			} else {
				s.conn = addr
			}
		case 'm':
			if len(s.media) == maxSDPMedia {
				return nil, fmt.Errorf("%w: more than %d media", errSDP, maxSDPMedia)
			}
			m, err := parseMediaLine(val)
			if err != nil {
				return nil, fmt.Errorf("%w: line %d: %v", errSDP, n+1, err)
			}
			s.media = append(s.media, m)
			cur = &s.media[len(s.media)-1]
		case 'a':
			if cur != nil {
				cur.attribute(val)
			} else if isDirection(val) {
				s.dir = val
			}
		}
	}
	if !sawV {
		return nil, fmt.Errorf("%w: empty", errSDP)
	}
	return s, nil
}

// parseConnection reads "IN IP4 192.0.2.1[/ttl]" and returns the address text.
func parseConnection(v string) (string, error) {
	f := strings.Fields(v)
	if len(f) != 3 || f[0] != "IN" || (f[1] != "IP4" && f[1] != "IP6") {
		return "", fmt.Errorf("connection %q: want IN IP4|IP6 address", v)
	}
	addr, _, _ := strings.Cut(f[2], "/")
	if addr == "" {
		return "", fmt.Errorf("connection %q: empty address", v)
	}
	return addr, nil
}

// parseMediaLine reads "audio 49170[/2] RTP/AVP 0 8 101".
func parseMediaLine(v string) (sdpMedia, error) {
	f := strings.Fields(v)
	if len(f) < 4 {
		return sdpMedia{}, fmt.Errorf("media %q: want kind port proto formats", v)
	}
	portText, _, _ := strings.Cut(f[1], "/")
	port, err := strconv.Atoi(portText)
	if err != nil || port < 0 || port > 65535 {
		return sdpMedia{}, fmt.Errorf("media %q: bad port", v)
	}
	formats := f[3:]
	if len(formats) > maxSDPFormats {
		return sdpMedia{}, fmt.Errorf("media %q: more than %d formats", v, maxSDPFormats)
	}
	for _, tok := range f {
		if !isToken(tok) {
			return sdpMedia{}, fmt.Errorf("media %q: not a token: %q", v, tok)
		}
	}
	return sdpMedia{kind: f[0], port: port, proto: f[2], formats: formats}, nil
}

// attribute records one media-level a= line; malformed attributes are skipped.
func (m *sdpMedia) attribute(v string) {
	name, val, _ := strings.Cut(v, ":")
	switch {
	case isDirection(v):
		m.dir = v
	case name == "rtpmap":
		ptText, enc, ok := strings.Cut(val, " ")
		pt, err := strconv.Atoi(ptText)
		if !ok || err != nil || pt < 0 || pt > 127 || len(m.rtpmap) >= maxSDPFormats {
			return
		}
		encName, rest, _ := strings.Cut(strings.TrimSpace(enc), "/")
		rateText, _, _ := strings.Cut(rest, "/")
		rate, err := strconv.Atoi(rateText)
		if err != nil || encName == "" {
			return
		}
		m.rtpmap = append(m.rtpmap, rtpmap{pt: pt, name: encName, rate: rate})
	case name == "fmtp":
		ptText, params, ok := strings.Cut(val, " ")
		pt, err := strconv.Atoi(ptText)
		if !ok || err != nil || pt < 0 || pt > 127 {
			return
		}
		if m.fmtp == nil {
			m.fmtp = make(map[int]string)
		}
		if len(m.fmtp) < maxSDPFormats {
			m.fmtp[pt] = strings.TrimSpace(params)
		}
	case name == "ptime":
		if p, err := strconv.Atoi(strings.TrimSpace(val)); err == nil && p > 0 && p <= 1000 {
			m.ptime = p
		}
	case name == "rtcp":
		portText, _, _ := strings.Cut(strings.TrimSpace(val), " ")
		if p, err := strconv.Atoi(portText); err == nil && p > 0 && p <= 65535 {
			m.rtcpPort = p
		}
	}
}

// isToken reports whether s is visible ASCII, as SDP's tokens are; what we
// echo into an answer must be.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}

func isDirection(v string) bool {
	switch v {
	case dirSendRecv, dirSendOnly, dirRecvOnly, dirInactive:
		return true
	}
	return false
}

// encoding returns the encoding name and clock rate of payload type pt: from
// a=rtpmap when present, else from the static table for the two G.711 types.
func (m *sdpMedia) encoding(pt int) (string, int) {
	for _, r := range m.rtpmap {
		if r.pt == pt {
			return strings.ToUpper(r.name), r.rate
		}
	}
	switch pt {
	case 0:
		return "PCMU", 8000
	case 8:
		return "PCMA", 8000
	}
	return "", 0
}

// offerAnswer is what the driver takes from an offer: the stream it answers,
// the codec, the DTMF payload type and where to send.
type offerAnswer struct {
	index    int       // the m= line answered
	law      media.Law // G.711 law chosen
	audioPT  uint8     // its payload type
	eventPT  int       // telephone-event payload type, -1 if not offered
	eventFmt string    // the offer's fmtp for it
	remote   netip.AddrPort
	rtcpPort int    // a=rtcp, 0 for RTP port + 1
	dir      string // the offer's direction, from the offerer's side
	// signalling is the address the SDP's request or response came from:
	// the far end's RTP may come from it, at any port, as well as from
	// remote (a phone behind NAT; rtp.go's stream.fromFarEnd).
	signalling netip.Addr
}

// hold reports whether the offer puts the call on hold: the far end will not
// take our audio.
func (oa offerAnswer) hold() bool {
	return oa.dir == dirSendOnly || oa.dir == dirInactive || !oa.remote.IsValid()
}

// negotiate picks from offer the first audio stream with G.711: PCMA or PCMU
// as prefer says ("offer": whichever the offer lists first), and
// telephone-event/8000 with the offer's payload type when offered.
func negotiate(offer *sdpSession, prefer string) (offerAnswer, error) {
	sawAudio := false
	for i := range offer.media {
		m := &offer.media[i]
		if m.kind != "audio" || m.port == 0 || !strings.EqualFold(m.proto, "RTP/AVP") {
			continue
		}
		sawAudio = true
		oa := offerAnswer{index: i, eventPT: -1}
		var pcma, pcmu, first = -1, -1, -1
		for _, tok := range m.formats {
			pt, err := strconv.Atoi(tok)
			if err != nil || pt < 0 || pt > 127 {
				continue
			}
			name, rate := m.encoding(pt)
			switch {
			case rate != 8000:
			case name == "PCMA" && pcma < 0:
				pcma = pt
			case name == "PCMU" && pcmu < 0:
				pcmu = pt
			case name == "TELEPHONE-EVENT" && oa.eventPT < 0:
				oa.eventPT = pt
				oa.eventFmt = m.fmtp[pt]
			}
			if first < 0 && (pt == pcma || pt == pcmu) {
				first = pt
			}
		}
		switch {
		case first < 0:
			continue
		case prefer == PreferPCMA && pcma >= 0:
			oa.audioPT, oa.law = uint8(pcma), media.LawALaw
		case prefer == PreferPCMU && pcmu >= 0:
			oa.audioPT, oa.law = uint8(pcmu), media.LawULaw
		case first == pcma:
			oa.audioPT, oa.law = uint8(pcma), media.LawALaw
		default:
			oa.audioPT, oa.law = uint8(pcmu), media.LawULaw
		}
		conn := m.conn
		if conn == "" {
			conn = offer.conn
		}
		if a, err := netip.ParseAddr(conn); err == nil && !a.IsUnspecified() {
			oa.remote = netip.AddrPortFrom(a.Unmap(), uint16(m.port))
		}
		oa.rtcpPort = m.rtcpPort
		oa.dir = m.dir
		if oa.dir == "" {
			oa.dir = offer.dir
		}
		if oa.dir == "" {
			oa.dir = dirSendRecv
		}
		return oa, nil
	}
	if !sawAudio {
		return offerAnswer{}, errNoAudio
	}
	return offerAnswer{}, errNoG711
}

// answerDirection is the direction our answer takes for an offer's direction.
func answerDirection(offered string) string {
	switch offered {
	case dirSendOnly:
		return dirRecvOnly
	case dirRecvOnly:
		return dirSendOnly
	case dirInactive:
		return dirInactive
	}
	return dirSendRecv
}

// localMedia is our side of the answer.
type localMedia struct {
	ip      netip.Addr
	port    int
	session uint64 // o= session id
	version uint64 // o= version; bumped whenever the answer changes
}

// writeAnswer writes the SDP answer to offer for oa: every offered m= line in
// order, the chosen one with our port, codec and telephone-event, the others
// refused with port 0 (RFC 3264 section 6).
func writeAnswer(offer *sdpSession, oa offerAnswer, local localMedia) []byte {
	ipv := "IP4"
	if local.ip.Is6() {
		ipv = "IP6"
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "v=0\r\no=tracecall %d %d IN %s %s\r\ns=tracecall\r\nc=IN %s %s\r\nt=0 0\r\n",
		local.session, local.version, ipv, local.ip, ipv, local.ip)
	for i := range offer.media {
		m := &offer.media[i]
		if i != oa.index {
			f := "0"
			if len(m.formats) > 0 {
				f = m.formats[0]
			}
			fmt.Fprintf(&b, "m=%s 0 %s %s\r\n", m.kind, m.proto, f)
			continue
		}
		name := "PCMA"
		if oa.law == media.LawULaw {
			name = "PCMU"
		}
		if oa.eventPT >= 0 {
			fmt.Fprintf(&b, "m=audio %d RTP/AVP %d %d\r\n", local.port, oa.audioPT, oa.eventPT)
		} else {
			fmt.Fprintf(&b, "m=audio %d RTP/AVP %d\r\n", local.port, oa.audioPT)
		}
		fmt.Fprintf(&b, "a=rtpmap:%d %s/8000\r\n", oa.audioPT, name)
		if oa.eventPT >= 0 {
			fmt.Fprintf(&b, "a=rtpmap:%d telephone-event/8000\r\na=fmtp:%d 0-16\r\n", oa.eventPT, oa.eventPT)
		}
		fmt.Fprintf(&b, "a=ptime:20\r\na=%s\r\n", answerDirection(oa.dir))
	}
	return b.Bytes()
}
