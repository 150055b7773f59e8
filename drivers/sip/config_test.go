package sip_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"tracecall/config/configtest"
	"tracecall/drivers/sip"
)

// TestConfigValidate: Validate is the one check of the [sip] section, made
// with the defaults in, so what the file accepts New accepts. The cases
// marked "was:" are where the config package's own copy of this check and
// the driver's disagreed: the file passed and the daemon failed at start, or
// the file was refused for what the driver would have defaulted.
func TestConfigValidate(t *testing.T) {
	phone := func(user, pw string) []sip.Phone { return []sip.Phone{{User: user, Password: pw}} }
	tests := []struct {
		name string
		cfg  sip.Config
		want string // a key the error names; "" for none
	}{
		{"zero: SIP off", sip.Config{}, ""},
		{"listen on all addresses", sip.Config{Listen: ":5060"}, ""},
		{"listen port 0", sip.Config{Listen: "127.0.0.1:0"}, ""},
		{"listen on IPv6", sip.Config{Listen: "[::1]:5060"}, ""},
		{"listen without port", sip.Config{Listen: "127.0.0.1"}, "sip.listen"},
		{"listen on a name", sip.Config{Listen: "localhost:5060"}, "sip.listen"},
		{"was: listen port past 65535", sip.Config{Listen: "127.0.0.1:70000"}, "sip.listen"},
		{"media_ip not an address", sip.Config{MediaIP: "example.com"}, "sip.media_ip"},
		{"was: rtp_port_max alone", sip.Config{RTPPortMax: 30000}, ""},
		{"rtp_port_min alone above the default max", sip.Config{RTPPortMin: 30000}, "sip.rtp_port_min/rtp_port_max"},
		{"rtp ports below 1024", sip.Config{RTPPortMin: 80, RTPPortMax: 2000}, "sip.rtp_port_min/rtp_port_max"},
		{"rtp ports with no pair between", sip.Config{RTPPortMin: 10000, RTPPortMax: 10001}, "sip.rtp_port_min/rtp_port_max"},
		{"prefer offer", sip.Config{Prefer: sip.PreferOffer}, ""},
		{"prefer lower case", sip.Config{Prefer: "pcma"}, "sip.prefer"},
		{"was: realm with a quote", sip.Config{Realm: `a"b`}, "sip.realm"},
		{"was: min_expires above the default max", sip.Config{MinExpires: 2 * time.Hour}, "sip.min_expires/max_expires"},
		{"min_expires above max_expires", sip.Config{MinExpires: time.Hour, MaxExpires: time.Minute}, "sip.min_expires/max_expires"},
		{"was: negative max_expires", sip.Config{MaxExpires: -time.Second}, "sip.min_expires/max_expires"},
		{"completed_wait 32s", sip.Config{CompletedWait: 32 * time.Second}, ""},
		{"was: completed_wait under a second", sip.Config{CompletedWait: 500 * time.Millisecond}, "sip.completed_wait"},
		{"was: completed_wait over the RFC's 32 s", sip.Config{CompletedWait: time.Minute}, "sip.completed_wait"},
		{"tcp_message_timeout under a second", sip.Config{TCPMessageTimeout: 500 * time.Millisecond}, "sip.tcp_message_timeout"},
		{"tcp_message_timeout over 5 min", sip.Config{TCPMessageTimeout: time.Hour}, "sip.tcp_message_timeout"},
		{"tcp caps off", sip.Config{TCPSourceConnections: -1, TCPConnections: -1}, ""},
		{"trunk by name", sip.Config{Trunk: "pbx.example:5060"}, ""},
		{"trunk without port", sip.Config{Trunk: "nohost"}, "sip.trunk"},
		{"was: trunk with a port that is no number", sip.Config{Trunk: "pbx:sip"}, "sip.trunk"},
		{"trunk credentials", sip.Config{Trunk: "192.0.2.10:5060", TrunkUser: "tracecall", TrunkPassword: "s3cret"}, ""},
		{"credentials without a trunk", sip.Config{TrunkUser: "tracecall"}, "sip.trunk_user/trunk_password"},
		{"password without a user", sip.Config{Trunk: "192.0.2.10:5060", TrunkPassword: "s3cret"}, "sip.trunk_password"},
		{"user that is not a SIP user", sip.Config{Trunk: "192.0.2.10:5060", TrunkUser: "a b@c"}, "sip.trunk_user"},
		{"source_rate off", sip.Config{SourceRate: -1}, ""},
		{"was: source_rate nan", sip.Config{SourceRate: math.NaN()}, "sip.source_rate"},
		{"was: source_rate inf", sip.Config{SourceRate: math.Inf(1)}, "sip.source_rate"},
		{"trusted peers and media networks", sip.Config{TrustedPeers: []string{"192.0.2.10", "10.1.0.0/16", "fd00::/64"}, MediaNetworks: []string{"192.0.2.0/24"}}, ""},
		{"trusted peer by name", sip.Config{TrustedPeers: []string{"pbx.example"}}, "sip.trusted_peers[0]"},
		{"trusted peer prefix too long", sip.Config{TrustedPeers: []string{"10.0.0.0/40"}}, "sip.trusted_peers[0]"},
		{"media network not a prefix", sip.Config{MediaNetworks: []string{"192.0.2.0/24", "192.0.2.0-255"}}, "sip.media_networks[1]"},
		{"phone", sip.Config{Phones: phone("8001", "pw")}, ""},
		{"phone without password", sip.Config{Phones: phone("8001", "")}, `sip.phones[0].password: missing for user "8001"`},
		{"phone without user", sip.Config{Phones: phone("", "pw")}, "sip.phones[0].user"},
		{"phone twice", sip.Config{Phones: append(phone("8001", "x"), phone("8001", "y")...)}, `sip.phones[1].user: "8001": listed twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			configtest.Check(t, err, tt.want)
		})
	}
}

// TestConfigValidateNamesEveryProblem: one look at the errors tells the
// installer everything wrong with the section, not the first thing.
func TestConfigValidateNamesEveryProblem(t *testing.T) {
	err := sip.Config{Listen: "x", Prefer: "opus", Phones: []sip.Phone{{User: "8001"}}}.Validate()
	for _, key := range []string{"sip.listen", "sip.prefer", "sip.phones[0].password"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("Validate() = %v, want it to name %s", err, key)
		}
	}
}

// TestNewWantsListen: the file may leave SIP off with an empty listen, but a
// driver needs an address.
func TestNewWantsListen(t *testing.T) {
	if _, err := sip.New(sip.Config{}, nil, nil); err == nil || !strings.Contains(err.Error(), "sip.listen") {
		t.Errorf("New(Config{}) = %v, want an error naming sip.listen", err)
	}
}
