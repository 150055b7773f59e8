// Package desk is what the agent desktop's buttons do, apart from HTTP: an
// agent's state goes to the ACD (log in and out, ready, not ready with a
// reason), the call the agent is on to call control (answer, hang up, hold,
// blind and consult transfer, complete or cancel a consult, conference).
// The panel (web) serves the buttons and calls a Desk for the logged-in
// agent; the screen pop the desktop shows is package screenpop's.
//
// # Errors
//
// Each method returns as soon as the action is under way: the desktop learns
// what happened from the event stream, not from the answer. What the agent
// can do something about comes back as one of this package's errors, which
// the panel shows in the agent's language (ErrNotAgent, ErrState, ErrNoCall,
// ErrBadTarget, ErrUnsupported, ErrCannotAnswer), each wrapping the ACD's or
// the switchboard's detail; anything else is an internal error.
//
// # Answering from the desktop
//
// Answer asks call control to pick up the agent's ringing phone through the
// Pickup wired for its driver (cmd/tracecalld): a simulated phone goes off
// hook; a SIP phone is asked to answer with what it announced when it
// registered (drivers/sip, pickup.go: the talk event, or auto-answer on a
// fresh INVITE). A phone that announced neither — baresip 1.0, many desk
// phones left at their defaults — cannot be answered from here, and Answer
// says so with ErrCannotAnswer rather than pretending: the agent picks up on
// the phone itself.
package desk
