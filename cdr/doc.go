// Package cdr writes one call record per call from the events on the bus, and at
// startup closes the records of calls that a crash left open.
//
// # Crash guarantees
//
// A call's record is committed to the store (fsync'd) within one write cycle of
// its first ring, and rewritten as the call goes on: IVR path, codes keyed with
// their lookup results, answer, end. If the daemon dies mid-call the record is
// still on disk marked in progress; Recover, run before the drivers start, marks
// it interrupted with the last moment it was known alive as its end. So no call is
// ever missing from the records.
//
// # Callbacks
//
// A caller who asks to be called back keeps one record from the first ring to
// the end of the callback (callback.go): its type becomes "callback", its
// disposition "callback_pending" when the caller hangs up, then "answered"
// with the agent, queue wait and the callback's end once the caller was called
// back and connected, or "callback_failed" when no try was answered.
//
// # Concurrency
//
// One goroutine owns every open record. It drains whatever events are queued and
// commits all the records they touched in one transaction, so a burst of 1,000
// calls costs a handful of fsyncs, not thousands.
package cdr
