// Package cdr writes one call record per call from the events on the bus, and at
// startup closes the records of calls that a crash left open.
//
// # Crash guarantees
//
// A call's record is on disk before the caller hears anything: the core
// (telephony.Calls) hands each call's start to Writer.Started, its
// telephony.Journal, and serves the call only once the start is committed
// (fsync'd), or after a bounded wait (telephony.DefaultJournalWait) when the
// disk stalls. The record is rewritten as the call goes on: IVR path, codes
// keyed with their lookup results, answer, end. Every change is committed
// by the next group commit (journal.go): one transaction takes every record
// changed since the last, commits at least commitGap apart, so the starts
// waiting at any moment share one fsync and a flood of calls costs a
// bounded number of commits. The commit that leaves nothing unwritten also
// stamps the writer alive (aliveKey; at least every aliveEvery while calls
// are up), so the stamp means "every change before this moment is on
// disk". If the daemon dies mid-call the record is still on disk marked in
// progress; Recover, run before the drivers start, marks it interrupted,
// ending at the later of its last change (Updated) and that stamp: the last
// moment it was known up, never the restart. So no call that reached the
// appliance is missing from the records.
//
// # When the store fails
//
// A failed commit (the disk full, read-only, failing) loses nothing: the
// records stay in memory and the writer retries from retryFirst, doubling
// to retryMost, writing them in the order they changed once the store takes
// them again (each record once, under its call id, with the times its
// events carried, so the lengths are the calls'). Calls go on meanwhile:
// Started answers ErrHeld at once. The log says once what fails and why
// (reason disk_full, read_only, io_error or write_error) and once when
// records are written again; Health says it meanwhile, for the panel and
// /api/status. At most heldMost records wait in memory (about 1 KiB each):
// past that, new calls go unrecorded (Health.Lost counts them, the log says
// so once) while the calls already held keep theirs. A record the store
// refuses outright (store.ErrInvalid) is logged whole and dropped, so it
// cannot hold up the rest. Records still held when the writer stops (the
// store still failing) are lost, and logged with their number.
//
// # Figures measured
//
// BenchmarkCallLoad (journal_bench_whitebox_test.go), 2026-12-08, the
// 2-CPU development VM shared with other work, store on its disk (fsync
// ~0.1 ms): 800 call starts a second, each waited on as the core does,
// with an answer, three IVR steps and an end each (~4,800 events a
// second), 3,200 calls up. With commitGap 10 ms: 68–80 commits a second;
// the core's wait for a start p50 9–11 ms, p99 41–99 ms (one run 533 ms,
// under a neighbour's load spike); an answer on disk (what a kill -9 costs
// the record: until then it reads interrupted, unanswered) p50 4–7 ms, p99
// 13–63 ms; the process (load generator included) 12–13 % of a core.
// Without a gap: 450–530 commits a second, 20–27 %; with the 250 ms gap of
// before (no start waited on): 4 commits a second, 7 %, an answer on disk
// after 240 ms.
//
// # What a record says
//
// Type is what the call was: ivr, trace (a code was keyed), agent (an agent
// answered), callback, or feature_code: an agent's phone dialling *21–*24,
// housekeeping that the records page, the API's lists and every figure
// leave out unless asked for by name. Disposition is how it ended, as a
// call center counts it (the constants in cdr.go): self_service (handled in
// the IVR), answered (by an agent: Agent, after QueueWait seconds in
// Queue), abandoned_queue (after QueueWait), abandoned_ivr, overflowed,
// callback_pending or callback_failed, failed, interrupted. "Answered" is
// an agent's answer, never the IVR picking the line up: that time is
// LineAnswer, the agent's is Answer. While the call is in progress Phase
// says what it is doing, by package cdr/phase, the definition the live
// views use too.
//
// The ACD hears of a caller's hangup from the IVR, so its
// CallAbandonedQueue comes after the call's CallEnded: the writer keeps an
// ended record for a minute to take it (late.go), and until then the wait
// is the time since the call joined the queue.
//
// # Figures
//
// Figures (figures.go) counts records into each queue's answered,
// abandoned, service level and abandon rate, by the formulas written on
// QueueFigures; the writer keeps what each record of the last two days adds
// (updated after each commit) so that the wallboard shows the figures of
// exactly the records written, at the cost of a pass over the day's queued
// calls in memory.
//
// # Callbacks
//
// A caller who asks to be called back keeps one record from the first ring to
// the end of the callback (callback.go), the core keeping the call open
// meanwhile: its type becomes "callback", its disposition
// "callback_pending" at the request, then at the call's one end "answered"
// with the agent, queue wait and the callback's end once the caller was
// called back and connected, "callback_failed" when no try was answered, or
// "interrupted" when the daemon stopped first.
//
// # Concurrency
//
// One goroutine owns every open record. It drains whatever events and starts
// are queued and commits all the records they touched in one transaction
// (group commit), so a burst of 1,000 calls costs a handful of fsyncs, not
// thousands. Started and Health are safe from any goroutine.
package cdr
