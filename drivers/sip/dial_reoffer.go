package sip

import (
	siplib "github.com/emiago/sipgo/sip"
)

// onDialledOffer serves a re-INVITE or UPDATE from the far end of a call we
// dialled, as onReinvite and onUpdate do for calls that came in: hold
// (sendonly or inactive: we answer recvonly or inactive and stop sending),
// resume (sendrecv), a moved far end, or a session refresh (same SDP back).
// A re-INVITE without SDP gets our current SDP as an offer, and its ACK's
// answer, if any, is applied.
func (d *Driver) onDialledOffer(l *dialLeg, req *siplib.Request, tx siplib.ServerTransaction) {
	l.mu.Lock()
	dc, ready := l.dc, l.AnsweredLocked() && l.stream != nil && !l.EndedLocked()
	l.mu.Unlock()
	if !ready {
		d.respond(req, tx, 491, "Request Pending")
		return
	}
	if err := dc.ReadRequest(req, tx); err != nil {
		d.respond(req, tx, 500, "Server Internal Error")
		return
	}
	invite := req.Method == siplib.INVITE
	var body []byte
	switch {
	case len(req.Body()) > 0:
		offer, err := parseSDP(req.Body())
		if err != nil {
			d.respondWarn(req, tx, 400, "Bad SDP", refusedOffer(err))
			return
		}
		oa, err := d.negotiateFrom(offer, d.cfg.Prefer, sourceAddr(req))
		if err != nil {
			l.log.Info("offer in dialog refused", "source", req.Source(), "method", req.Method.String(), "err", err)
			d.respondWarn(req, tx, 488, "Not Acceptable Here", refusedOffer(err))
			return
		}
		body = l.renegotiate(offer, oa)
	case invite:
		l.mu.Lock()
		l.reoffer, body = req.CSeq().SeqNo, l.sdp
		l.mu.Unlock()
	}
	res := siplib.NewResponseFromRequest(req, 200, "OK", nil)
	if body != nil {
		res = siplib.NewSDPResponseFromRequest(req, body)
	}
	d.okHeaders(req, res)
	l.mu.Lock()
	res.AppendHeader(l.contact.Clone())
	l.mu.Unlock()
	if err := tx.Respond(res); err != nil || !invite {
		return
	}
	if !siplib.IsReliable(req.Transport()) {
		retransmit2xx(l.Context(), l.acks, tx, res, req.CSeq().SeqNo, l.log)
	}
}

// renegotiate applies the far end's new offer and returns our answer, its
// version bumped when it changed.
func (l *dialLeg) renegotiate(offer *sdpSession, oa offerAnswer) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reanswer(offer, oa, l.stream, l.log)
}

// ack notes an ACK's CSeq for a re-INVITE's 2xx retransmission, and takes
// the answer an ACK brings to the offer we made for a re-INVITE without SDP.
func (l *dialLeg) ack(req *siplib.Request) {
	cseq := req.CSeq()
	if cseq == nil {
		return
	}
	l.mu.Lock()
	if l.reoffer != 0 && l.reoffer == cseq.SeqNo && hasSDP(req) && l.stream != nil {
		l.reoffer = 0
		if ans, err := parseSDP(req.Body()); err == nil {
			if oa, err := l.d.negotiateFrom(ans, PreferOffer, sourceAddr(req)); err == nil {
				l.oa = oa
				l.stream.update(oa)
			}
		}
	}
	l.mu.Unlock()
	select {
	case l.acks <- cseq.SeqNo:
	default:
	}
}
