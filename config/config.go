package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"tracecall/acd"
	"tracecall/ivr"
)

// Config is the whole file.
type Config struct {
	Daemon Daemon     `toml:"daemon"`
	Trace  Trace      `toml:"trace"`
	Sim    Sim        `toml:"sim"`
	SIP    SIP        `toml:"sip"`
	TTS    TTS        `toml:"tts"`
	IVR    ivr.Config `toml:"ivr"`
	ACD    acd.Config `toml:"acd"`
}

// Daemon is the [daemon] section.
type Daemon struct {
	Timezone string `toml:"timezone"` // default Asia/Shanghai
	Language string `toml:"language"` // zh or en; default zh
}

// Trace is the [trace] section.
type Trace struct {
	CheckDigit      bool `toml:"check_digit"`
	RetailMinDigits int  `toml:"retail_min_digits"`
	RetailMaxDigits int  `toml:"retail_max_digits"`
	DemoChains      int  `toml:"demo_chains"`
}

// Sim is the [sim] section: simulated lines.
type Sim struct {
	Enabled     bool          `toml:"enabled"`
	Lines       int           `toml:"lines"`
	FirstNumber string        `toml:"first_number"`
	RingTimeout time.Duration `toml:"ring_timeout"`
	// Phones are simulated agent phones' extensions; AnswerAfter is how long
	// they ring before answering (negative: never).
	Phones      []string      `toml:"phones"`
	AnswerAfter time.Duration `toml:"answer_after"`
}

// SIP is the [sip] section: the SIP trunk listener. An empty Listen leaves
// SIP off (tracecalld -sip or -demo can still turn it on).
type SIP struct {
	Listen     string `toml:"listen"`       // host:port, UDP and TCP
	MediaIP    string `toml:"media_ip"`     // address in SDP; default: the listen host or the route to the caller
	RTPPortMin int    `toml:"rtp_port_min"` // even RTP ports from here...
	RTPPortMax int    `toml:"rtp_port_max"` // ...to here
	Prefer     string `toml:"prefer"`       // PCMA, PCMU or offer
	// Trunk is where calls to numbers that are not registered phones go
	// (callbacks), host:port; empty sends them nowhere.
	Trunk string `toml:"trunk"`
	// TrunkUser and TrunkPassword answer the trunk's digest challenge to
	// our INVITEs; empty sends them without credentials.
	TrunkUser     string `toml:"trunk_user"`
	TrunkPassword string `toml:"trunk_password"`
	// SourceRate is how many SIP messages a second one address may send
	// (after a burst of twice that) before the rest are dropped; 0 means
	// 1000, negative turns the limit off.
	SourceRate float64 `toml:"source_rate"`
	// Realm names the digest authentication realm; default "tracecall".
	Realm string `toml:"realm"`
	// MinExpires and MaxExpires clamp the registration interval phones ask
	// for; defaults 60 s and 3600 s.
	MinExpires time.Duration `toml:"min_expires"`
	MaxExpires time.Duration `toml:"max_expires"`
	// CompletedWait is how long a finished transaction is kept to answer
	// retransmissions of its request (RFC 3261 Timer J, RFC 6026 Timer L,
	// both 32 s over UDP there); default 5 s, 1 s to 32 s.
	CompletedWait time.Duration `toml:"completed_wait"`
	// Phones are the agent and supervisor phones that may REGISTER.
	Phones []Phone `toml:"phones"`
}

// Phone is one [[sip.phones]] entry: a SIP user and its digest password.
// There is no default password: an entry without one is an error.
type Phone struct {
	User     string `toml:"user"`
	Password string `toml:"password"`
}

// TTS is the [tts] section.
type TTS struct {
	Binary       string            `toml:"binary"`
	Speed        int               `toml:"speed"`
	Speeds       map[string]int    `toml:"speeds"`
	CacheEntries int               `toml:"cache_entries"`
	Voices       map[string]string `toml:"voices"`
}

// Default is the configuration of an empty file.
func Default() Config {
	return Config{
		Daemon: Daemon{Timezone: "Asia/Shanghai", Language: "zh"},
		Trace:  Trace{CheckDigit: true, RetailMinDigits: 20, RetailMaxDigits: 20, DemoChains: 3000},
		Sim:    Sim{Lines: 30, FirstNumber: "80000001", RingTimeout: 30 * time.Second},
		SIP:    SIP{RTPPortMin: 10000, RTPPortMax: 20000, Prefer: "PCMA"},
		TTS:    TTS{Binary: "espeak-ng", Speed: 150, CacheEntries: 4096},
	}
}

// Load reads and checks the file at path.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(string(b))
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// Parse reads and checks a file's contents.
func Parse(text string) (Config, error) {
	c := Default()
	md, err := toml.Decode(text, &c)
	if err != nil {
		return Config{}, err
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return Config{}, fmt.Errorf("unknown keys: %s", strings.Join(keys, ", "))
	}
	return c, c.Validate()
}

