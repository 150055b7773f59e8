package sip

import "errors"

// Errors. None is exported: callers of the driver see telephony's errors, and
// these name the SIP answer a request gets.
var (
	// errSDP is returned by parseSDP for a body that is not SDP (answered 400).
	errSDP = errors.New("sip: malformed sdp")
	// errNoAudio is returned by negotiate when the offer has no usable RTP/AVP
	// audio stream (answered 488).
	errNoAudio = errors.New("sip: no rtp audio offered")
	// errNoG711 is returned by negotiate when the audio stream offers neither
	// PCMA nor PCMU (answered 488).
	errNoG711 = errors.New("sip: neither pcma nor pcmu offered")
	// errMediaAddr is returned by checkMediaAddr for an SDP that points our
	// RTP somewhere we do not send it (answered 488).
	errMediaAddr = errors.New("sip: media address refused")
	// errNoPorts is returned when every RTP port pair of the range is taken
	// (answered 503).
	errNoPorts = errors.New("sip: no free rtp port")
	// errNoSockets is returned when an RTP socket cannot be opened for want
	// of file descriptors or memory, ports free or not (answered 503).
	errNoSockets = errors.New("sip: cannot open an rtp socket")
	// errBadInfo is returned by parseInfoDigit for a DTMF INFO body without a
	// key (answered 400).
	errBadInfo = errors.New("sip: dtmf info without a key")
	// errSourceLimited is returned by the transport filter for a TCP read
	// from a source over its rate, which makes sipgo close the connection.
	errSourceLimited = errors.New("sip: source over its message rate")
)
