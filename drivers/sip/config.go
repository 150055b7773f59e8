package sip

import (
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	siplib "github.com/emiago/sipgo/sip"

	"tracecall/telephony/media/clock"
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
	// PhoneBook, when set, holds more phones (the store's, added with
	// tracectl sip phone add): a user not in Phones is looked up there on
	// each REGISTER and Dial. Phones wins for a user in both.
	PhoneBook PhoneBook
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
	// Clock is the core's media clock, which moves every answered call's
	// RTP (its owner runs it). Nil: the driver makes one of its own and
	// runs it while it serves (tests, tools).
	Clock *clock.Clock
	// Trunk is where Dial sends calls to numbers that are not phones
	// (callbacks), host:port. Empty: they are unavailable.
	Trunk string
	// TrunkUser and TrunkPassword answer the trunk's digest challenge (401
	// or 407) to our INVITEs; TrunkUser is also the From user of calls over
	// the trunk when DialOptions.From is empty. Empty: INVITEs go without
	// credentials, and a challenge fails the call.
	TrunkUser, TrunkPassword string
	// DialTimeout bounds how long a dialled party may ring when
	// DialOptions.Timeout is zero; default 30 s.
	DialTimeout time.Duration

	// SourceRate bounds what one source IP address may send to the SIP
	// port, in messages a second (requests, responses and junk alike), once
	// it has used a burst of SourceBurst. Past it, its datagrams are dropped
	// unparsed (over TCP its connection is closed), logged once per 10 s
	// with the address; other sources and their calls are untouched.
	// Defaults 1000/s (a trunk at 140 new calls a second sends about 500)
	// and twice the rate; negative turns the limit off. The trunk's address
	// is never limited.
	SourceRate  float64
	SourceBurst float64
}

// PhoneBook looks up phones kept outside the config file. *store.DB is one.
// It must be safe for concurrent use and quick: a REGISTER waits for it.
type PhoneBook interface {
	// SIPPhonePassword returns user's digest password; ok is false for a
	// user it does not know.
	SIPPhonePassword(user string) (password string, ok bool, err error)
	// SIPPhoneUsers lists its users, for Driver.Phones.
	SIPPhoneUsers() ([]string, error)
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
	if c.SourceRate == 0 {
		c.SourceRate = 1000
	}
	if c.SourceBurst <= 0 {
		c.SourceBurst = 2 * max(c.SourceRate, 1)
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
	if math.IsNaN(c.SourceRate) || math.IsInf(c.SourceRate, 0) || math.IsNaN(c.SourceBurst) || math.IsInf(c.SourceBurst, 0) {
		return fmt.Errorf("sip: source_rate %v, burst %v: want finite numbers", c.SourceRate, c.SourceBurst)
	}
	if (c.TrunkUser != "" || c.TrunkPassword != "") && c.Trunk == "" {
		return fmt.Errorf("sip: trunk_user/trunk_password: set without a trunk")
	}
	if c.TrunkPassword != "" && c.TrunkUser == "" {
		return fmt.Errorf("sip: trunk_password: set without trunk_user")
	}
	if strings.ContainsAny(c.TrunkUser, " \t\r\n@:;<>\"") {
		return fmt.Errorf("sip: trunk_user %q: want a SIP user name", c.TrunkUser)
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

// DefaultCompletedWait is how long a finished transaction is kept when the
// configuration does not say (see SetCompletedWait).
const DefaultCompletedWait = 5 * time.Second

// SetCompletedWait sets how long a finished server transaction is kept to
// answer retransmissions of its request over UDP: a BYE's (RFC 3261 Timer J)
// and an answered INVITE's (RFC 6026 Timer L), both 64×T1 = 32 s in the RFCs,
// sized for any network. On the LAN between a PBX and the appliance a
// retransmission comes within a second or two; SIP servers keep such
// transactions for a few seconds (Kamailio's wt_timer: 5 s). At 100 calls a
// second, 32 s held ~7,000 finished transactions with their messages (sipgo
// keeps an INVITE's for Timer L even after the call ends), ~20 MB of the
// heap at 800 calls. A BYE retransmitted later is answered 481 (the call is
// over either way); an INVITE retransmitted later is dropped (seenInvites);
// an ACK that comes later is still waited for, 64×T1 as RFC 3261 says
// (leg.lateAck).
//
// The timers are sipgo's, shared by the whole process: call it once, before
// any driver starts. Zero means DefaultCompletedWait.
func SetCompletedWait(d time.Duration) {
	if d <= 0 {
		d = DefaultCompletedWait
	}
	siplib.Timer_J = d
	siplib.Timer_L = d
}
