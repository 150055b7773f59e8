package sip

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"

	"tracecall/telephony"
	"tracecall/telephony/media"
)

// ringingDelay is how long a handler may take to answer before the caller is
// sent 180 Ringing; an IVR answers well within it.
const ringingDelay = 50 * time.Millisecond

// allowed lists the methods we serve, for Allow headers.
const allowed = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE, REGISTER"

// onInvite serves an INVITE: a re-INVITE within a call, or a new call that
// becomes a leg. For a new call it owns the INVITE transaction until the
// final response: 100 at once, 180 if the handler does not answer at once,
// then 200 with our SDP when the handler answers, or a failure code.
func (d *Driver) onInvite(newClient func(netip.Addr) (*sipgo.Client, error), req *siplib.Request, tx siplib.ServerTransaction) {
	if req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		d.respond(req, tx, 400, "Bad Request")
		return
	}
	if _, ok := req.To().Params.Get("tag"); ok {
		if _, ok := d.admitInvite(req, tx, attemptOffer); ok {
			d.onReinvite(req, tx)
		}
		return
	}
	if req.Contact() == nil {
		d.respond(req, tx, 400, "Missing Contact")
		return
	}
	// The source's call limits first, before anything is made for the call.
	// A phone's INVITE again with credentials for our 407 is the attempt
	// that was challenged, paid for unless it does not authenticate.
	kind := attemptCall
	if d.answersChallenge(req, time.Now()) {
		kind = attemptAnswer
	}
	adm, ok := d.admitInvite(req, tx, kind)
	if !ok {
		return
	}
	held := false // by the leg, which gives it back when it ends
	var who caller
	defer func() {
		if !held {
			adm.release()
		}
		if !who.authenticated {
			adm.charge(time.Now())
		}
	}()
	fromTag, _ := req.From().Params.Get("tag")
	key := req.CallID().Value() + "\x00" + fromTag + "\x00" + strconv.FormatUint(uint64(req.CSeq().SeqNo), 10)
	if !d.invites.first(key, time.Now()) {
		// A retransmission that outlived its transaction: the call it
		// asks for was taken already.
		d.log.Debug("late invite retransmission dropped", "source", req.Source(), "call_id", req.CallID().Value())
		tx.Terminate()
		return
	}
	// Who is calling, and may they dial this (trust.go)?
	who, admit := d.vouch(req, chargeFirst{tx, adm})
	if !admit {
		return
	}
	// An INVITE without a body is a late offer (RFC 3261 section 13.2.1):
	// our 200 carries the offer and the ACK the answer.
	late := len(req.Body()) == 0
	var offer *sdpSession
	var oa offerAnswer
	if late {
		oa = lateOffer(d.cfg.Prefer)
		oa.signalling = sourceAddr(req)
	} else {
		if !hasSDP(req) {
			d.respondWarn(req, tx, 415, "Unsupported Media Type", "the body must be an SDP offer")
			return
		}
		var err error
		if offer, err = parseSDP(req.Body()); err != nil {
			d.log.Debug("bad sdp in invite", "source", req.Source(), "err", err)
			d.respond(req, tx, 400, "Bad SDP")
			return
		}
		if oa, err = d.negotiateFrom(offer, d.cfg.Prefer, sourceAddr(req)); err != nil {
			d.logRefusal(slog.LevelInfo, "invite refused", req.Source(), "from", userOf(req.From().Address), "reason", err)
			d.respondWarn(req, tx, 488, "Not Acceptable Here", err.Error())
			return
		}
	}
	host := d.contactHost(sourceAddr(req))
	client, err := newClient(host)
	if err != nil {
		d.respond(req, tx, 500, "Server Internal Error")
		return
	}
	contact := siplib.ContactHeader{Address: siplib.Uri{Scheme: "sip", Host: uriHost(host), Port: d.port}}
	if strings.EqualFold(req.Transport(), "tcp") {
		contact.Address.UriParams = siplib.NewParams()
		contact.Address.UriParams.Add("transport", "tcp")
	}
	ua := &sipgo.DialogUA{Client: client, ContactHDR: contact, RewriteContact: true}
	ds, err := ua.ReadInvite(req, tx)
	if err != nil {
		d.log.Debug("invite refused", "source", req.Source(), "err", err)
		d.respond(req, tx, 400, "Bad Request")
		return
	}

	now := time.Now()
	l := &leg{
		d: d, ds: ds, dialogID: ds.ID, contact: contact, offer: offer, late: late, negotiated: negotiated{oa: oa},
		answerc: make(chan chan error), acks: make(chan uint32, 8), since: now, sipCallID: req.CallID().Value(),
		info: telephony.LegInfo{
			CallID:    telephony.NewCallID(now),
			Driver:    d.cfg.Name,
			From:      userOf(req.From().Address),
			To:        req.Recipient.User,
			Direction: telephony.Inbound,
			Created:   now,
		},
	}
	l.info.FromVerified, l.info.FromAsserted = who.verified, who.asserted
	l.Init(&l.mu)
	l.adm = adm
	conn, rtcp, port, err := d.ports.open()
	if err != nil {
		l.Cancel()
		d.log.Warn("invite refused", "source", req.Source(), "err", err)
		finalResponse(ds, tx, 503, "Service Unavailable")
		return
	}
	l.stream = newStream(conn, rtcp, port, oa)
	var sess [4]byte
	_, _ = rand.Read(sess[:])
	if late {
		l.local = localMedia{ip: d.mediaIP(sourceAddr(req)), port: port, session: uint64(binary.BigEndian.Uint32(sess[:])), version: 1}
		l.sdp = writeOffer(l.local)
	} else {
		l.local = localMedia{ip: d.mediaIP(oa.remote.Addr()), port: port, session: uint64(binary.BigEndian.Uint32(sess[:])), version: 1}
		l.sdp = writeAnswer(offer, oa, l.local)
	}
	h, hctx, ok := d.seize(l, now)
	if !ok {
		l.Cancel()
		l.stream.close()
		d.ports.release(port)
		d.log.Warn("invite refused: no free line", "source", req.Source(), "max_calls", d.cfg.MaxCalls)
		finalResponse(ds, tx, 503, "Service Unavailable")
		return
	}
	held = true
	_ = ds.Respond(100, "Trying", nil)
	l.log.Debug("invite", "from", l.info.From, "to", l.info.To, "source", req.Source(), "transport", req.Transport(),
		"codec", oa.law, "telephone_event", oa.eventPT, "rtp_port", port)
	// The core's handler takes the leg only once the call's start is on
	// record: until then the caller hears nothing, not even ringing.
	var taken <-chan struct{}
	if _, ok := h.(telephony.LegTaker); ok {
		taken = l.Taken()
	}
	if !d.goTracked(func() {
		h.ServeLeg(hctx, l)
		l.end("ivr", telephony.CauseNormal)
	}) {
		l.end("system", telephony.CauseShutdown)
	}
	l.ring(tx, taken)
}

