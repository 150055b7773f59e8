// Package event carries what happens on calls (call started, answered, digit, IVR
// step, prompt said, trace lookup, ended...) from the telephony core and the apps to
// whoever listens: the call record writer, the web panel's live views, metrics and
// tests. Its API follows tailscale's eventbus: publishers and subscribers are named
// clients of one Bus, and Subscribe is typed.
//
// # Why the apps' events live here
//
// The events the apps publish (the ACD's queue and agent events in
// acd_events.go, the callback dialler's in callback_events.go, the rooms' in
// room_events.go) are declared here, beside the core's, not in the packages
// that publish them, on purpose: every subscriber (the call record writer, the
// panel's live views and its JSON stream, metrics, the recorder) reads every
// kind, and would otherwise import every publisher — cdr and web would pull in
// the ACD's runtime and the switchboard, and an app could no longer be swapped
// without touching them. The vocabulary is shared; the behaviour is not. Who
// publishes each event is said on its type. A call's lifecycle (CallStarted,
// CallAnswered, CallEnded) is published by the core's telephony.Calls alone.
//
// # Drop semantics
//
// Publishing never blocks: each subscriber has a bounded queue, and a subscriber
// whose queue is full is cut off (its Done channel closes and Err returns
// ErrSlow) rather than waited for, so a slow reader can never stall the 20 ms media
// path. Subscribers that must not lose events (the call record writer) ask for a
// queue deep enough for their worst burst and treat ErrSlow as a bug to log.
//
// # Testing
//
// eventtest.Watch subscribes to everything and lets a test wait for an event of a
// type matching a predicate, with a deadline instead of sleeps.
package event
