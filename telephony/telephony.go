package telephony

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"tracecall/telephony/event"
	"tracecall/telephony/media"
)

// CallID names a call from its first ring to its last hangup. Every event, call
// record and recording carries it.
type CallID = event.CallID

// LegID names one leg within a driver.
type LegID string

// NewCallID returns a new call id: the start time in UTC (so ids sort by time)
// followed by random hex, e.g. "20261124T200102Z-3f9a1c0d".
func NewCallID(now time.Time) CallID {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return CallID(now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:]))
}

// Direction says who placed a leg.
type Direction string

// Directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// Address names a party a driver can dial: driver "sim", user "80000001".
type Address struct {
	Driver string
	User   string
}

func (a Address) String() string { return a.Driver + ":" + a.User }

// ParseAddress parses "driver:user".
func ParseAddress(s string) (Address, error) {
	d, u, ok := strings.Cut(s, ":")
	if !ok || d == "" || u == "" {
		return Address{}, fmt.Errorf("telephony: address %q: want driver:user", s)
	}
	return Address{Driver: d, User: u}, nil
}

// LegInfo describes a leg. It does not change over the leg's life.
type LegInfo struct {
	ID        LegID
	CallID    CallID
	Driver    string
	Line      string // the line or port the leg is on, e.g. "sim/3"
	From      string // calling number (ANI)
	To        string // dialled number (DNIS)
	Direction Direction
	Created   time.Time
	// FromVerified says the driver vouches that From is who is calling:
	// the phone proved it (a SIP phone's digest-authenticated INVITE for
	// the account From names, which is registered), or the call came from
	// a peer the config trusts to say who calls (a PBX with the agents'
	// phones behind it), or from one of the appliance's own simulated desk
	// phones. False: From is only what the caller claims, as anyone who
	// can send a packet to a SIP port, or any caller on a trunk, may claim
	// any number. Apps act for the agent whose extension From names (feature
	// codes) only on a verified inbound leg; outbound legs leave it false.
	FromVerified bool
	// FromAsserted says From is the calling number as the network that
	// carried the call states it, not merely as the caller wrote it: the
	// call came through the trunk or another configured peer (the carrier
	// or a PBX sets the number it presents, as on any China hotline's
	// trunk), over a line whose exchange sends the number (a simulated
	// line), or from a phone that authenticated as the account From names.
	// A stranger's INVITE sent straight to the appliance may write any
	// number, so it is false there. Apps dial From back (callbacks) and
	// grant it a customer's standing (VIP queue priority) only when it is
	// set; otherwise they may show From, marked as not verified, but not
	// act on it. It says nothing about agents: a trunk caller's asserted
	// number may equal an extension and acts for no one (that is
	// FromVerified, which implies it unless From is no number at all, as
	// when it is withheld). Outbound legs leave it false.
	FromAsserted bool
}

// Cause says why a leg ended.
type Cause string

// Causes. They mirror the Q.850 causes people know, in words.
const (
	CauseNormal      Cause = "normal"      // a party hung up
	CauseBusy        Cause = "busy"        // the far end was busy
	CauseNoAnswer    Cause = "no_answer"   // it rang out
	CauseRejected    Cause = "rejected"    // the far end refused
	CauseUnavailable Cause = "unavailable" // no route, unregistered, line down
	CauseFailure     Cause = "failure"     // something broke
	CauseShutdown    Cause = "shutdown"    // the daemon is stopping
	CauseTimeout     Cause = "timeout"     // a limit ran out
	CauseNoRoute     Cause = "no_route"    // nothing serves the dialled number
	CauseMediaError  Cause = "media_error" // the media stream failed
)

// Leg is one party's connection. A driver creates it; a Handler serves it.
type Leg interface {
	ID() LegID
	Info() LegInfo
	// Context ends when the leg has hung up, from either side.
	Context() context.Context
	// Answer takes an inbound leg off hook.
	Answer(ctx context.Context) error
	// Hangup ends the leg with a cause. Hanging up an ended leg is a no-op.
	Hangup(ctx context.Context, c Cause) error
	// Ended reports how the leg ended, and whether it has (from LegState).
	Ended() (HangupInfo, bool)
	// Media returns the leg's audio streams. Legs without media (CTI) return ErrNoMedia.
	Media() (media.FrameReader, media.FrameWriter, error)

	// legState is the leg's embedded LegState: every leg has one, which is
	// how the core follows the leg's answer and end (Calls).
	legState() *LegState
}