// ring waits for the handler to answer or give up, for the caller to cancel,
// or for the ring timeout, and sends the INVITE's final response. 180
// Ringing goes ringingDelay after the INVITE unless the handler answered,
// and not before taken is closed (nil: no wait): a call the core has not yet
// put on record does not ring, so a crash then loses nothing the caller
// heard. The core's journal wait bounds that (Calls.SetJournal).
func (l *leg) ring(tx siplib.ServerTransaction, taken <-chan struct{}) {
	// Serve waits for this goroutine at shutdown: it owes a final response
	// or, once answered, maybe a BYE.
	done := l.d.track()
	defer done()
	ringing := time.NewTimer(ringingDelay)
	defer ringing.Stop()
	timeout := time.NewTimer(l.d.cfg.RingTimeout)
	defer timeout.Stop()
	due := false // ringingDelay passed while the core had not taken the leg
	for {
		select {
		case reply := <-l.answerc:
			if l.answerCall(reply) {
				return
			}
		case <-ringing.C:
			if taken == nil {
				_ = l.ds.Respond(180, "Ringing", nil)
			} else {
				due = true
			}
		case <-taken:
			taken = nil
			if due {
				_ = l.ds.Respond(180, "Ringing", nil)
			}
		case <-timeout.C:
			l.end("system", telephony.CauseNoAnswer)
		case <-l.ds.Context().Done():
			// CANCEL (sipgo has answered it and sent 487) or a dead transaction.
			l.end("caller", telephony.CauseNormal)
			l.finishInvite()
			return
		case <-l.Context().Done():
			l.mu.Lock()
			cause := l.HangupLocked().Cause
			l.mu.Unlock()
			code, reason := failureResponse(cause)
			finalResponse(l.ds, tx, code, reason)
			l.finishInvite()
			l.d.forgetDialog(l.dialogID)
			return
		}
	}
}

// finalResponse refuses an INVITE without waiting for the ACK: the
// transaction retransmits the response and absorbs the ACK on its own.
func finalResponse(ds *sipgo.DialogServerSession, tx siplib.ServerTransaction, code int, reason string) {
	_ = tx.Respond(siplib.NewResponseFromRequest(ds.InviteRequest, code, reason, nil))
}

