package sip

import (
	"bytes"
	"fmt"
	"mime"
	"strconv"
	"strings"
)

// eventKeys maps RFC 4733 DTMF event codes 0-15 to keys.
const eventKeys = "0123456789*#ABCD"

// seenEvents is how many past event timestamps the decoder remembers, so a
// late retransmission of an earlier key's end packet is not a new key.
const seenEvents = 8

// eventDecoder turns RFC 4733 telephone-event packets into keys, one per key
// press. A press is named by its RTP timestamp: every packet of one event,
// its updates and its (repeated) end packets carry the event's start time, so
// the first packet seen with a new timestamp is the key, whether or not the
// marker bit made it. A long press the sender splits into segments (RFC 4733
// section 2.5.1.3: a new timestamp, no marker, starting where the last ended)
// is the same key.
type eventDecoder struct {
	seen  [seenEvents]uint32
	n     int // timestamps in seen
	next  int // ring position
	last  uint32
	code  byte
	dur   uint32 // duration of the last event so far, in samples
	ended bool   // the last event's end packet arrived
}

// packet takes one telephone-event payload with its RTP timestamp and marker
// bit and returns the key when this packet starts a new press.
func (d *eventDecoder) packet(ts uint32, marker bool, payload []byte) (byte, bool) {
	if len(payload) < 4 {
		return 0, false
	}
	code, end, dur := payload[0], payload[1]&0x80 != 0, uint32(payload[2])<<8|uint32(payload[3])
	if code >= byte(len(eventKeys)) {
		return 0, false // flash and the non-DTMF events
	}
	if d.n > 0 && ts == d.last {
		d.dur = max(d.dur, dur)
		d.ended = d.ended || end
		return 0, false
	}
	if d.known(ts) {
		return 0, false
	}
	if d.n > 0 && int32(ts-d.last) < 0 {
		return 0, false // older than the newest press: reordered
	}
	// A segment of a long press: same key, no marker, the previous segment not
	// ended and this one starting where it stopped.
	cont := d.n > 0 && !marker && !d.ended && code == d.code && ts-d.last <= d.dur+160
	d.remember(ts)
	d.last, d.code, d.dur, d.ended = ts, code, dur, end
	if cont {
		return 0, false
	}
	return eventKeys[code], true
}

func (d *eventDecoder) known(ts uint32) bool {
	for i := range d.n {
		if d.seen[i] == ts {
			return true
		}
	}
	return false
}

func (d *eventDecoder) remember(ts uint32) {
	d.seen[d.next] = ts
	d.next = (d.next + 1) % seenEvents
	d.n = min(d.n+1, seenEvents)
}

// maxInfoBody bounds a DTMF INFO body; real ones are a few dozen bytes.
const maxInfoBody = 1024

// parseInfoDigit reads the key of a SIP INFO body: application/dtmf-relay
// ("Signal=5\r\nDuration=160") or application/dtmf ("5"). ok is false for other
// content types; a DTMF type without a key is errBadInfo.
func parseInfoDigit(contentType string, body []byte) (key byte, ok bool, err error) {
	mt, _, perr := mime.ParseMediaType(contentType)
	if perr != nil {
		return 0, false, nil
	}
	var sig string
	switch mt {
	case "application/dtmf-relay":
		if len(body) > maxInfoBody {
			return 0, true, fmt.Errorf("%w: body of %d bytes", errBadInfo, len(body))
		}
		for _, line := range bytes.Split(body, []byte("\n")) {
			name, val, found := strings.Cut(strings.TrimSpace(string(line)), "=")
			if found && strings.EqualFold(strings.TrimSpace(name), "signal") {
				sig = strings.TrimSpace(val)
				break
			}
		}
	case "application/dtmf":
		if len(body) > maxInfoBody {
			return 0, true, fmt.Errorf("%w: body of %d bytes", errBadInfo, len(body))
		}
		sig = strings.TrimSpace(string(body))
	default:
		return 0, false, nil
	}
	if k, good := signalKey(sig); good {
		return k, true, nil
	}
	return 0, true, fmt.Errorf("%w: signal %.16q", errBadInfo, sig)
}

// signalKey maps an INFO signal to a key: a key itself, or an event code 0-15.
func signalKey(s string) (byte, bool) {
	if len(s) == 1 {
		c := s[0]
		if c >= 'a' && c <= 'd' {
			c -= 'a' - 'A'
		}
		if strings.IndexByte(eventKeys, c) >= 0 {
			return c, true
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n < len(eventKeys) {
		return eventKeys[n], true
	}
	return 0, false
}
