package sip

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config configures the SIP driver. Only Listen is required; the zero value of
// every other field picks the default named on it.
type Config struct {
	// Name is the driver name and the prefix of its lines ("sip/1"); default "sip".
	Name string
	// Listen is the host:port the driver takes SIP on, over UDP and TCP alike,
	// e.g. "127.0.0.1:5060". Port 0 picks a free port (tests; see Driver.Addr).
	Listen string
	// MediaIP is the address written into SDP for RTP. Default: the Listen host
	// when it is a specific address, else the local address that routes to the
	// caller's media address.
	MediaIP string
	// RTPPortMin and RTPPortMax bound the even RTP ports (RTCP takes the odd port
	// above each); default 10000 to 20000.
	RTPPortMin, RTPPortMax int
	// Prefer is the G.711 law chosen when the offer has both: "PCMA" (default, as
	// on China's networks), "PCMU", or "offer" for the caller's order.
	Prefer string
	// MaxCalls bounds simultaneous calls; past it an INVITE gets 503. Default 1000.
	MaxCalls int
	// RingTimeout is how long an unanswered INVITE may ring before it gets 480;
	// default 60 s.
	RingTimeout time.Duration
	// UserAgent is sent in the User-Agent and Server headers; default "tracecall".
	UserAgent string
}

// Codec preferences.
const (
	PreferPCMA  = "PCMA"
	PreferPCMU  = "PCMU"
	PreferOffer = "offer"
)

func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		c.Name = "sip"
	}
	if c.RTPPortMin == 0 && c.RTPPortMax == 0 {
		c.RTPPortMin, c.RTPPortMax = 10000, 20000
	}
	if c.Prefer == "" {
		c.Prefer = PreferPCMA
	}
	if c.MaxCalls <= 0 {
		c.MaxCalls = 1000
	}
	if c.RingTimeout <= 0 {
		c.RingTimeout = 60 * time.Second
	}
	if c.UserAgent == "" {
		c.UserAgent = "tracecall"
	}
	return c, c.validate()
}

func (c Config) validate() error {
	host, port, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("sip: listen %q: want host:port: %w", c.Listen, err)
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("sip: listen %q: host must be an IP address", c.Listen)
		}
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("sip: listen %q: bad port", c.Listen)
	}
	if c.MediaIP != "" {
		if _, err := netip.ParseAddr(c.MediaIP); err != nil {
			return fmt.Errorf("sip: media_ip %q: not an IP address", c.MediaIP)
		}
	}
	if c.RTPPortMin < 1024 || c.RTPPortMax > 65534 || c.RTPPortMax-c.RTPPortMin < 2 {
		return fmt.Errorf("sip: rtp ports %d..%d: want 1024 ≤ min < max ≤ 65534 with room for a pair", c.RTPPortMin, c.RTPPortMax)
	}
	switch c.Prefer {
	case PreferPCMA, PreferPCMU, PreferOffer:
	default:
		return fmt.Errorf("sip: prefer %q: want %s, %s or %s", c.Prefer, PreferPCMA, PreferPCMU, PreferOffer)
	}
	if strings.ContainsAny(c.UserAgent, "\r\n") {
		return fmt.Errorf("sip: user agent %q: must be one line", c.UserAgent)
	}
	return nil
}