// Validate checks values that decode but make no sense.
func (c Config) Validate() error {
	var errs []error
	if _, err := c.Location(); err != nil {
		errs = append(errs, err)
	}
	if !slices.Contains([]string{"zh", "en"}, c.Daemon.Language) {
		errs = append(errs, fmt.Errorf("daemon.language: %q: want zh or en", c.Daemon.Language))
	}
	t := c.Trace
	if t.RetailMinDigits < 8 || t.RetailMaxDigits > 32 || t.RetailMinDigits > t.RetailMaxDigits {
		errs = append(errs, fmt.Errorf("trace.retail_min_digits/retail_max_digits: %d..%d: want 8 ≤ min ≤ max ≤ 32", t.RetailMinDigits, t.RetailMaxDigits))
	}
	if t.DemoChains < 0 {
		errs = append(errs, errors.New("trace.demo_chains: must not be negative"))
	}
	if c.Sim.Lines < 0 || c.Sim.Lines > 10000 {
		errs = append(errs, fmt.Errorf("sim.lines: %d: want 0..10000", c.Sim.Lines))
	}
	errs = append(errs, c.SIP.validate()...)
	if err := c.IVR.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := c.ACD.Validate(); err != nil {
		errs = append(errs, err)
	}
	// An IVR queue node may name a queue the file does not define: queues
	// run from the store and may be created in the panel. The daemon warns
	// at start about those that do not exist.
	return errors.Join(errs...)
}

func (s SIP) validate() []error {
	var errs []error
	if s.Listen != "" {
		host, port, err := net.SplitHostPort(s.Listen)
		if err != nil {
			errs = append(errs, fmt.Errorf("sip.listen: %q: want host:port", s.Listen))
		} else if _, perr := strconv.Atoi(port); perr != nil || (host != "" && net.ParseIP(host) == nil) {
			errs = append(errs, fmt.Errorf("sip.listen: %q: want an IP address and a port", s.Listen))
		}
	}
	if s.MediaIP != "" && net.ParseIP(s.MediaIP) == nil {
		errs = append(errs, fmt.Errorf("sip.media_ip: %q: not an IP address", s.MediaIP))
	}
	if s.RTPPortMin < 1024 || s.RTPPortMax > 65534 || s.RTPPortMax-s.RTPPortMin < 2 {
		errs = append(errs, fmt.Errorf("sip.rtp_port_min/rtp_port_max: %d..%d: want 1024 ≤ min < max ≤ 65534", s.RTPPortMin, s.RTPPortMax))
	}
	if !slices.Contains([]string{"PCMA", "PCMU", "offer"}, s.Prefer) {
		errs = append(errs, fmt.Errorf("sip.prefer: %q: want PCMA, PCMU or offer", s.Prefer))
	}
	if s.Trunk != "" {
		if _, port, err := net.SplitHostPort(s.Trunk); err != nil || port == "" {
			errs = append(errs, fmt.Errorf("sip.trunk: %q: want host:port", s.Trunk))
		}
	}
	if (s.TrunkUser != "" || s.TrunkPassword != "") && s.Trunk == "" {
		errs = append(errs, fmt.Errorf("sip.trunk_user/trunk_password: set without sip.trunk"))
	}
	if s.TrunkPassword != "" && s.TrunkUser == "" {
		errs = append(errs, fmt.Errorf("sip.trunk_password: set without sip.trunk_user"))
	}
	if strings.ContainsAny(s.TrunkUser, " \t\r\n@:;<>\"") {
		errs = append(errs, fmt.Errorf("sip.trunk_user: %q: want a SIP user name", s.TrunkUser))
	}
	if s.MinExpires < 0 || s.MaxExpires < 0 || (s.MaxExpires > 0 && s.MinExpires > s.MaxExpires) {
		errs = append(errs, fmt.Errorf("sip.min_expires/max_expires: %v..%v: want 0 ≤ min ≤ max", s.MinExpires, s.MaxExpires))
	}
	if s.CompletedWait != 0 && (s.CompletedWait < time.Second || s.CompletedWait > 32*time.Second) {
		errs = append(errs, fmt.Errorf("sip.completed_wait: %v: want 1s to 32s", s.CompletedWait))
	}
	seen := map[string]bool{}
	for i, p := range s.Phones {
		key := fmt.Sprintf("sip.phones[%d]", i)
		switch {
		case p.User == "" || strings.ContainsAny(p.User, " \t\r\n@:;<>\""):
			errs = append(errs, fmt.Errorf("%s.user: %q: want a SIP user name", key, p.User))
		case seen[p.User]:
			errs = append(errs, fmt.Errorf("%s.user: %q: listed twice", key, p.User))
		}
		seen[p.User] = true
		if p.Password == "" {
			errs = append(errs, fmt.Errorf("%s.password: missing for user %q (there is no default password)", key, p.User))
		}
	}
	return errs
}

// Location is the configured time zone.
func (c Config) Location() (*time.Location, error) {
	loc, err := time.LoadLocation(c.Daemon.Timezone)
	if err != nil {
		return nil, fmt.Errorf("daemon.timezone: %q: %w", c.Daemon.Timezone, err)
	}
	return loc, nil
}
