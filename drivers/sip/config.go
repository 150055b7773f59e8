package sip

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	siplib "github.com/emiago/sipgo/sip"

	"tracecall/config"
	"tracecall/telephony/media/clock"
	"tracecall/throttle"
)

// Config configures the SIP driver; it is also the [sip] section of the
// config file, whose keys are the toml tags (fields tagged "-" are set by the
// daemon, not the file). The zero value of every field but Listen picks the
// default named on it, and Validate is the one check of it, for the file and
// for New alike.
type Config struct {
	// Name is the driver name and the prefix of its lines ("sip/1"); default "sip".
	Name string `toml:"-"`
	// Listen is the host:port the driver takes SIP on, over UDP and TCP alike,
	// e.g. "127.0.0.1:5060". Port 0 picks a free port (tests; see Driver.Addr).
	// New requires it; in the file, empty leaves SIP off.
	Listen string `toml:"listen"`
	// MediaIP is the address written into SDP for RTP. Default: the Listen host
	// when it is a specific address, else the local address that routes to the
	// caller's media address.
	MediaIP string `toml:"media_ip"`
	// RTPPortMin and RTPPortMax bound the even RTP ports (RTCP takes the odd port
	// above each); default 10000 and 20000.
	RTPPortMin int `toml:"rtp_port_min"`
	RTPPortMax int `toml:"rtp_port_max"`
	// Prefer is the G.711 law chosen when the offer has both: "PCMA" (default, as
	// on China's networks), "PCMU", or "offer" for the caller's order.
	Prefer string `toml:"prefer"`
	// MaxCalls bounds simultaneous calls; past it an INVITE gets 503. Default 1000.
	MaxCalls int `toml:"-"`
	// RingTimeout is how long an unanswered INVITE may ring before it gets 480;
	// default 60 s.
	RingTimeout time.Duration `toml:"-"`
	// UserAgent is sent in the User-Agent and Server headers; default "tracecall".
	UserAgent string `toml:"-"`

	// Phones are the agent and supervisor phones that may REGISTER, with
	// digest authentication. None has a default password: an entry without
	// one is an error.
	Phones []Phone `toml:"phones"`
	// PhoneBook, when set, holds more phones (the store's, added with
	// tracectl sip phone add): a user not in Phones is looked up there on
	// each REGISTER and Dial. Phones wins for a user in both.
	PhoneBook PhoneBook `toml:"-"`
	// Realm is the digest realm; default "tracecall".
	Realm string `toml:"realm"`
	// MinExpires and MaxExpires bound the registration interval a phone may
	// ask for: shorter gets 423 Interval Too Brief, longer is cut to
	// MaxExpires. Defaults 60 s and 3600 s.
	MinExpires time.Duration `toml:"min_expires"`
	MaxExpires time.Duration `toml:"max_expires"`
	// OnPhone, when set, is called when a phone registers, moves, unregisters
	// or lets its registration lapse: how the ACD learns availability without
	// the bus. It must not block; it runs on SIP goroutines.
	OnPhone func(PhoneState) `toml:"-"`
	// Clock is the core's media clock, which moves every answered call's
	// RTP (its owner runs it). Nil: the driver makes one of its own and
	// runs it while it serves (tests, tools).
	Clock *clock.Clock `toml:"-"`
	// Trunk is where Dial sends calls to numbers that are not phones
	// (callbacks), host:port. Empty: they are unavailable.
	Trunk string `toml:"trunk"`
	// TrunkUser and TrunkPassword answer the trunk's digest challenge (401
	// or 407) to our INVITEs; TrunkUser is also the From user of calls over
	// the trunk when DialOptions.From is empty. Empty: INVITEs go without
	// credentials, and a challenge fails the call.
	TrunkUser     string `toml:"trunk_user"`
	TrunkPassword string `toml:"trunk_password"`
	// DialTimeout bounds how long a dialled party may ring when
	// DialOptions.Timeout is zero; default 30 s.
	DialTimeout time.Duration `toml:"-"`

	// SourceRate bounds what one source IP address may send to the SIP
	// port, in messages a second (requests, responses and junk alike), once
	// it has used a burst of SourceBurst. Past it, its datagrams are dropped
	// unparsed (over TCP its connection is closed), logged once per 10 s
	// with the address; other sources and their calls are untouched.
	// Defaults 1000/s (a trunk at 140 new calls a second sends about 500)
	// and twice the rate; negative turns the limit off. The trunk's address
	// is never limited.
	SourceRate  float64 `toml:"source_rate"`
	SourceBurst float64 `toml:"-"`

	// SourceCalls, SourceCallRate, NetworkCalls and UnknownCalls bound the
	// calls of addresses that are not Peers (limit_calls.go): one address
	// may have SourceCalls calls at once (default 10, 1 % of the lines) and
	// start SourceCallRate a second after a burst of twice that (default 2;
	// re-INVITEs count too); the addresses of one /24 (IPv6: /64) together
	// NetworkCalls (default 50), and all of them together UnknownCalls
	// (default half of MaxCalls), so that Peers keep the rest. Past a limit
	// an INVITE is refused before it becomes a leg (no call record): 486
	// Busy Here when the calls at once are used up, 503 with Retry-After
	// when the rate is. Negative turns a limit off.
	SourceCalls    int     `toml:"source_calls"`
	SourceCallRate float64 `toml:"source_call_rate"`
	NetworkCalls   int     `toml:"network_calls"`
	UnknownCalls   int     `toml:"unknown_calls"`
	// TCPSourceConnections and TCPConnections bound the TCP connections to
	// the SIP port of addresses that are not Peers (or the trunk): one
	// address may hold TCPSourceConnections at once (default 16), all of
	// them together TCPConnections (default 512); past either, a new
	// connection is closed as it is accepted, counted and logged.
	// TCPMessageTimeout (default 10 s, 1 s to 5 min) is how long a
	// connection may take to bring its first complete message, and each
	// message from its first byte; between messages a connection may idle
	// for MaxExpires (tcp_guard.go). Negative turns a cap off.
	TCPSourceConnections int           `toml:"tcp_source_connections"`
	TCPConnections       int           `toml:"tcp_connections"`
	TCPMessageTimeout    time.Duration `toml:"tcp_message_timeout"`
	// Peers are the trunks and PBXs, by address or network, each with its
	// own limits ([[sip.peers]]). The Trunk's address is one, without
	// limits, unless a peer lists it.
	Peers []Peer `toml:"peers"`
	// TrustedPeers are addresses (an IP or a CIDR prefix) whose INVITEs are
	// believed about who calls: a PBX with the agents' phones behind it,
	// whose From is the extension that dialled. Their calls are verified
	// (telephony.LegInfo.FromVerified) and may dial every number, feature
	// codes included. Default none: a carrier trunk's From is whatever its
	// caller claims, so the trunk is not trusted unless listed here.
	TrustedPeers []string `toml:"trusted_peers"`
	// MediaNetworks are networks (an IP or a CIDR prefix) an SDP offer or
	// answer may point our RTP at besides the address its signalling came
	// from: a trunk's media gateways, the phones behind a trusted PBX. Any
	// other address (and broadcast, multicast, or loopback named by a
	// remote peer, whatever this says) gets 488 Not Acceptable Here, so the
	// appliance cannot be made to send RTP at a third party. Default none.
	MediaNetworks []string `toml:"media_networks"`
	// DialPlan, when set, says which dialled numbers callers the driver
	// cannot vouch for may reach (the daemon passes the IVR's routes). An
	// INVITE that is neither authenticated nor from a trusted peer gets 404
	// for a number the plan does not route and 403 for one it keeps
	// private, before any leg exists. Nil: every number is public, and the
	// handler decides.
	DialPlan DialPlan `toml:"-"`
	// DigestThrottle is the curve that slows down password guessing, per
	// source address and per account, for REGISTER and INVITE alike
	// (guess.go). Zero: throttle's defaults (3 free failures, then 1 s
	// doubling to 5 min).
	DigestThrottle throttle.Config `toml:"-"`

	// CompletedWait is how long a finished server transaction is kept to
	// answer retransmissions of its request over UDP: a BYE's (RFC 3261
	// Timer J) and an answered INVITE's (RFC 6026 Timer L), both 64×T1 =
	// 32 s in the RFCs, sized for any network. Default 5 s; 1 s to 32 s.
	//
	// On the LAN between a PBX and the appliance a retransmission comes
	// within a second or two; SIP servers keep such transactions for a few
	// seconds (Kamailio's wt_timer: 5 s). At 100 calls a second, 32 s held
	// ~7,000 finished transactions with their messages (sipgo keeps an
	// INVITE's for Timer L even after the call ends), ~20 MB of the heap at
	// 800 calls. A BYE retransmitted later is answered 481 (the call is over
	// either way); an INVITE retransmitted later is dropped (seenInvites);
	// an ACK that comes later is still waited for, 64×T1 as RFC 3261 says
	// (leg.lateAck).
	//
	// The timers are sipgo's, shared by the whole process: New sets them,
	// so drivers in one process should agree on this (the daemon runs one).
	CompletedWait time.Duration `toml:"completed_wait"`
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

// Phone is one phone allowed to REGISTER, a [[sip.phones]] entry: its SIP
// user and digest password.
type Phone struct {
	User     string `toml:"user"`
	Password string `toml:"password"`
}

// Codec preferences.
const (
	PreferPCMA  = "PCMA"
	PreferPCMU  = "PCMU"
	PreferOffer = "offer"
)

// Defaults and limits.
const (
	// DefaultCompletedWait is the CompletedWait of a zero Config.
	DefaultCompletedWait = 5 * time.Second
	// maxCompletedWait is the RFCs' 64×T1.
	maxCompletedWait = 32 * time.Second
	// Defaults and bound of the TCP connection limits (tcp_guard.go).
	defaultTCPSourceConnections = 16
	defaultTCPConnections       = 512
	defaultTCPMessageTimeout    = 10 * time.Second
	maxTCPMessageTimeout        = 5 * time.Minute
)

// withDefaults fills in the zero fields and checks the result.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		c.Name = "sip"
	}
	if c.RTPPortMin == 0 {
		c.RTPPortMin = 10000
	}
	if c.RTPPortMax == 0 {
		c.RTPPortMax = 20000
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
	if c.MinExpires == 0 {
		c.MinExpires = 60 * time.Second
	}
	if c.MaxExpires == 0 {
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
	if c.CompletedWait == 0 {
		c.CompletedWait = DefaultCompletedWait
	}
	if c.TCPSourceConnections == 0 {
		c.TCPSourceConnections = defaultTCPSourceConnections
	}
	if c.TCPConnections == 0 {
		c.TCPConnections = defaultTCPConnections
	}
	if c.TCPMessageTimeout == 0 {
		c.TCPMessageTimeout = defaultTCPMessageTimeout
	}
	c.limitDefaults()
	return c, c.validate()
}

// Validate checks the [sip] section as New takes it, defaults applied, and
// returns every problem found, each naming its key ("sip.rtp_port_min"). An
// empty Listen passes: in the file it leaves SIP off; New requires one.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// validate is Validate on a Config with its defaults in.
func (c Config) validate() error {
	problems := config.Problems{Section: "sip"}
	if c.Listen != "" {
		if err := checkHostPort(c.Listen, true); err != nil {
			problems.Add("listen", "%q: %v", c.Listen, err)
		}
	}
	if c.MediaIP != "" {
		if _, err := netip.ParseAddr(c.MediaIP); err != nil {
			problems.Add("media_ip", "%q: not an IP address", c.MediaIP)
		}
	}
	if c.RTPPortMin < 1024 || c.RTPPortMax > 65534 || c.RTPPortMax-c.RTPPortMin < 2 {
		problems.Add("rtp_port_min/rtp_port_max", "%d..%d: want 1024 ≤ min < max ≤ 65534 with room for a pair", c.RTPPortMin, c.RTPPortMax)
	}
	switch c.Prefer {
	case PreferPCMA, PreferPCMU, PreferOffer:
	default:
		problems.Add("prefer", "%q: want %s, %s or %s", c.Prefer, PreferPCMA, PreferPCMU, PreferOffer)
	}
	if strings.ContainsAny(c.UserAgent, "\r\n") {
		problems.Add("user_agent", "%q: must be one line", c.UserAgent)
	}
	if strings.ContainsAny(c.Realm, "\"\\\r\n") {
		problems.Add("realm", "%q: no quotes, backslashes or line breaks", c.Realm)
	}
	if c.MinExpires < 0 || c.MaxExpires < 0 || c.MinExpires > c.MaxExpires {
		problems.Add("min_expires/max_expires", "%v..%v: want 0 < min ≤ max (defaults 1m0s and 1h0m0s)", c.MinExpires, c.MaxExpires)
	}
	if c.TCPMessageTimeout < time.Second || c.TCPMessageTimeout > maxTCPMessageTimeout {
		problems.Add("tcp_message_timeout", "%v: want 1s to %v", c.TCPMessageTimeout, maxTCPMessageTimeout)
	}
	if c.CompletedWait < time.Second || c.CompletedWait > maxCompletedWait {
		problems.Add("completed_wait", "%v: want 1s to %v", c.CompletedWait, maxCompletedWait)
	}
	if c.Trunk != "" {
		if err := checkHostPort(c.Trunk, false); err != nil {
			problems.Add("trunk", "%q: %v", c.Trunk, err)
		}
	}
	if (c.TrunkUser != "" || c.TrunkPassword != "") && c.Trunk == "" {
		problems.Add("trunk_user/trunk_password", "set without a trunk (sip.trunk)")
	}
	if c.TrunkPassword != "" && c.TrunkUser == "" {
		problems.Add("trunk_password", "set without sip.trunk_user")
	}
	if strings.ContainsAny(c.TrunkUser, sipUserNot) {
		problems.Add("trunk_user", "%q: want a SIP user name", c.TrunkUser)
	}
	if !finite(c.SourceRate) {
		problems.Add("source_rate", "%v: want a number", c.SourceRate)
	}
	if !finite(c.SourceBurst) {
		problems.Add("source_burst", "%v: want a number", c.SourceBurst)
	}
	c.validateLimits(&problems)
	for i, p := range c.TrustedPeers {
		if _, err := parsePeerAddress(p); err != nil {
			problems.Add(fmt.Sprintf("trusted_peers[%d]", i), "%q: %v", p, err)
		}
	}
	for i, p := range c.MediaNetworks {
		if _, err := parsePeerAddress(p); err != nil {
			problems.Add(fmt.Sprintf("media_networks[%d]", i), "%q: %v", p, err)
		}
	}
	seen := make(map[string]bool, len(c.Phones))
	for i, p := range c.Phones {
		key := fmt.Sprintf("phones[%d]", i)
		switch {
		case p.User == "" || strings.ContainsAny(p.User, sipUserNot):
			problems.Add(key+".user", "%q: want a SIP user name", p.User)
		case seen[p.User]:
			problems.Add(key+".user", "%q: listed twice", p.User)
		}
		seen[p.User] = true
		if p.Password == "" {
			problems.Add(key+".password", "missing for user %q (there is no default password)", p.User)
		}
	}
	return problems.Err()
}

// sipUserNot are the characters a SIP user name in our config may not have.
const sipUserNot = " \t\r\n@:;<>\""

// checkHostPort checks a host:port with a numeric port; ipOnly requires the
// host to be an IP address or empty (a listen address).
func checkHostPort(s string, ipOnly bool) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("want host:port")
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 || (!ipOnly && p == 0) {
		return fmt.Errorf("port %q: want 1..65535", port)
	}
	switch {
	case ipOnly && host == "":
	case ipOnly:
		if _, err := netip.ParseAddr(host); err != nil {
			return fmt.Errorf("host %q: want an IP address", host)
		}
	case host == "":
		return errors.New("want host:port")
	}
	return nil
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// setCompletedWait sets sipgo's timers J and L, which are process-wide, to
// d (see Config.CompletedWait). It writes only when they differ, so drivers
// that agree never write while another one's transactions read them.
func setCompletedWait(d time.Duration) {
	timersMu.Lock()
	defer timersMu.Unlock()
	if siplib.Timer_J != d || siplib.Timer_L != d {
		siplib.Timer_J = d
		siplib.Timer_L = d
	}
}

// timersMu serialises setCompletedWait between drivers made at once.
var timersMu sync.Mutex
