package sip

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"tracecall/telephony/media"
)

// sdp joins lines with CRLF, as offers come.
func sdp(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n") + "\r\n") }

// sippOffer is the offer of ../shared/sipp/uac-ivr.xml.
var sippOffer = sdp(
	"v=0",
	"o=ivrload 53655765 2353687637 IN IP4 127.0.0.1",
	"s=ivrload",
	"c=IN IP4 127.0.0.1",
	"t=0 0",
	"m=audio 6000 RTP/AVP 0 101",
	"a=rtpmap:0 PCMU/8000",
	"a=rtpmap:101 telephone-event/8000",
	"a=fmtp:101 0-16",
	"a=ptime:20",
	"a=sendrecv",
)

func TestParseSDP(t *testing.T) {
	s, err := parseSDP(sippOffer)
	if err != nil {
		t.Fatal(err)
	}
	if s.conn != "127.0.0.1" || len(s.media) != 1 {
		t.Fatalf("session = %+v", s)
	}
	m := s.media[0]
	if m.kind != "audio" || m.port != 6000 || m.proto != "RTP/AVP" || strings.Join(m.formats, " ") != "0 101" ||
		len(m.rtpmap) != 2 || m.fmtp[101] != "0-16" || m.ptime != 20 || m.dir != dirSendRecv {
		t.Errorf("media = %+v", m)
	}
}

func TestParseSDPErrors(t *testing.T) {
	tests := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"blank lines", []byte("\r\n\r\n")},
		{"no version first", sdp("o=x 1 1 IN IP4 1.2.3.4", "v=0")},
		{"version 1", sdp("v=1")},
		{"not type=value", sdp("v=0", "hello")},
		{"bad media port", sdp("v=0", "m=audio port RTP/AVP 0")},
		{"media port too big", sdp("v=0", "m=audio 70000 RTP/AVP 0")},
		{"media without formats", sdp("v=0", "m=audio 4000 RTP/AVP")},
		{"media with control bytes", sdp("v=0", "m=audio 4000 RTP/AVP 0\x01")},
		{"bad connection", sdp("v=0", "c=IN IP5 1.2.3.4")},
		{"connection without address", sdp("v=0", "c=IN IP4")},
		{"too big", append(sdp("v=0"), make([]byte, maxSDPSize)...)},
		{"too many media", sdp(append([]string{"v=0"}, strings.Split(strings.Repeat("m=audio 0 RTP/AVP 0\n", maxSDPMedia+1), "\n")...)...)},
		{"too many formats", sdp("v=0", "m=audio 4000 RTP/AVP"+strings.Repeat(" 0", maxSDPFormats+1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseSDP(tt.body); !errors.Is(err, errSDP) {
				t.Errorf("parseSDP = %v, want errSDP", err)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	const c = "c=IN IP4 192.0.2.10"
	tests := []struct {
		name    string
		prefer  string
		offer   []byte
		law     media.Law
		pt      uint8
		eventPT int
		index   int
		remote  string
		dir     string
		hold    bool
		wantErr error
	}{
		{name: "prefer pcma over the offer's order", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000"),
			law:   media.LawALaw, pt: 8, eventPT: 101, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "prefer pcmu", prefer: PreferPCMU,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 8 0"),
			law:   media.LawULaw, pt: 0, eventPT: -1, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "offer order: pcmu first", prefer: PreferOffer,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 0 8"),
			law:   media.LawULaw, pt: 0, eventPT: -1, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "offer order: pcma first", prefer: PreferOffer,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 18 8 0"),
			law:   media.LawALaw, pt: 8, eventPT: -1, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "preferred law missing: the other", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000"),
			law:   media.LawULaw, pt: 0, eventPT: 101, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "dynamic payload types keep their numbers", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 96 97", "a=rtpmap:96 pcma/8000", "a=rtpmap:97 Telephone-Event/8000"),
			law:   media.LawALaw, pt: 96, eventPT: 97, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "wideband events ignored", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 8 100", "a=rtpmap:100 telephone-event/16000"),
			law:   media.LawALaw, pt: 8, eventPT: -1, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "video first, audio second", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=video 5000 RTP/AVP 96", "m=audio 4000 RTP/AVP 8"),
			law:   media.LawALaw, pt: 8, eventPT: -1, index: 1, remote: "192.0.2.10:4000", dir: dirSendRecv},
		{name: "refused audio skipped", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 0 RTP/AVP 8", "m=audio 4002 RTP/AVP 8"),
			law:   media.LawALaw, pt: 8, eventPT: -1, index: 1, remote: "192.0.2.10:4002", dir: dirSendRecv},
		{name: "media address overrides session", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 8", "c=IN IP4 198.51.100.7", "a=rtcp:4009"),
			law:   media.LawALaw, pt: 8, eventPT: -1, remote: "198.51.100.7:4000", dir: dirSendRecv},
		{name: "session sendonly is hold", prefer: PreferPCMA,
			offer: sdp("v=0", c, "a=sendonly", "m=audio 4000 RTP/AVP 8"),
			law:   media.LawALaw, pt: 8, eventPT: -1, remote: "192.0.2.10:4000", dir: dirSendOnly, hold: true},
		{name: "media direction overrides session", prefer: PreferPCMA,
			offer: sdp("v=0", c, "a=sendonly", "m=audio 4000 RTP/AVP 8", "a=recvonly"),
			law:   media.LawALaw, pt: 8, eventPT: -1, remote: "192.0.2.10:4000", dir: dirRecvOnly},
		{name: "inactive is hold", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 8", "a=inactive"),
			law:   media.LawALaw, pt: 8, eventPT: -1, remote: "192.0.2.10:4000", dir: dirInactive, hold: true},
		{name: "old-style hold: 0.0.0.0", prefer: PreferPCMA,
			offer: sdp("v=0", "c=IN IP4 0.0.0.0", "m=audio 4000 RTP/AVP 8"),
			law:   media.LawALaw, pt: 8, eventPT: -1, dir: dirSendRecv, hold: true},
		{name: "ipv6", prefer: PreferPCMA,
			offer: sdp("v=0", "c=IN IP6 2001:db8::1", "m=audio 4000 RTP/AVP 8"),
			law:   media.LawALaw, pt: 8, eventPT: -1, remote: "[2001:db8::1]:4000", dir: dirSendRecv},
		{name: "g729 only", prefer: PreferPCMA, offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 18"), wantErr: errNoG711},
		{name: "pcma at 16 kHz is not g711", prefer: PreferPCMA,
			offer: sdp("v=0", c, "m=audio 4000 RTP/AVP 8", "a=rtpmap:8 PCMA/16000"), wantErr: errNoG711},
		{name: "srtp only", prefer: PreferPCMA, offer: sdp("v=0", c, "m=audio 4000 RTP/SAVP 8"), wantErr: errNoAudio},
		{name: "no media", prefer: PreferPCMA, offer: sdp("v=0", c), wantErr: errNoAudio},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSDP(tt.offer)
			if err != nil {
				t.Fatal(err)
			}
			oa, err := negotiate(s, tt.prefer)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("negotiate = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			remote := ""
			if oa.remote.IsValid() {
				remote = oa.remote.String()
			}
			if oa.law != tt.law || oa.audioPT != tt.pt || oa.eventPT != tt.eventPT || oa.index != tt.index ||
				remote != tt.remote || oa.dir != tt.dir || oa.hold() != tt.hold {
				t.Errorf("negotiate = %+v (remote %q, hold %v)", oa, remote, oa.hold())
			}
		})
	}
}

func TestWriteAnswer(t *testing.T) {
	s, err := parseSDP(sdp("v=0", "c=IN IP4 192.0.2.10", "m=video 5000 RTP/AVP 96",
		"m=audio 4000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=sendonly"))
	if err != nil {
		t.Fatal(err)
	}
	oa, err := negotiate(s, PreferPCMA)
	if err != nil {
		t.Fatal(err)
	}
	got := string(writeAnswer(s, oa, localMedia{ip: netip.MustParseAddr("203.0.113.5"), port: 10002, session: 42, version: 3}))
	want := string(sdp(
		"v=0",
		"o=tracecall 42 3 IN IP4 203.0.113.5",
		"s=tracecall",
		"c=IN IP4 203.0.113.5",
		"t=0 0",
		"m=video 0 RTP/AVP 96",
		"m=audio 10002 RTP/AVP 8 101",
		"a=rtpmap:8 PCMA/8000",
		"a=rtpmap:101 telephone-event/8000",
		"a=fmtp:101 0-16",
		"a=ptime:20",
		"a=recvonly",
	))
	if got != want {
		t.Errorf("answer:\n%s\nwant:\n%s", got, want)
	}
}

// FuzzParseSDP: no input panics, and an answer we write to an offer we take
// reads back as the same choice.
func FuzzParseSDP(f *testing.F) {
	f.Add(sippOffer)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseSDP(b)
		if err != nil {
			return
		}
		oa, err := negotiate(s, PreferPCMA)
		if err != nil {
			return
		}
		ans := writeAnswer(s, oa, localMedia{ip: netip.MustParseAddr("127.0.0.1"), port: 10000, session: 1, version: 1})
		back, err := parseSDP(ans)
		if err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, ans)
		}
		oa2, err := negotiate(back, PreferOffer)
		if err != nil {
			t.Fatalf("our answer does not negotiate: %v\n%s", err, ans)
		}
		if oa2.law != oa.law || oa2.audioPT != oa.audioPT || oa2.eventPT != oa.eventPT || oa2.index != oa.index {
			t.Fatalf("answer reads back as %+v, chose %+v\n%s", oa2, oa, ans)
		}
	})
}
