// Package sip is the telephony driver for SIP trunks: callers reach the
// appliance over IP, signalled with SIP (github.com/emiago/sipgo) and carried
// as RTP (github.com/pion/rtp). G.711 becomes the core's 16-bit PCM here, at
// the edge, and nowhere else.
//
// # Concepts
//
// A Driver listens on one address over UDP and TCP. Each INVITE with an SDP
// offer of PCMA or PCMU, or with no SDP at all (a late offer: our 200 offers
// PCMA, PCMU and telephone-event, the ACK answers, and Answer returns once it
// has), becomes an inbound telephony.Leg on a line named
// "sip/<n>" (the lowest free n), handed to the Handler: its Info().From is the
// caller's user part and Info().To the Request-URI's, which the IVR routes on.
// The driver sends 100 Trying at once, 180 Ringing if the handler has not
// answered within 50 ms (served by the core, not before the core has taken
// the call: its start is on record, telephony.LegTaker), and 200 OK with its
// SDP answer when the handler calls Answer. A handler that hangs up first gets a final response matching
// its cause (404 for no route, 486 busy, 503 at shutdown...); CANCEL before
// the answer ends the leg and gets 487. BYE works both ways. A re-INVITE or
// UPDATE within a call, ours or one Dial placed, is answered 200: a session
// refresh gets the same SDP, a sendonly or inactive offer puts the call on
// hold (our audio stops, the call stays), sendrecv resumes it. OPTIONS is
// answered 200, with Allow listing what we serve (REGISTER too); methods we
// do not serve get 405 or 501.
//
// Every request first passes the checks RFC 3261 section 8.2 has a UAS
// make (validate.go): version (505), the headers every request needs, once
// each (400), method (501, 405), CSeq method (400), Request-URI scheme (416)
// and headers (400), Require (420 with Unsupported), body encoding and type
// (415 with Accept-Encoding or Accept), an INVITE's Accept (406), each
// refusal with a reason phrase naming what was wrong. A UDP request sipgo
// cannot parse gets a stateless 400 (or 416, 505) from the read filter
// (unparsable.go), so its sender learns why instead of retransmitting.
//
// SDP offer/answer takes the first audio stream with G.711: PCMA when
// Config.Prefer says so (the default, as on China's networks) and it is
// offered, PCMU likewise, else the offer's first. telephone-event/8000 keeps
// the payload type the offer gave it. An offer without G.711 gets 488.
//
// # Phones and outbound calls
//
// The driver is the registrar for the phones in Config.Phones and in
// Config.PhoneBook (the store's, looked up on each REGISTER, so phones added
// or removed at run time count at once; the config wins for a user in both;
// there is never a default password): REGISTER is
// challenged with digest authentication (401 with a signed, stateless nonce;
// stale=true once it is older than 5 minutes), unknown users get 404 and
// wrong passwords 403, each logged with the source address. Registration
// intervals are clamped to Config.MaxExpires, refused below MinExpires (423),
// and lapse on their own. Registered and Phones report bindings, and
// Config.OnPhone is told of every change.
//
// Wrong passwords count per source address and per account (DigestThrottles,
// package throttle): past three, credentials must wait, 1 s doubling to
// 5 min, and those that come early get 403 unchecked; each lockout is logged.
// The account's wait holds only addresses with failures of their own, and
// the address an account is registered from waits only for that account's
// wrong passwords from there: guessing elsewhere never keeps the phone out.
//
// Dial calls a registered phone at its contact, or a number over
// Config.Trunk (answering its 401 or 407 digest challenge with TrunkUser and
// TrunkPassword), offering PCMA, PCMU and telephone-event; it returns the
// answered leg, or a *DialError (wrapping telephony.ErrUnavailable) carrying
// the SIP code and a telephony.Cause. An unregistered phone fails at once.
//
// # Who may call what
//
// An INVITE's From proves nothing. The driver vouches for it
// (telephony.LegInfo.FromVerified) only for Config.TrustedPeers, or for a
// phone account that answers a 407 challenge with its password (credentials
// made for the number dialled) and is registered; an INVITE whose From is a
// phone account is always challenged. Other callers reach only the numbers
// Config.DialPlan calls public: others get 403 (routed, not public) or 404,
// before any leg exists. Its From is the caller's number
// (telephony.LegInfo.FromAsserted: a callback may dial it) when it came from
// a peer (Config.Peers, the trunk, Config.TrustedPeers) or a phone that
// authenticated, not from a stranger. An SDP may send our RTP only to where its signalling
// came from or into Config.MediaNetworks (broadcast and multicast never,
// 0.0.0.0 is hold); otherwise 488 with a Warning, or, for an answer in an ACK
// or a 200, the call ends.
//
// # Media
//
// Each call has a UDP socket pair from the RTP port range (RTCP on the odd
// port above). The core's media clock (package telephony/media/clock, passed
// in Config.Clock) ticks every answered call every 20 ms: it first
// sends, per answered call, one frame of what the app wrote (silence when it
// wrote nothing), then drains each call's socket with non-blocking reads into
// a jitter buffer that reorders by RTP timestamp and plays out 40 ms behind
// (a missing frame repeats the last one, for up to 160 ms, then silence: a
// loaded sender stalls and bursts, and silence inside an in-band DTMF tone
// would count the key twice), and hands one received frame to the leg —
// never blocking on either, and with no goroutine per call. The clock spreads
// calls over four phases 5 ms apart (a call keeps its phase), so it works in
// short runs, and adding or removing a call never waits for a tick; its
// catch-up policy and lateness figures (ClockStats) are the core's, shared
// with every other driver and the rooms. On Linux the RTP sockets
// are off the runtime's network poller: sendto and one recvmmsg per call and
// tick, as raw non-blocking system calls. Media is symmetric: we send to the SDP address until
// the far end's first packet arrives, then to where its packets come from,
// and ignore other sources. That first packet must come from the SDP's
// address and port or from the signalling's address (NAT): a third party
// who guesses the port is never heard, nor latched to. Every 5 s a sender report goes to the RTCP port.
// Per-call packet counts (sent, received, lost) are logged when a call ends.
//
// # DTMF
//
// Every key comes on the leg's Digits channel. With telephone-event
// negotiated, RFC 4733 events are keys: one per event timestamp, so missing
// marker bits, repeated end packets and long presses each count once. SIP
// INFO with application/dtmf-relay or application/dtmf is a key too. Tones
// are listened for on every call, telephone-event or not: the clock runs the
// core's detector on each call's audio as it takes the packets, in RTP
// timestamp order and apart from playout (toneFeed), so neither the jitter
// buffer giving up late frames nor an app too slow to read its frames loses a
// key; the legs' InbandDTMF is false, as the core need not detect again. A
// press heard both ways is queued once (telephony.KeyLog).
//
// # Robustness
//
// Each source IP address may send Config.SourceRate messages a second after
// a burst (default 1000/s, burst 2000; the trunk is exempt): past that, its
// datagrams are dropped before parsing (its TCP connection closed), counted
// (Limited) and logged once per 10 s with the address, so a flood of
// INVITE, REGISTER, OPTIONS or junk from one address leaves other sources
// and their calls alone.
//
// Calls are limited per source as well (limit_calls.go): an address in no
// Config.Peers entry may have Config.SourceCalls calls at once and start
// Config.SourceCallRate a second; a /24 (/64) of them Config.NetworkCalls,
// all of them together Config.UnknownCalls. The trunk and each peer have
// their own limits. An INVITE past a limit is refused before anything is
// made for it (no leg, so no call record), statelessly: 486 with
// Retry-After when the calls at once are used up, 503 with Retry-After when
// the rate is; past ten refusals a second a stranger's INVITEs are dropped
// unparsed. Refusals are counted (LimitStats) and logged once per 10 s per
// source. Datagrams that cannot be SIP (no start line, no
// header end, over 32 KiB) are dropped before parsing and counted, with at
// most one log line per 10 s;
// requests sipgo cannot make a transaction of get 400, as do INVITEs without
// From, To, Call-ID, CSeq or Contact, or with a broken SDP, and requests
// that do not parse get the answers above. None of it touches calls in
// progress.
//
// # Testing
//
// testdata/torture holds SIP messages after RFC 4475's, valid and invalid,
// and MANIFEST the answer to each; TestTorture sends them to a driver with
// the core over it, over UDP and TCP, and checks the answers and that every
// call that reached the core ended. Fuzz targets, seeded with the corpus,
// take whole messages through the read filter, sipgo's parser and the
// handlers (FuzzSIPMessage), and cover the stateless answer, REGISTER
// bindings and credentials, SDP, INFO bodies, RFC 4733 events and a call's
// RTP receive path (FuzzRTPPackets).
//
// The unit tests cover SDP, RFC 4733 decoding, INFO bodies, the jitter
// buffer (TestJitterLoadedSenderDTMF replays captured packet timing of SIPp
// under load, testdata/rtp_arrivals_loaded.txt, through it into the core's
// DTMF detector), the tone feed (TestToneFeed; TestInbandKeysSurviveStarvedReader
// stalls the sender and stops the reader mid-code), the per-source limiter, nonces and binding expiry. A sipgo client registers against the
// driver (good, wrong password, unknown user, expiry, unregister) and a sipgo
// phone takes Dial's calls (answer with media, busy, decline, no answer,
// far-end BYE, trunk, trunk digest, hold and resume by the dialled phone);
// phones from a real store register (TestRegisterFromPhoneBook); a flood
// from 127.0.0.2 during a call is limited (TestFloodFromOneSource);
// TestDialSIPpAgent dials SIPp's uas-agent.xml; baresip registers, takes a
// call and calls "ivr" keying a code (TestBaresipPhone, TestBaresipCallsIVR),
// or keying it in band with telephone-event negotiated (TestBaresipKeysInBand). The integration tests drive the driver with SIPp (Debian package
// sip-tester) playing RTP from pcaps made by ../shared/sipp/gen_dtmf_pcap.py;
// they skip when sipp is missing or when not root (pcap play needs a raw
// socket).
package sip
