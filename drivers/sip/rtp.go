package sip

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// Queue depths. rxQueue holds received frames the app has not read yet (320
// ms); txQueue is how far the app may write ahead of the send clock (60 ms),
// so what it played has been sent by the time its Play returns; digitQueue
// holds out-of-band keys.
const (
	rxQueue    = 16
	txQueue    = 3
	digitQueue = 32
	// rtcpEvery is the sender report interval in ticks (5 s).
	rtcpEvery = 250
	// maxPacket bounds what the clock takes from the socket per packet.
	maxPacket = 1500
	// maxDrain bounds the packets the clock takes from one call per tick:
	// one is the norm, a few after a stall or with RFC 4733 end packets.
	maxDrain = 16
)

// Stats count one call's RTP.
type Stats struct {
	PacketsSent     uint64 // audio packets sent
	PacketsReceived uint64 // packets received from the far end, audio and events
	PacketsLost     uint64 // packets the far end's sequence numbers say never came
	Late            uint64 // audio that came after its playout time
	Concealed       uint64 // ticks played as silence for a missing frame
	Dropped         uint64 // packets ignored: malformed, or not from the far end
	// Foreign counts the packets of Dropped that came from an address that
	// is not the far end's (fromFarEnd): a third party's, injected.
	Foreign uint64
}

// stream is one call's RTP: a socket pair from the port range, and the send
// and receive state the shared clock moves one frame each way with every
// 20 ms (receiving means taking what the socket holds into the jitter buffer).
type stream struct {
	conn *rtpSocket // RTP
	rtcp *rtpSocket // RTCP, port+1; sender reports only
	port int

	rx     chan media.Frame     // far end → app, filled by the clock
	tx     chan media.Frame     // app → far end, drained by the clock
	digits chan telephony.Digit // RFC 4733, INFO and in-band keys

	// mu guards the fields below it: the clock and the signalling both touch
	// them, each for a moment.
	mu        sync.Mutex
	jb        jitterBuffer
	sdpRemote netip.AddrPort // where the SDP says to send
	signal    netip.Addr     // where the SDP's signalling came from
	remote    netip.AddrPort // where we send: the far end's source once latched
	rtcpTo    netip.AddrPort
	rtcpPort  int // a=rtcp from the SDP, 0 for RTP port + 1
	latched   bool
	law       media.Law
	audioPT   uint8
	eventPT   int
	sending   bool

	// Owned by the clock goroutine.
	ssrc     uint32
	seq      uint16
	ts       uint32
	paused   bool // nothing sent since start or hold: the next packet gets the marker
	ticks    uint64
	fseq     uint32
	heardApp bool
	octets   uint32
	buf      [12 + media.FrameSamples]byte

	// Receive state, owned by the clock goroutine too (drain).
	rpkt      rtp.Packet
	dec       eventDecoder
	tones     *toneFeed // the in-band detector, on every call: see toneFeed
	tsRef     uint32    // the RTP timestamp mediaTime last took
	tsExt     int64     // tsRef extended past wraps
	tsStarted bool
	rxStarted bool
	rxBase    uint32
	rxMax     uint16
	rxCycles  uint32

	sent, received, expected, dropped, foreign atomic.Uint64

	// kmu guards keys: the clock (RFC 4733, tones) and the signalling (INFO)
	// both deliver keys. The log holds each key at the time it was heard:
	// media time for RFC 4733 and tones (see rtpKey), the wall clock for INFO.
	kmu  sync.Mutex
	keys telephony.KeyLog
}

// newStream takes a socket pair for a call negotiated as oa (see
// openSocket: conn and rtcp are not to be used afterwards).
func newStream(conn, rtcp *net.UDPConn, port int, oa offerAnswer) *stream {
	s := newStreamState(oa)
	s.conn, s.rtcp, s.port = openSocket(conn), openSocket(rtcp), port
	return s
}

// newStreamState is a stream without its sockets: all that packet and
// playout, the receive path, work on.
func newStreamState(oa offerAnswer) *stream {
	var seed [10]byte
	_, _ = rand.Read(seed[:])
	s := &stream{
		rx:     make(chan media.Frame, rxQueue),
		tx:     make(chan media.Frame, txQueue),
		ssrc:   binary.BigEndian.Uint32(seed[0:]),
		seq:    binary.BigEndian.Uint16(seed[4:]),
		ts:     binary.BigEndian.Uint32(seed[6:]),
		paused: true,
		digits: make(chan telephony.Digit, digitQueue),
	}
	s.tones = &toneFeed{det: &inbandDetector{det: media.NewDTMFDetector(media.DTMFConfig{}), key: s.inbandKey}}
	s.update(oa)
	return s
}

