package sip

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"tracecall/telephony/media"
)

// Records of FuzzRTPPackets' input: a flags byte, a 2-byte length and that
// many bytes of datagram. Flags: rtpFromElsewhere sends it from an address
// other than the far end's; rtpPlayout runs a playout tick after it.
const (
	rtpFromElsewhere = 1 << 0
	rtpPlayout       = 1 << 7
)

// rtpRecords writes packets as FuzzRTPPackets reads them, each followed by
// a playout tick.
func rtpRecords(pkts ...[]byte) []byte {
	var b []byte
	for _, p := range pkts {
		b = append(b, rtpPlayout, byte(len(p)>>8), byte(len(p)))
		b = append(b, p...)
	}
	return b
}

// FuzzRTPPackets feeds a call's receive path, the one the media clock runs
// (packet for each datagram, playout each tick), with what a far end or
// anyone else can send to its port: audio, RFC 4733 events and garbage,
// from the far end and from elsewhere, in any order. Nothing panics; every
// key queued is a DTMF key heard as an event or a tone; each datagram is
// counted once, as received or dropped; playout hands the app one frame per
// tick in sequence.
func FuzzRTPPackets(f *testing.F) {
	far := netip.MustParseAddrPort("127.0.0.1:4000")
	seedStream := newStreamState(offerAnswer{law: media.LawALaw, audioPT: 8, eventPT: 101, remote: far, dir: dirSendRecv})
	tones := inbandKeys(f, "15#")
	var audio [][]byte
	for n := range tones {
		audio = append(audio, packetOf(f, seedStream, n, &tones[n]))
	}
	f.Add(rtpRecords(audio...))
	press := [][]byte{
		eventPacket(f, 1, 800, true, []byte{5, 10, 0, 160}),
		eventPacket(f, 2, 800, false, []byte{5, 10, 1, 64}),
		eventPacket(f, 3, 800, false, []byte{5, 0x8a, 1, 224}),
		eventPacket(f, 3, 800, false, []byte{5, 0x8a, 1, 224}),
		eventPacket(f, 4, 1760, false, []byte{11, 0x8a, 0, 160}), // no marker: still a key
	}
	f.Add(rtpRecords(press...))
	mixed := rtpRecords(audio[3], audio[1], audio[2], press[0], audio[4])
	mixed = append(mixed, rtpFromElsewhere|rtpPlayout, 0, 12)
	mixed = append(mixed, audio[5][:12]...)
	f.Add(mixed)
	f.Add([]byte{0, 0, 4, 0x80, 0, 0, 0, rtpPlayout, 0, 0})

	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStreamState(offerAnswer{law: media.LawALaw, audioPT: 8, eventPT: 101, remote: far, dir: dirSendRecv})
		elsewhere := netip.MustParseAddrPort("192.0.2.9:4000")
		var packets uint64
		var seq uint32
		for len(data) >= 3 {
			flags, n := data[0], int(binary.BigEndian.Uint16(data[1:3]))
			data = data[3:]
			n = min(n, len(data), maxPacket)
			pkt := data[:n]
			data = data[n:]
			from := far
			if flags&rtpFromElsewhere != 0 {
				from = elsewhere
			}
			s.packet(pkt, from)
			packets++
			if flags&rtpPlayout != 0 {
				s.playout()
				select {
				case fr := <-s.rx:
					if fr.Seq != seq {
						t.Fatalf("frame %d handed out as %d", seq, fr.Seq)
					}
					seq++
				default:
					t.Fatal("playout handed the app no frame")
				}
			}
		}
		for len(s.digits) > 0 {
			d := <-s.digits
			if strings.IndexByte(eventKeys, d.Key) < 0 || (d.Source != "rfc4733" && d.Source != "inband") {
				t.Fatalf("key %q from %q", d.Key, d.Source)
			}
		}
		if st := s.stats(); st.PacketsReceived+st.Dropped != packets {
			t.Fatalf("%d packets, %d received and %d dropped", packets, st.PacketsReceived, st.Dropped)
		}
	})
}