func (l *leg) finishInvite() {
	l.mu.Lock()
	l.inviteDone = true
	l.mu.Unlock()
	l.ds.Close()
}

// answerCall sends the 200 OK for Answer and waits for its ACK; it reports
// false when the leg ended first.
func (l *leg) answerCall(reply chan error) bool {
	now := time.Now()
	l.mu.Lock()
	if !l.AnswerLocked() {
		l.mu.Unlock()
		reply <- telephony.ErrHungUp
		return false
	}
	l.since = now
	body := l.sdp
	l.d.startStream(l.stream)
	l.d.publishLine(l, telephony.LineInCall, now)
	l.mu.Unlock()
	res := siplib.NewSDPResponseFromRequest(l.ds.InviteRequest, body)
	l.d.okHeaders(l.ds.InviteRequest, res)
	if !l.late {
		reply <- nil
	}

	sent := time.Now()
	err := l.ds.WriteResponse(res) // retransmits until the ACK
	if err != nil && !siplib.IsReliable(l.ds.InviteRequest.Transport()) {
		err = l.lateAck(res, sent, err)
	}
	l.mu.Lock()
	l.inviteDone = true
	ended, by := l.EndedLocked(), l.HangupLocked().By
	lateErr := l.lateErr
	if l.late && lateErr == nil && !l.lateTaken {
		lateErr = errors.New("sip: no answer read from the ack")
	}
	l.mu.Unlock()
	if l.late {
		// Our 200 carried the offer: the app starts once the ACK's answer
		// has set the codec and where to send.
		switch {
		case err == nil && lateErr != nil && !ended:
			l.log.Info("late offer: ack without a usable answer", "err", lateErr)
			reply <- telephony.ErrHungUp
			l.end("system", telephony.CauseMediaError) // sends the BYE
			return true
		case err != nil || ended:
			reply <- telephony.ErrHungUp
		default:
			reply <- nil
		}
	}
	switch {
	case ended && by != "caller":
		l.bye()
	case err != nil && !ended:
		l.log.Warn("no ack for 200 ok", "err", err)
		l.end("system", telephony.CauseTimeout)
	}
	return true
}

// lateAck goes on waiting for the ACK to our 200 when its transaction ended
// first (err from WriteResponse). The transaction is kept completed_wait
// (Timer L, sipgo ends the wait for the ACK with it), but RFC 3261 gives the
// caller 64×T1 to ACK: until then the 200 is resent directly through the
// transport, T2 apart, and the ACK, which reaches the call through its
// dialog (onAck), ends the wait. It returns nil once the ACK came, else err.
func (l *leg) lateAck(res *siplib.Response, sent time.Time, err error) error {
	l.d.mu.Lock()
	srv := l.d.srv
	l.d.mu.Unlock()
	if srv == nil {
		return err
	}
	resend := func() error { return srv.WriteResponse(res) }
	if !await2xxAck(l.Context(), l.acks, l.ds.InviteRequest.CSeq().SeqNo, resend, siplib.T2, sent.Add(64*siplib.T1)) {
		return err
	}
	return nil
}

// lateOffer is the provisional negotiation of a call whose INVITE had no
// SDP: our offer's preferred law and telephone-event, and nowhere to send
// until the ACK answers.
func lateOffer(prefer string) offerAnswer {
	oa := offerAnswer{law: media.LawALaw, audioPT: 8, eventPT: offerEventPT, dir: dirSendRecv}
	if prefer == PreferPCMU {
		oa.law, oa.audioPT = media.LawULaw, 0
	}
	return oa
}

// ackAnswer takes the answer in the ACK to our late offer: the codec the far
// end chose, telephone-event or in-band keys, and where to send. Anything
// else (no SDP, or none we offered) is noted for answerCall, which ends the
// call.
func (l *leg) ackAnswer(req *siplib.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.late || l.lateTaken || l.EndedLocked() {
		return
	}
	if cseq := req.CSeq(); cseq == nil || cseq.SeqNo != l.ds.InviteRequest.CSeq().SeqNo {
		return
	}
	l.lateTaken = true
	if !hasSDP(req) {
		l.lateErr = errors.New("sip: ack without sdp")
		return
	}
	ans, err := parseSDP(req.Body())
	if err != nil {
		l.lateErr = err
		return
	}
	oa, err := l.d.negotiateFrom(ans, PreferOffer, sourceAddr(req))
	if err == nil && oa.audioPT != 8 && oa.audioPT != 0 {
		err = fmt.Errorf("%w: payload type %d was not offered", errNoG711, oa.audioPT)
	}
	if err != nil {
		l.lateErr = err
		return
	}
	l.oa = oa
	l.stream.update(oa)
	l.log.Debug("late offer answered", "codec", oa.law, "telephone_event", oa.eventPT, "remote", oa.remote)
}

