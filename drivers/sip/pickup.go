package sip

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	siplib "github.com/emiago/sipgo/sip"

	"tracecall/telephony"
)

// Answering a ringing phone from the agent desktop.
//
// A SIP phone goes off hook when its user presses a key; the appliance can
// only ask it to, with one of the two mechanisms desk phones implement, and
// only when the phone said at registration that it would listen:
//
//   - Remote control, the talk event (BroadSoft's access-side extension,
//     implemented by Polycom, Yealink and others): a phone whose REGISTER
//     lists "talk" in Allow-Events is sent a NOTIFY with Event: talk in the
//     early dialog of the ringing INVITE, and answers it.
//   - Auto-answer (RFC 5373): a phone whose REGISTER lists "answermode" in
//     Supported has its ringing INVITE cancelled and is sent a fresh one
//     carrying Answer-Mode: Auto, with the two older spellings of the same
//     request phones also honour (Call-Info: answer-after=0, Alert-Info:
//     info=alert-autoanswer); it answers that at once. The leg Dial returns
//     is the same either way.
//
// A phone that announced neither — baresip 1.0 (Debian 12's), and desk
// phones whose remote-control and auto-answer settings are off — is not
// tried: Pickup returns ErrNoRemoteAnswer and the phone keeps ringing for
// its user to pick up. Newer baresip (1.1 and later) honours the auto-answer
// headers when its account has sip_autoanswer=yes but does not announce it,
// so it too gets ErrNoRemoteAnswer rather than a guess that might ring it
// twice.

// ErrNoRemoteAnswer is returned by Pickup for a phone that cannot be asked
// to answer: it announced neither the talk event nor RFC 5373 auto-answer
// when it registered, or it refused the talk event.
var ErrNoRemoteAnswer = errors.New("sip: phone cannot be answered remotely")

// ErrNotRinging is returned by Pickup when no call Dial placed rings the
// phone.
var ErrNotRinging = errors.New("sip: phone not ringing")

// remoteAnswer is what a phone announced in its REGISTER about being
// answered from afar.
type remoteAnswer struct {
	talk       bool   // Allow-Events lists "talk"
	answerMode bool   // Supported lists "answermode" (RFC 5373)
	userAgent  string // its User-Agent, for the errors
}

// announced reads what req, a REGISTER, announces.
func announced(req *siplib.Request) remoteAnswer {
	a := remoteAnswer{talk: hasToken(req, "Allow-Events", "talk"), answerMode: hasToken(req, "Supported", "answermode")}
	if h := req.GetHeader("User-Agent"); h != nil {
		a.userAgent = h.Value()
	}
	return a
}

