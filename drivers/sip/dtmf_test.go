package sip_test

import (
	"context"
	"encoding/binary"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/pion/rtp"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// TestKeysTypedBeforeTheAppReads: a caller keys the demo code while the app
// reads nothing (a handler busy for seconds, or one starved of CPU): once it
// starts its session, every key is there, once, in order, however the caller
// keyed it. The caller sends three packets for each of ours, as a sender
// catching up after a stall does, so the driver's frame queue overflows and
// its jitter buffer gives up what is late; the keys must not depend on either.
func TestKeysTypedBeforeTheAppReads(t *testing.T) {
	tests := []struct {
		name         string
		tones, event bool
		source       string // where the keys come from
	}{
		{"in band, telephone-event negotiated", true, false, "inband"},
		{"rfc4733", false, true, "rfc4733"},
		{"both ways at once: each press once", true, true, "rfc4733"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			type result struct {
				keys    string
				sources map[string]int
			}
			release := make(chan struct{})
			results := make(chan result, 1)
			h := telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
				r := result{sources: map[string]int{}}
				defer func() { results <- r }()
				if l.Answer(ctx) != nil {
					return
				}
				select { // the app is busy: nobody reads the call's frames
				case <-release:
				case <-l.Context().Done():
					return
				}
				s, err := telephony.NewSession(l, nil, testLogger(t))
				if err != nil {
					return
				}
				r.keys, r.sources = readKeys(s, 5*time.Second)
				_ = l.Hangup(ctx, telephony.CauseNormal)
			})
			d, _ := serveUntil(t, h)
			rtpConn := listenRTP(t)
			u := newUAC(t, "udp", d.Addr())
			ok := u.invite(offer(rtpConn.LocalAddr().(*net.UDPAddr).Port, "8 101", g711Offer...), 200)
			u.ack(1)
			port, err := strconv.Atoi(mustMatch(t, `m=audio (\d+) RTP/AVP 8 101\r\n`, ok.body))
			if err != nil {
				t.Fatal(err)
			}
			to := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}

			pkts := keyedPackets(t, demoKeys, tt.tones, tt.event)
			for i := 0; i < len(pkts); {
				readRTP(t, rtpConn) // the driver's tick
				for end := min(i+3, len(pkts)); i < end; i++ {
					if _, err := rtpConn.WriteToUDP(pkts[i], to); err != nil {
						t.Fatal(err)
					}
				}
			}
			for range 10 { // ticks for the driver to take the last packets
				readRTP(t, rtpConn)
			}
			close(release)
			var r result
			select {
			case r = <-results:
			case <-time.After(10 * time.Second):
				t.Fatal("the handler did not finish")
			}
			if r.keys != demoKeys || r.sources[tt.source] != len(demoKeys) {
				t.Errorf("keys %q from %v, want %q, all from %s", r.keys, r.sources, demoKeys, tt.source)
			}
			if bye := u.read(); bye.method == "BYE" {
				u.write(reply(bye, 200, "OK"))
			}
		})
	}
}

// keyedPackets is a caller's RTP keying keys at 100 ms on, 100 ms off after
// 100 ms of silence: A-law audio (PT 8) with the tones in it or silence, and
// with event set RFC 4733 events (PT 101) as well, an end packet sent three
// times.
func keyedPackets(t *testing.T, keys string, tones, event bool) [][]byte {
	t.Helper()
	const onFrames, offFrames = 5, 5
	var pkts [][]byte
	var seq uint16
	add := func(pt uint8, marker bool, ts uint32, payload []byte) {
		p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, Marker: marker, SequenceNumber: seq, Timestamp: ts, SSRC: 0x5eed}, Payload: payload}
		b, err := p.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, b)
		seq++
	}
	var f media.Frame
	n := 0 // frames so far
	audio := func(on bool) {
		if !on || !tones {
			f.Silence()
		}
		add(8, n == 0, uint32(n*media.FrameSamples), media.EncodeALaw(nil, &f))
		n++
	}
	for range 5 {
		audio(false)
	}
	for _, k := range []byte(keys) {
		g, err := media.NewDTMFTone(k, onFrames*20*time.Millisecond, offFrames*20*time.Millisecond, -7)
		if err != nil {
			t.Fatal(err)
		}
		start := uint32(n * media.FrameSamples)
		for i := 0; g.Next(&f); i++ {
			if event && i < onFrames {
				var ev [4]byte
				ev[0] = byte(map[byte]int{'*': 10, '#': 11}[k])
				if k >= '0' && k <= '9' {
					ev[0] = k - '0'
				}
				ev[1] = 10
				binary.BigEndian.PutUint16(ev[2:], uint16((i+1)*media.FrameSamples))
				last := i == onFrames-1
				if last {
					ev[1] |= 0x80
				}
				for range map[bool]int{false: 1, true: 3}[last] {
					add(101, i == 0, start, ev[:])
				}
			}
			audio(i < onFrames)
		}
	}
	for range 10 {
		audio(false)
	}
	return pkts
}