// onReinvite serves an INVITE within a call: hold, resume, a moved far end,
// or a session refresh. It answers 200 with our SDP (unchanged for a
// refresh) and retransmits it until the ACK, as RFC 3261 asks of the UAS core.
func (d *Driver) onReinvite(req *siplib.Request, tx siplib.ServerTransaction) {
	l := d.offerLeg(req, tx)
	if l == nil {
		return
	}
	l.mu.Lock()
	ready := l.AnsweredLocked() && l.inviteDone && !l.EndedLocked()
	l.mu.Unlock()
	if !ready {
		d.respond(req, tx, 491, "Request Pending")
		return
	}
	if err := l.ds.ReadRequest(req, tx); err != nil {
		d.respond(req, tx, 500, "Server Internal Error")
		return
	}
	body, code, reason, warning := l.reoffer(req)
	if code != 200 {
		d.respondWarn(req, tx, code, reason, warning)
		return
	}
	res := siplib.NewSDPResponseFromRequest(req, body)
	d.okHeaders(req, res)
	res.AppendHeader(l.contact.Clone())
	if err := tx.Respond(res); err != nil {
		return
	}
	if !siplib.IsReliable(req.Transport()) {
		retransmit2xx(l.Context(), l.acks, tx, res, req.CSeq().SeqNo, l.log)
	}
}

// reoffer answers an offer within the dialog; a request without a body gets
// our current SDP. A refusal comes with the Warning text that says why.
func (l *leg) reoffer(req *siplib.Request) (body []byte, code int, reason, warning string) {
	if len(req.Body()) == 0 {
		return l.currentAnswer(), 200, "OK", ""
	}
	offer, err := parseSDP(req.Body())
	if err != nil {
		return nil, 400, "Bad SDP", refusedOffer(err)
	}
	oa, err := l.d.negotiateFrom(offer, l.d.cfg.Prefer, sourceAddr(req))
	if err != nil {
		l.log.Info("offer in dialog refused", "source", req.Source(), "method", req.Method.String(), "err", err)
		return nil, 488, "Not Acceptable Here", refusedOffer(err)
	}
	return l.renegotiate(offer, oa), 200, "OK", ""
}

// refusedOffer is the Warning of a refused offer within a call.
func refusedOffer(err error) string {
	return "offer refused (" + err.Error() + "); the call goes on as it was"
}

// retransmit2xx resends a re-INVITE's 200 at T1, doubling up to T2, until its
// ACK arrives on acks, 64*T1 pass, or the call ends (ctx).
func retransmit2xx(ctx context.Context, acks <-chan uint32, tx siplib.ServerTransaction, res *siplib.Response, cseq uint32, log *slog.Logger) {
	resend := func() error { return tx.Respond(res) }
	if !await2xxAck(ctx, acks, cseq, resend, siplib.T1, time.Now().Add(64*siplib.T1)) {
		log.Debug("no ack for re-invite 200", "cseq", cseq)
	}
}

