package sip

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// byeTimeout bounds how long a BYE is retransmitted to a silent far end.
const byeTimeout = 5 * time.Second

// leg is one inbound SIP call: what the Handler serves.
type leg struct {
	d    *Driver
	n    int // line number, set by seize
	info telephony.LegInfo
	log  *slog.Logger

	ds        *sipgo.DialogServerSession
	dialogID  string
	sipCallID string
	contact   siplib.ContactHeader
	offer     *sdpSession // nil for a late offer (INVITE without SDP)
	late      bool        // the INVITE had no SDP: our 200 offers, the ACK answers
	stream    *stream
	adm       *admission // its share of its source's call limits (limit_calls.go)

	answerc chan chan error // Answer asks the INVITE goroutine to send the 200
	acks    chan uint32     // CSeq of each ACK, for 2xx retransmission of re-INVITEs

	// mu guards the fields below it, and the LegState.
	mu sync.Mutex
	telephony.LegState
	since      time.Time // when the line last changed state
	inviteDone bool      // the INVITE goroutine is done with ds: a BYE may go
	negotiated
	lateTaken bool  // the ACK to a late offer has been read
	lateErr   error // why that ACK's answer could not be used
}

func (l *leg) ID() telephony.LegID     { return l.info.ID }
func (l *leg) Info() telephony.LegInfo { return l.info }

// Digits returns RFC 4733, SIP INFO and in-band keys.
func (l *leg) Digits() <-chan telephony.Digit { return l.stream.digits }

// InbandDTMF is false: the driver finds the tones in the audio itself, as the
// packets arrive (see toneFeed), and delivers them on Digits.
func (l *leg) InbandDTMF() bool { return false }

func (l *leg) Media() (media.FrameReader, media.FrameWriter, error) { return l, l, nil }

// Stats reports the call's RTP counts.
func (l *leg) Stats() Stats { return l.stream.stats() }

// Answer sends 200 OK with our SDP. It returns once the answer is on its way
// and media runs; the far end's ACK is awaited in the background (no ACK
// within 32 s ends the call).
func (l *leg) Answer(ctx context.Context) error {
	l.mu.Lock()
	ended, answered := l.EndedLocked(), l.AnsweredLocked()
	l.mu.Unlock()
	if ended {
		return telephony.ErrHungUp
	}
	if answered {
		return nil
	}
	reply := make(chan error, 1)
	select {
	case l.answerc <- reply:
	case <-l.Context().Done():
		return telephony.ErrHungUp
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Hangup ends the call from our side: BYE when answered, a final response
// matching c when still ringing.
func (l *leg) Hangup(ctx context.Context, c telephony.Cause) error {
	l.end("ivr", c)
	return nil
}

// ReadFrame returns the far end's next frame, waiting for its tick.
func (l *leg) ReadFrame(f *media.Frame) error { return l.ReadFrameFrom(l.stream.rx, f) }

// WriteFrame queues a frame for the far end; it waits while the queue is full.
func (l *leg) WriteFrame(f *media.Frame) error { return l.WriteFrameTo(l.stream.tx, f) }

// end ends the leg once, from whichever side: by is "caller", "ivr" or
// "system". Media stops at once; the signalling that goes with it (BYE, or
// the INVITE's final response) follows from the goroutine that owns it.
func (l *leg) end(by string, cause telephony.Cause) {
	now := time.Now()
	l.mu.Lock()
	if !l.EndLocked(by, cause, now) {
		l.mu.Unlock()
		return
	}
	bye := l.AnsweredLocked() && l.inviteDone && by != "caller"
	l.mu.Unlock()
	st := l.d.stopStream(l.stream)
	l.d.ports.release(l.stream.port)
	l.d.release(l)
	l.d.publishLine(l, telephony.LineIdle, now)
	l.d.ended(&l.LegState, l.info, l.log, st)
	if bye {
		l.sendBye()
	} else if by == "caller" {
		l.d.forgetDialog(l.dialogID)
	}
}

// ended is how either kind of leg finishes once its media and its line are
// released: the leg's Context cancelled, so whoever watches it (the core's
// call among them) finds the line free, and a log line with the leg's RTP
// counts.
func (d *Driver) ended(s *telephony.LegState, info telephony.LegInfo, log *slog.Logger, st Stats) {
	h, _ := s.Ended()
	s.Cancel()
	log.Info("call ended", "by", h.By, "cause", h.Cause, "duration", h.At.Sub(info.Created).Round(time.Millisecond),
		"rtp_sent", st.PacketsSent, "rtp_received", st.PacketsReceived, "rtp_lost", st.PacketsLost,
		"rtp_late", st.Late, "rtp_dropped", st.Dropped, "rtp_foreign", st.Foreign)
}

// sendBye sends BYE in the background.
func (l *leg) sendBye() {
	if !l.d.goTracked(l.bye) {
		l.d.forgetDialog(l.dialogID)
	}
}

// bye sends BYE, waits for its answer (or byeTimeout) and forgets the dialog.
func (l *leg) bye() {
	ctx, cancel := context.WithTimeout(context.Background(), byeTimeout)
	defer cancel()
	if err := l.ds.Bye(ctx); err != nil {
		l.log.Debug("bye", "err", err)
	}
	l.ds.Close()
	l.d.forgetDialog(l.dialogID)
}

// currentAnswer returns our SDP as last negotiated.
func (l *leg) currentAnswer() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sdp
}

// renegotiate applies a new offer within the dialog (re-INVITE or UPDATE)
// and returns our answer; once the call ended, our SDP as it was.
func (l *leg) renegotiate(offer *sdpSession, oa offerAnswer) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.EndedLocked() {
		return l.sdp
	}
	return l.reanswer(offer, oa, l.stream, l.log)
}

// negotiated is a call's SDP as last agreed in its dialog. Both kinds of leg
// keep one, guarded by their mutex.
type negotiated struct {
	local localMedia
	oa    offerAnswer // as last negotiated
	sdp   []byte      // our current SDP: an offer, then answers to re-offers
}

// reanswer answers a new offer within the dialog (re-INVITE or UPDATE):
// hold, resume, a moved far end or a session refresh. Our SDP keeps its
// version when nothing changed and bumps it otherwise; s takes the new
// terms.
func (n *negotiated) reanswer(offer *sdpSession, oa offerAnswer, s *stream, log *slog.Logger) []byte {
	body := writeAnswer(offer, oa, n.local)
	if string(body) != string(n.sdp) {
		n.local.version++
		body = writeAnswer(offer, oa, n.local)
	}
	if n.oa.hold() != oa.hold() {
		log.Info("call hold changed", "hold", oa.hold(), "direction", oa.dir)
	}
	n.oa, n.sdp = oa, body
	s.update(oa)
	return body
}

// ack notes an ACK's CSeq for whoever waits on a 2xx.
func (l *leg) ack(req *siplib.Request) {
	if cseq := req.CSeq(); cseq != nil {
		select {
		case l.acks <- cseq.SeqNo:
		default:
		}
	}
}

var (
	_ telephony.Leg         = (*leg)(nil)
	_ telephony.DigitSource = (*leg)(nil)
)