// hasToken reports whether a header named name of req (any of them, each a
// comma-separated list) holds token, case-insensitively.
func hasToken(req *siplib.Request, name, token string) bool {
	for _, h := range req.GetHeaders(name) {
		for t := range strings.SplitSeq(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// ringings are the calls Dial placed that ring a phone, by phone user.
type ringings struct {
	// mu guards byUser.
	mu     sync.Mutex
	byUser map[string]*ringing
}

// ringing is one INVITE Dial placed that has not been answered yet.
type ringing struct {
	user   string
	l      *dialLeg
	client *sipgo.Client
	invite func(ctx context.Context, extra ...siplib.Header) (*sipgo.DialogClientSession, error)
	// again is closed when the phone is to be sent a fresh INVITE asking
	// it to answer (auto-answer).
	again chan struct{}
	// earlyc is closed when the first early dialog opens (early is set).
	earlyc chan struct{}

	// mu guards the fields below it.
	mu    sync.Mutex
	req   *siplib.Request  // the INVITE ringing now
	early *siplib.Response // its last provisional answer with a To tag
	asked bool             // Pickup has asked once
}

// add notes that r rings its phone; the function it returns forgets it.
func (rs *ringings) add(r *ringing) (done func()) {
	r.again = make(chan struct{})
	r.earlyc = make(chan struct{})
	rs.mu.Lock()
	if rs.byUser == nil {
		rs.byUser = make(map[string]*ringing)
	}
	rs.byUser[r.user] = r
	rs.mu.Unlock()
	return func() {
		rs.mu.Lock()
		if rs.byUser[r.user] == r {
			delete(rs.byUser, r.user)
		}
		rs.mu.Unlock()
	}
}

// send sends the first INVITE.
func (r *ringing) send(ctx context.Context) (*sipgo.DialogClientSession, error) {
	dc, err := r.invite(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.req = dc.InviteRequest
	r.mu.Unlock()
	return dc, nil
}

func (rs *ringings) get(user string) *ringing {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.byUser[user]
}

// onResponse keeps the INVITE's provisional answers that open an early
// dialog, then calls next.
func (r *ringing) onResponse(next func(*siplib.Response) error) func(*siplib.Response) error {
	return func(res *siplib.Response) error {
		if res.IsProvisional() && res.StatusCode != 100 {
			if to := res.To(); to != nil && to.Params.Has("tag") {
				r.mu.Lock()
				if r.early == nil && r.earlyc != nil {
					close(r.earlyc)
					r.earlyc = nil
				}
				r.early = res
				r.mu.Unlock()
			}
		}
		if next == nil {
			return nil
		}
		return next(res)
	}
}

// errAgain is the cause of the ring wait's context when Pickup asked for a
// fresh, auto-answered INVITE.
var errAgain = errors.New("sip: ring again with auto-answer")

// wait is dc.WaitAnswer, sending the phone a fresh INVITE asking it to
// answer at once (autoAnswerHeaders) when Pickup asks for it: the ringing
// INVITE is cancelled first. It returns the dialog that was answered.
func (r *ringing) wait(ctx context.Context, dc *sipgo.DialogClientSession, o sipgo.AnswerOptions) (*sipgo.DialogClientSession, error) {
	o.OnResponse = r.onResponse(o.OnResponse)
	again := r.again
	for {
		waitCtx, stop := context.WithCancelCause(ctx)
		if again != nil {
			go func(again <-chan struct{}) {
				select {
				case <-again:
					stop(errAgain)
				case <-waitCtx.Done():
				}
			}(again)
		}
		err := dc.WaitAnswer(waitCtx, o)
		asked := errors.Is(context.Cause(waitCtx), errAgain) && ctx.Err() == nil
		stop(nil)   // ends the watcher
		again = nil // asked once: the fresh INVITE is not cancelled again
		if !asked {
			return dc, err
		}
		if err == nil {
			return dc, nil // answered before the CANCEL went: as good
		}
		// Cancelled (CANCEL, 487): ring again, asking it to answer.
		r.l.log.Info("asking the phone to answer: fresh INVITE with auto-answer", "user", r.user)
		next, ierr := r.invite(ctx, autoAnswerHeaders(dc.InviteRequest)...)
		if ierr != nil {
			return dc, fmt.Errorf("sip: auto-answer invite to %s: %w", r.user, ierr)
		}
		dc.Close()
		dc = next
		r.mu.Lock()
		r.req = dc.InviteRequest
		r.mu.Unlock()
		r.l.mu.Lock()
		r.l.dc = dc
		r.l.mu.Unlock()
	}
}

// autoAnswerHeaders ask a phone to answer an INVITE at once: RFC 5373's
// Answer-Mode (without ;require, so a phone that will not is free to ring),
// and the Call-Info and Alert-Info forms that came before it.
func autoAnswerHeaders(prev *siplib.Request) []siplib.Header {
	host := "localhost"
	if from := prev.From(); from != nil {
		host = from.Address.Host
	}
	return []siplib.Header{
		siplib.NewHeader("Answer-Mode", "Auto"),
		siplib.NewHeader("Call-Info", "<sip:"+host+">;answer-after=0"),
		siplib.NewHeader("Alert-Info", "<sip:"+host+">;info=alert-autoanswer;delay=0"),
	}
}

// talkTimeout bounds the wait for a phone's answer to the talk NOTIFY.
const talkTimeout = 4 * time.Second

// Pickup asks phone ext.User, which a call from Dial rings, to answer it: by
// the talk event or by auto-answer, whichever it announced when it
// registered (the talk event first). It returns once the phone has agreed
// (talk) or the fresh INVITE is under way (auto-answer); the leg answers as
// any other. ErrNotRinging: no call of Dial rings the phone;
// ErrNoRemoteAnswer (wrapped with the phone's User-Agent and what it
// announced): it cannot be asked.
func (d *Driver) Pickup(ctx context.Context, ext telephony.Address) error {
	r := d.ringing.get(ext.User)
	if r == nil {
		return fmt.Errorf("sip: answer %s: %w", ext.User, ErrNotRinging)
	}
	b, ok := d.reg.lookup(ext.User, time.Now())
	if !ok {
		return fmt.Errorf("sip: answer %s: not registered: %w", ext.User, ErrNotRinging)
	}
	a := b.answer
	ua := a.userAgent
	if ua == "" {
		ua = "no User-Agent"
	}
	r.mu.Lock()
	asked, earlyc := r.asked, r.earlyc
	r.mu.Unlock()
	if asked {
		return nil // already asked: the answer is on its way
	}

	var talkErr error
	if a.talk {
		// The NOTIFY goes in the early dialog: wait for the phone's
		// ringing answer if it has not come yet (the agent was quick).
		if earlyc != nil {
			select {
			case <-earlyc:
			case <-ctx.Done():
				return fmt.Errorf("sip: answer %s: waiting for it to ring: %w", ext.User, ctx.Err())
			case <-time.After(talkTimeout):
			}
		}
		r.mu.Lock()
		req, early := r.req, r.early
		r.mu.Unlock()
		if talkErr = r.talk(ctx, req, early); talkErr == nil {
			r.setAsked()
			r.l.log.Info("phone asked to answer (talk event)", "user", ext.User)
			return nil
		}
		r.l.log.Info("phone refused the talk event", "user", ext.User, "err", talkErr)
	}
	if a.answerMode {
		if r.setAsked() {
			close(r.again)
		}
		return nil
	}
	if talkErr != nil {
		return fmt.Errorf("sip: answer %s (%s): %w: %w", ext.User, ua, ErrNoRemoteAnswer, talkErr)
	}
	return fmt.Errorf("sip: answer %s (%s): it announced neither Allow-Events: talk nor Supported: answermode: %w",
		ext.User, ua, ErrNoRemoteAnswer)
}

// setAsked notes that Pickup asked; false if it already had.
func (r *ringing) setAsked() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.asked {
		return false
	}
	r.asked = true
	return true
}

// talk sends the talk NOTIFY in the early dialog of req and waits for the
// phone's final answer to it.
func (r *ringing) talk(ctx context.Context, req *siplib.Request, early *siplib.Response) error {
	if req == nil || early == nil {
		return errors.New("no early dialog (no 180 with a To tag)")
	}
	target := req.Recipient
	if c := early.Contact(); c != nil {
		target = c.Address
	}
	n := siplib.NewRequest(siplib.NOTIFY, *target.Clone())
	n.AppendHeader(siplib.HeaderClone(req.From()))
	n.AppendHeader(siplib.HeaderClone(early.To()))
	n.AppendHeader(siplib.HeaderClone(req.CallID()))
	// The dialog's next number: sipgo's own in-dialog requests (the BYE)
	// take the same one later, which RFC 3261 12.2.2 lets through (only a
	// lower number is refused).
	n.AppendHeader(&siplib.CSeqHeader{SeqNo: req.CSeq().SeqNo + 1, MethodName: siplib.NOTIFY})
	mf := siplib.MaxForwardsHeader(70)
	n.AppendHeader(&mf)
	if c := req.Contact(); c != nil {
		n.AppendHeader(siplib.HeaderClone(c))
	}
	n.AppendHeader(siplib.NewHeader("Event", "talk"))
	n.AppendHeader(siplib.NewHeader("Subscription-State", "active"))
	n.SetTransport(req.Transport())
	n.SetBody(nil)
	ctx, cancel := context.WithTimeout(ctx, talkTimeout)
	defer cancel()
	res, err := r.client.Do(ctx, n)
	if err != nil {
		return fmt.Errorf("notify talk: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("notify talk: %d %s", res.StatusCode, res.Reason)
	}
	return nil
}

// String lists what a phone announced, for logs and errors.
func (a remoteAnswer) String() string {
	var s []string
	if a.talk {
		s = append(s, "talk")
	}
	if a.answerMode {
		s = append(s, "answermode")
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ",")
}
