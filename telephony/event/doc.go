// Package event carries what happens on calls (call started, answered, digit, IVR
// step, prompt said, trace lookup, ended...) from the telephony core and the apps to
// whoever listens: the call record writer, the web panel's live views, metrics and
// tests. Its API follows tailscale's eventbus: publishers and subscribers are named
// clients of one Bus, and Subscribe is typed.
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
