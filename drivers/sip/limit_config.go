package sip

import (
	"fmt"
	"net/netip"
	"strings"

	"tracecall/config"
)

// Peer is a known SIP peer, a [[sip.peers]] entry: a trunk (the carrier's
// border controller) or a PBX, which sends many callers' calls from one
// address or network. Calls from its addresses are held to its own limits
// instead of the small share an unknown address gets, and its messages are
// not held to source_rate. List trunks and PBXs here, not networks of phones:
// every address in Addresses shares the peer's limits.
type Peer struct {
	// Name names the peer in logs and on the panel ("carrier", "pbx").
	Name string `toml:"name"`
	// Addresses are its IP addresses or networks in CIDR form
	// ("203.0.113.10", "198.51.100.0/28").
	Addresses []string `toml:"addresses"`
	// Calls bounds its calls at once; 0: only the driver's line count.
	Calls int `toml:"calls"`
	// CallRate bounds the new calls (and offers within calls: re-INVITEs)
	// it may start a second, after a burst of twice that; 0: no bound.
	CallRate float64 `toml:"call_rate"`
}

// Defaults of the call limits for addresses that are not peers: a single
// unknown address gets 1 % of the 1,000 lines, a network of them 5 %, and
// all of them together half, so that the trunk, the PBX and the phones named
// in [[sip.peers]] keep the other half whatever strangers send.
const (
	defaultSourceCalls    = 10
	defaultSourceCallRate = 2
	defaultNetworkCalls   = 50
)

// limitDefaults fills in the zero call limits; negative ones stay, as "off".
func (c *Config) limitDefaults() {
	if c.SourceCalls == 0 {
		c.SourceCalls = defaultSourceCalls
	}
	if c.SourceCallRate == 0 {
		c.SourceCallRate = defaultSourceCallRate
	}
	if c.NetworkCalls == 0 {
		c.NetworkCalls = defaultNetworkCalls
	}
	if c.UnknownCalls == 0 {
		c.UnknownCalls = max(c.MaxCalls/2, 1)
	}
}

// validateLimits checks the call limits and [[sip.peers]].
func (c Config) validateLimits(problems *config.Problems) {
	if !finite(c.SourceCallRate) {
		problems.Add("source_call_rate", "%v: want a number", c.SourceCallRate)
	}
	names := map[string]bool{}
	for i, p := range c.Peers {
		key := fmt.Sprintf("peers[%d]", i)
		switch {
		case p.Name == "" || strings.ContainsAny(p.Name, "\r\n\""):
			problems.Add(key+".name", "%q: want a name for logs and the panel", p.Name)
		case names[p.Name]:
			problems.Add(key+".name", "%q: listed twice", p.Name)
		}
		names[p.Name] = true
		if len(p.Addresses) == 0 {
			problems.Add(key+".addresses", "empty: want the peer's IP addresses or networks (\"203.0.113.10\", \"198.51.100.0/28\")")
		}
		for j, a := range p.Addresses {
			if _, err := parsePeerAddress(a); err != nil {
				problems.Add(fmt.Sprintf("%s.addresses[%d]", key, j), "%q: %v", a, err)
			}
		}
		if p.Calls < 0 {
			problems.Add(key+".calls", "%d: want 0 (no limit of its own) or more", p.Calls)
		}
		if !finite(p.CallRate) || p.CallRate < 0 {
			problems.Add(key+".call_rate", "%v: want 0 (no limit) or more new calls a second", p.CallRate)
		}
	}
}

// parsePeerAddress reads an IP address or a CIDR network as a prefix.
func parsePeerAddress(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("want an IP address or a network such as 198.51.100.0/28")
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("want an IP address or a network such as 198.51.100.0/28")
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}