// HangupInfo is what a leg knows about how it ended.
type HangupInfo struct {
	By    string // "caller" (the leg's far end), "ivr" (the appliance), "system" (shutdown)
	Cause Cause
	At    time.Time
}

// Digit is a DTMF key from either in-band detection or out-of-band signalling.
type Digit struct {
	Key    byte   // '0'-'9', '*', '#', 'A'-'D'
	Source string // "inband", "rfc4733", "info", "dahdi"
	At     time.Time
}

// DigitSource is implemented by legs that deliver DTMF out of band. When a leg has
// it, the Session reads digits from it as well as detecting them in band.
type DigitSource interface {
	Digits() <-chan Digit
}

// InbandDTMF says whether the core must look for DTMF tones in the leg's audio.
// Without it, the Session runs its in-band detector on every leg with media, as
// well as reading Digits: a caller may key in band whatever else was negotiated.
// A driver that runs the detector itself, on the frames as they arrive and before
// any queue a slow reader could overflow, delivers those keys on Digits (Source
// "inband") and returns false, so a reader starved of CPU for a moment loses no
// key.
type InbandDTMF interface {
	InbandDTMF() bool
}

// Handler serves a leg. ServeLeg returns when the handler is done with the leg; the
// driver hangs the leg up if it is still up.
type Handler interface {
	ServeLeg(ctx context.Context, l Leg)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(ctx context.Context, l Leg)

// ServeLeg calls f(ctx, l).
func (f HandlerFunc) ServeLeg(ctx context.Context, l Leg) { f(ctx, l) }

// DialOptions tune an outbound call.
type DialOptions struct {
	From    string        // calling number to present
	CallID  CallID        // the call this leg joins; empty starts a new call
	Timeout time.Duration // ring timeout; zero means the driver's default
	// AsCaller says the leg is the call's caller from now on (a callback
	// dials the caller back): the call's end is told from its side.
	AsCaller bool
}

// Driver turns a world of lines into legs.
type Driver interface {
	Name() string
	// Serve accepts inbound legs and hands each to h in its own goroutine. It blocks
	// until ctx is done, then hangs up its legs and returns.
	Serve(ctx context.Context, h Handler) error
	Dial(ctx context.Context, to Address, o DialOptions) (Leg, error)
	// Lines reports the driver's lines for the line monitor: every driver
	// owns some (ports, channels, a trunk's calls, the PBX's devices).
	Lines() []LineState
}

// LineState is a snapshot of one line for the line monitor.
type LineState struct {
	Line   string    `json:"line"`
	Number string    `json:"number"`
	State  string    `json:"state"` // idle, ringing, in-call
	Caller string    `json:"caller,omitempty"`
	Called string    `json:"called,omitempty"`
	Since  time.Time `json:"since"`
	CallID CallID    `json:"call_id,omitempty"`
	Doing  string    `json:"doing,omitempty"`
}

// Line states.
const (
	LineIdle    = "idle"
	LineRinging = "ringing"
	LineInCall  = "in-call"
)

// LineLister reports lines: every Driver does, and the core's Calls lists
// every driver's.
type LineLister interface {
	Lines() []LineState
}

// Errors returned by legs and drivers.
var (
	// ErrNoMedia is returned by Media for legs that carry no audio (CTI).
	ErrNoMedia = errors.New("telephony: leg has no media")
	// ErrHungUp is returned by operations on a leg that has ended.
	ErrHungUp = errors.New("telephony: leg hung up")
	// ErrReleased is returned by Session.Err once Release has stopped the media
	// loop with the leg still up.
	ErrReleased = errors.New("telephony: session released")
	// ErrUnavailable is returned by Dial when the party cannot be reached.
	ErrUnavailable = errors.New("telephony: unavailable")
	// ErrNoLine is returned by Dial and by inbound attempts when every line is busy.
	ErrNoLine = errors.New("telephony: no free line")
)