// await2xxAck waits for the ACK with cseq on acks, calling resend first
// after wait and then at double the interval, up to T2, until giveUp or the
// call ends (ctx). It reports whether the ACK came; a failed resend ends the
// wait as well.
func await2xxAck(ctx context.Context, acks <-chan uint32, cseq uint32, resend func() error, wait time.Duration, giveUp time.Time) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	end := time.NewTimer(time.Until(giveUp))
	defer end.Stop()
	for {
		select {
		case seq := <-acks:
			if seq == cseq {
				return true
			}
		case <-t.C:
			if resend() != nil {
				return false
			}
			wait = min(2*wait, siplib.T2)
			t.Reset(wait)
		case <-end.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// offerLeg finds the call that came in whose dialog req (a re-INVITE or
// UPDATE) is in. It serves req itself, and returns nil, when req is in a
// call we dialled (onDialledOffer) or in no dialog of ours (481).
func (d *Driver) offerLeg(req *siplib.Request, tx siplib.ServerTransaction) *leg {
	if l := d.dialog(req); l != nil {
		return l
	}
	if dl := d.dialledDialog(req); dl != nil {
		d.onDialledOffer(dl, req, tx)
		return nil
	}
	d.respond(req, tx, 481, "Call/Transaction Does Not Exist")
	return nil
}

// onUpdate serves UPDATE within a call: a session refresh, or an offer.
func (d *Driver) onUpdate(req *siplib.Request, tx siplib.ServerTransaction) {
	l := d.offerLeg(req, tx)
	if l == nil {
		return
	}
	if err := l.ds.ReadRequest(req, tx); err != nil {
		d.respond(req, tx, 500, "Server Internal Error")
		return
	}
	res := siplib.NewResponseFromRequest(req, 200, "OK", nil)
	if len(req.Body()) > 0 {
		body, code, reason, warning := l.reoffer(req)
		if code != 200 {
			d.respondWarn(req, tx, code, reason, warning)
			return
		}
		res = siplib.NewSDPResponseFromRequest(req, body)
	}
	d.okHeaders(req, res)
	res.AppendHeader(l.contact.Clone())
	_ = tx.Respond(res)
}

// okHeaders adds what our 2xx answers carry: Allow, Supported, Server, and
// the session timer of RFC 4028 when the request asked for one. We let the
// caller refresh (refresher=uac) and answer its refreshes.
func (d *Driver) okHeaders(req *siplib.Request, res *siplib.Response) {
	res.AppendHeader(siplib.NewHeader("Allow", allowed))
	res.AppendHeader(siplib.NewHeader("Server", d.cfg.UserAgent))
	h := req.GetHeader("Session-Expires")
	if h == nil {
		return
	}
	delta, _, _ := strings.Cut(h.Value(), ";")
	n, err := strconv.Atoi(strings.TrimSpace(delta))
	if err != nil || n <= 0 {
		return
	}
	res.AppendHeader(siplib.NewHeader("Session-Expires", strconv.Itoa(n)+";refresher=uac"))
	if supports(req, "timer") {
		res.AppendHeader(siplib.NewHeader("Require", "timer"))
	}
}

// failureResponse is the final response for a call that ended before it was
// answered.
func failureResponse(c telephony.Cause) (int, string) {
	switch c {
	case telephony.CauseNoRoute:
		return 404, "Not Found"
	case telephony.CauseBusy:
		return 486, "Busy Here"
	case telephony.CauseRejected:
		return 603, "Decline"
	case telephony.CauseUnavailable, telephony.CauseNoAnswer, telephony.CauseTimeout, telephony.CauseNormal:
		return 480, "Temporarily Unavailable"
	case telephony.CauseShutdown:
		return 503, "Service Unavailable"
	case telephony.CauseMediaError:
		return 488, "Not Acceptable Here"
	}
	return 500, "Server Internal Error"
}

// hasSDP reports whether a request carries an SDP body.
func hasSDP(req *siplib.Request) bool {
	if len(req.Body()) == 0 {
		return false
	}
	ct := req.ContentType()
	if ct == nil {
		return false
	}
	mt, _, _ := strings.Cut(ct.Value(), ";")
	return strings.EqualFold(strings.TrimSpace(mt), "application/sdp")
}

// supports reports whether a request lists option in Supported or Require.
func supports(req *siplib.Request, option string) bool {
	for _, name := range []string{"Supported", "Require"} {
		for _, h := range req.GetHeaders(name) {
			for _, o := range strings.Split(h.Value(), ",") {
				if strings.EqualFold(strings.TrimSpace(o), option) {
					return true
				}
			}
		}
	}
	return false
}

// userOf is a URI's user part, "anonymous" when it has none.
func userOf(u siplib.Uri) string {
	if u.User != "" {
		return u.User
	}
	return "anonymous"
}

// sourceAddr is the IP a request came from.
func sourceAddr(req *siplib.Request) netip.Addr { return addrOfSource(req.Source()) }

// addrOfSource is the IP of a message's source, host:port.
func addrOfSource(source string) netip.Addr {
	ap, err := netip.ParseAddrPort(source)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// uriHost writes an address as a SIP URI host (IPv6 in brackets).
func uriHost(a netip.Addr) string {
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

// chargeFirst is an INVITE's transaction as vouch answers it: a refusal
// (the caller did not authenticate) is charged to the source before it goes
// out, so the source's next attempt, sent on reading it, finds the debt.
type chargeFirst struct {
	siplib.ServerTransaction
	adm *admission
}

func (c chargeFirst) Respond(res *siplib.Response) error {
	if res.StatusCode >= 300 {
		c.adm.charge(time.Now())
	}
	return c.ServerTransaction.Respond(res)
}
