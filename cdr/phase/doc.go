// Package phase says what a call in progress is doing, from the events on the
// bus: ringing in, in the IVR, waiting in a queue, ringing an agent, talking
// with an agent. It is the one definition of those words: the call records
// (package cdr) decide from it whether a caller who hung up abandoned in the
// queue or in the IVR, and the line monitor, the wallboard, /api/lines,
// /api/wallboard and /api/calls count and show calls with it.
//
// # Phases
//
//   - Setup: the line rings; nobody has answered it yet.
//   - IVR: the line was answered and the IVR has the caller (menus, prompts,
//     trace lookups), including after leaving a queue or being sent on by it.
//   - Waiting: the caller is in a queue (event.CallQueued) and no agent's
//     phone rings for the call.
//   - Ringing: the caller is still in the queue, and one agent's phone or
//     more rings for the call (event.CallOffered); a missed offer
//     (event.CallOfferMissed) with no other phone ringing puts it back to
//     Waiting.
//   - Talking: an agent answered (event.CallTaken) until the call ends,
//     including while the caller is on hold or being transferred; a blind
//     transfer to a queue makes it Waiting again.
//
// Two marks stand beside the phase. FeatureCode: the call reached an
// agent_state IVR node, so it is an agent's housekeeping call (*21–*24),
// never counted with the customers' calls. Callback: the caller asked to be
// called back; the core keeps the call open until the callback ends, and
// until an agent has it the request is counted as a callback, not as a
// caller waiting.
//
// # Concurrency
//
// A Call belongs to whoever applies events to it. A Tracker holds the calls
// in progress behind a mutex and hands out copies, so a bus subscriber can
// feed it while HTTP handlers read it.
package phase
