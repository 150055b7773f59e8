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

	// Phones are the agent and supervisor phones that may REGISTER, with
	// digest authentication. None has a default password: an entry without
	// one is an error.
	Phones []Phone
	// Realm is the digest realm; default "tracecall".
	Realm string
	// MinExpires and MaxExpires bound the registration interval a phone may
	// ask for: shorter gets 423 Interval Too Brief, longer is cut to
	// MaxExpires. Defaults 60 s and 3600 s.
	MinExpires, MaxExpires time.Duration
	// OnPhone, when set, is called when a phone registers, moves, unregisters
	// or lets its registration lapse: how the ACD learns availability without
	// the bus. It must not block; it runs on SIP goroutines.
	OnPhone func(PhoneState)
	// Trunk is where Dial sends calls to numbers that are not phones
	// (callbacks), host:port. Empty: they are unavailable.
	Trunk string
	// DialTimeout bounds how long a dialled party may ring when
	// DialOptions.Timeout is zero; default 30 s.
	DialTimeout time.Duration
}

// Phone is one phone allowed to REGISTER: its SIP user and digest password.
type Phone struct {
	User     string
	Password string
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
	if c.Realm == "" {
		c.Realm = "tracecall"
	}
	if c.MinExpires <= 0 {
		c.MinExpires = 60 * time.Second
	}
	if c.MaxExpires <= 0 {
		c.MaxExpires = 3600 * time.Second
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 30 * time.Second
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
	if strings.ContainsAny(c.Realm, "\"\\\r\n") {
		return fmt.Errorf("sip: realm %q: no quotes, backslashes or line breaks", c.Realm)
	}
	if c.MinExpires > c.MaxExpires {
		return fmt.Errorf("sip: min expires %v above max expires %v", c.MinExpires, c.MaxExpires)
	}
	if c.Trunk != "" {
		if _, port, err := net.SplitHostPort(c.Trunk); err != nil || port == "" {
			return fmt.Errorf("sip: trunk %q: want host:port", c.Trunk)
		}
	}
	seen := make(map[string]bool, len(c.Phones))
	for i, p := range c.Phones {
		if p.User == "" || strings.ContainsAny(p.User, " \t\r\n@:;<>\"") {
			return fmt.Errorf("sip: phones[%d].user %q: want a SIP user name", i, p.User)
		}
		if seen[p.User] {
			return fmt.Errorf("sip: phones[%d].user %q: listed twice", i, p.User)
		}
		seen[p.User] = true
		if p.Password == "" {
			return fmt.Errorf("sip: phones[%d].password: missing for user %q (there is no default password)", i, p.User)
		}
	}
	return nil
}