// update applies a (re-)negotiation: codec, event type, far address, hold.
func (s *stream) update(oa offerAnswer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.law, s.audioPT, s.eventPT = oa.law, oa.audioPT, oa.eventPT
	s.sending = !oa.hold()
	s.rtcpPort = oa.rtcpPort
	s.signal = oa.signalling.Unmap()
	if oa.remote != s.sdpRemote {
		s.sdpRemote, s.remote, s.latched = oa.remote, oa.remote, false
		s.rtcpTo = rtcpAddr(oa.remote, oa.rtcpPort)
	}
}

func rtcpAddr(rtpTo netip.AddrPort, port int) netip.AddrPort {
	if !rtpTo.IsValid() {
		return netip.AddrPort{}
	}
	if port == 0 {
		port = int(rtpTo.Port()) + 1
	}
	return netip.AddrPortFrom(rtpTo.Addr(), uint16(port))
}

// drain takes what the far end sent since the last tick without waiting, at
// most maxDrain packets (the socket's buffer drops a flood's excess), through
// the clock's scratch rb.
func (s *stream) drain(rb *readBatch) {
	s.conn.readAll(rb)
	for i := range rb.n {
		s.packet(rb.packet(i))
	}
}

// packet takes one datagram: audio into the jitter buffer and the tone feed,
// telephone-events into keys. Only the far end's packets count
// (fromFarEnd); the first of them latches where we send (symmetric RTP),
// and after that only that source is heard. Anything else is dropped and
// counted (Stats.Foreign): whoever guesses the port can neither speak nor
// key into the call (DTMF that would steer the IVR), nor take its audio.
func (s *stream) packet(b []byte, src netip.AddrPort) {
	p := &s.rpkt
	var f media.Frame
	if p.Unmarshal(b) != nil || p.Version != 2 {
		s.dropped.Add(1)
		return
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	s.mu.Lock()
	if !s.fromFarEndLocked(src) {
		s.mu.Unlock()
		s.dropped.Add(1)
		s.foreign.Add(1)
		return
	}
	audio := p.PayloadType == s.audioPT
	event := s.eventPT >= 0 && int(p.PayloadType) == s.eventPT
	if !audio && !event {
		s.mu.Unlock()
		s.dropped.Add(1)
		return
	}
	if audio && s.law.Decode(&f, p.Payload) != nil {
		s.mu.Unlock()
		s.dropped.Add(1)
		return
	}
	if !s.latched {
		s.latched, s.remote = true, src
		s.rtcpTo = rtcpAddr(src, s.rtcpPort)
	}
	if audio {
		s.jb.push(p.SSRC, p.Timestamp, &f)
	}
	s.mu.Unlock()
	s.countSeq(p.SequenceNumber)
	if audio {
		s.tones.push(p.SSRC, p.Timestamp, &f)
	}
	if event {
		if k, ok := s.dec.packet(p.Timestamp, p.Marker, p.Payload); ok {
			s.rtpKey(k, "rfc4733", p.Timestamp)
		}
	}
}

// fromFarEndLocked reports whether src may be the far end's RTP: once
// latched, only the source latched; before, the address and port the SDP
// names, or any port of the address the SDP's signalling came from (a phone
// behind NAT sends from its router's address and a port of the router's
// choosing, whatever its SDP says). The caller holds mu.
func (s *stream) fromFarEndLocked(src netip.AddrPort) bool {
	if s.latched {
		return src == s.remote
	}
	return src == s.sdpRemote || (s.signal.IsValid() && src.Addr() == s.signal)
}

// inbandKey queues a key the tone feed found in the audio.
func (s *stream) inbandKey(k byte, ts uint32) { s.rtpKey(k, "inband", ts) }

// rtpKey queues a key the far end's RTP carried, as an event or a tone, at
// RTP timestamp ts. An event and the tone under it are matched as one press
// by media time, which a stall of the clock between the event's packet and
// the tone's frames does not stretch: the clock's time would.
func (s *stream) rtpKey(k byte, source string, ts uint32) {
	s.queueKey(telephony.Digit{Key: k, Source: source, At: time.Now()}, s.mediaTime(ts))
}

// mediaTime maps an RTP timestamp of the far end to a time on a clock of
// its own (from the zero Unix time), for matching keys; only the clock
// goroutine calls it.
func (s *stream) mediaTime(ts uint32) time.Time {
	if !s.tsStarted {
		s.tsStarted, s.tsRef, s.tsExt = true, ts, 1<<32
	}
	s.tsExt += int64(int32(ts - s.tsRef))
	s.tsRef = ts
	return time.Unix(0, s.tsExt*int64(time.Second/media.SampleRate))
}

// digit queues a key for the app without blocking; a full queue drops it.
// A press heard both as an event (or INFO) and as a tone is queued once, so
// that an app slow to read finds each press once in the queue.
func (s *stream) digit(d telephony.Digit) bool { return s.queueKey(d, d.At) }

// queueKey queues d unless the key log, given the time it was heard, finds
// it the second report of a press.
func (s *stream) queueKey(d telephony.Digit, heard time.Time) bool {
	s.kmu.Lock()
	repeat := s.keys.Repeat(telephony.Digit{Key: d.Key, Source: d.Source, At: heard})
	s.kmu.Unlock()
	if repeat {
		return true
	}
	select {
	case s.digits <- d:
		return true
	default:
		return false
	}
}

// countSeq keeps the RFC 3550 appendix A.1 counts: the extended highest
// sequence number seen against the first, and packets received.
func (s *stream) countSeq(seq uint16) {
	s.received.Add(1)
	if !s.rxStarted {
		s.rxStarted, s.rxBase, s.rxMax = true, uint32(seq), seq
	} else if d := seq - s.rxMax; d != 0 && d < 0x8000 {
		if seq < s.rxMax {
			s.rxCycles += 1 << 16
		}
		s.rxMax = seq
	}
	s.expected.Store(uint64(s.rxCycles+uint32(s.rxMax)-s.rxBase) + 1)
}

// tick moves one frame each way without blocking: send, then receive.
func (s *stream) tick(now time.Time, rb *readBatch) (under, over bool) {
	under = s.send(now)
	over = s.receive(rb)
	return under, over
}

// send sends the app's frame (or silence) to the far end, and reports an
// underrun: an app that had been writing had no frame ready.
func (s *stream) send(now time.Time) (under bool) {
	var out media.Frame
	s.mu.Lock()
	to, law, pt, send := s.remote, s.law, s.audioPT, s.sending
	s.mu.Unlock()
	select {
	case out = <-s.tx:
		s.heardApp = true
	default:
		under = s.heardApp
		out.Silence()
	}
	if send && to.IsValid() {
		h := rtp.Header{Version: 2, Marker: s.paused, PayloadType: pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc}
		n, err := h.MarshalTo(s.buf[:])
		if err == nil {
			pkt := law.Encode(s.buf[:n], &out)
			if err := s.conn.writeTo(pkt, to); err == nil {
				s.sent.Add(1)
				s.octets += media.FrameSamples
			}
			s.seq++
			s.paused = false
		}
	} else {
		s.paused = true
	}
	s.ts += media.FrameSamples
	s.ticks++
	if s.ticks%rtcpEvery == 0 {
		s.senderReport(now)
	}
	return under
}

// receive takes what the far end sent since the last tick into the jitter
// buffer and hands the next frame (or silence) to the app; over reports the
// app too far behind to take it.
func (s *stream) receive(rb *readBatch) (over bool) {
	s.drain(rb)
	return s.playout()
}

// playout lets the tone feed take its tick, then hands the app the jitter
// buffer's next frame (or silence); over reports the app too far behind to
// take it.
func (s *stream) playout() (over bool) {
	var in media.Frame
	s.tones.tick()
	s.mu.Lock()
	s.jb.pop(&in)
	s.mu.Unlock()
	in.Seq = s.fseq
	s.fseq++
	select {
	case s.rx <- in:
		return false
	default:
		return true
	}
}

// ntpEpochOffset is the seconds from 1900 (NTP) to 1970 (Unix).
const ntpEpochOffset = 2208988800

// senderReport sends an RTCP compound packet: a sender report without report
// blocks, and an SDES with our CNAME (RFC 3550 sections 6.4.1 and 6.5).
func (s *stream) senderReport(now time.Time) {
	s.mu.Lock()
	to := s.rtcpTo
	s.mu.Unlock()
	if !to.IsValid() || s.rtcp == nil {
		return
	}
	const cname = "tracecall"
	// SDES: header, SSRC, the CNAME item, an end item, zero-padded to 32 bits.
	const sdesLen = (4 + 4 + 2 + len(cname) + 1 + 3) / 4 * 4
	var b [28 + sdesLen]byte
	b[0], b[1] = 0x80, 200
	binary.BigEndian.PutUint16(b[2:], 6)
	binary.BigEndian.PutUint32(b[4:], s.ssrc)
	secs := uint64(now.Unix()) + ntpEpochOffset
	frac := uint64(now.Nanosecond()) << 32 / 1e9
	binary.BigEndian.PutUint32(b[8:], uint32(secs))
	binary.BigEndian.PutUint32(b[12:], uint32(frac))
	binary.BigEndian.PutUint32(b[16:], s.ts)
	binary.BigEndian.PutUint32(b[20:], uint32(s.sent.Load()))
	binary.BigEndian.PutUint32(b[24:], s.octets)
	sd := b[28:]
	sd[0], sd[1] = 0x81, 202
	binary.BigEndian.PutUint16(sd[2:], uint16(len(sd)/4-1))
	binary.BigEndian.PutUint32(sd[4:], s.ssrc)
	sd[8], sd[9] = 1, byte(len(cname))
	copy(sd[10:], cname)
	_ = s.rtcp.writeTo(b[:], to)
}

// stats reads the counters.
func (s *stream) stats() Stats {
	st := Stats{PacketsSent: s.sent.Load(), PacketsReceived: s.received.Load(), Dropped: s.dropped.Load(), Foreign: s.foreign.Load()}
	if exp := s.expected.Load(); exp > st.PacketsReceived {
		st.PacketsLost = exp - st.PacketsReceived
	}
	s.mu.Lock()
	st.Late, st.Concealed = s.jb.late, s.jb.concealed
	s.mu.Unlock()
	return st
}

// close closes the sockets, at any time: a tick in progress finishes its
// use of a socket first, and later ones find it closed (clock.remove stops
// them).
func (s *stream) close() {
	_ = s.conn.close()
	_ = s.rtcp.close()
}

// portPool hands out RTP/RTCP socket pairs from the configured range.
type portPool struct {
	bind     netip.Addr
	min, max int

	// mu guards next and used.
	mu   sync.Mutex
	next int
	used map[int]bool
}

func newPortPool(bind netip.Addr, min, max int) *portPool {
	min += min % 2 // RTP takes even ports
	return &portPool{bind: bind, min: min, max: max, next: min, used: make(map[int]bool)}
}

// open binds the next free even port and the odd one above it. A bind that
// fails for want of descriptors or memory ends the search with errNoSockets
// naming the cause: every other port would fail the same way, and "no free
// port" would send whoever reads the log to the port range.
func (p *portPool) open() (rtpConn, rtcpConn *net.UDPConn, port int, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pairs := (p.max - p.min + 1) / 2
	for range pairs {
		port := p.next
		p.next += 2
		if p.next+1 > p.max {
			p.next = p.min
		}
		if p.used[port] {
			continue
		}
		a, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.bind, uint16(port))))
		if err != nil {
			if cause := resourceCause(err); cause != "" {
				return nil, nil, 0, fmt.Errorf("%w: %s: %w", errNoSockets, cause, err)
			}
			continue
		}
		b, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(p.bind, uint16(port+1))))
		if err != nil {
			a.Close()
			if cause := resourceCause(err); cause != "" {
				return nil, nil, 0, fmt.Errorf("%w: %s: %w", errNoSockets, cause, err)
			}
			continue
		}
		p.used[port] = true
		return a, b, port, nil
	}
	return nil, nil, 0, fmt.Errorf("%w in %d..%d", errNoPorts, p.min, p.max)
}

func (p *portPool) release(port int) {
	p.mu.Lock()
	delete(p.used, port)
	p.mu.Unlock()
}
