// Package acd is the automatic call distributor: it holds callers in queues,
// keeps every agent's state, and decides which agent is offered which call. It
// does not touch lines: offers go out through an Offerer that the telephony side
// implements (simulated phones, SIP phones, PBX desk phones over CTI), and the
// answers, hangups and phone registrations come back as method calls.
//
// # Queues and strategies
//
// A queue has required skills with minimum levels (1–9); an agent qualifies if
// they have every skill at that level. After each WidenAfter of waiting, every
// minimum drops by WidenStep (never below 1), so a caller who has waited long
// may go to a less skilled agent. Among the free agents who qualify, the queue's
// strategy picks: linear (configured order), circular (round robin from the last
// agent offered a call from this queue), priority (agent priority number, higher
// first), fewest_answered (today), longest_idle (since the last call or login),
// call_memory (the agent who last answered this caller, if free; else longest
// idle), ring_all (every free agent at once; the first to answer wins) or random
// (from Deps.Rand, so seedable).
//
// Callers are served by priority (their own, from the customer's class or the
// IVR, plus their queue's), then by how long they have been in the ACD. An agent
// who serves several queues is offered the best caller across them all, so equal
// callers are served longest wait first whatever the queue (cross-queue fairness).
//
// An offer rings for the queue's RingTimeout, then goes to the next agent; the
// agent who let it ring out is ready again, or after MaxNoAnswer misses in a row
// not ready with reason "no answer". A caller who waits MaxWait, or arrives when
// MaxLength are waiting, is sent on: to another queue (keeping their place in
// the fairness order), to a polite goodbye or to voicemail (Diverter). WhenEmpty
// decides whether callers may join, or stay in, a queue where no member is
// logged in with a reachable phone.
//
// # Agents
//
// Every state change goes through one function that checks it against the state
// machine (logged_out, ready, not_ready with a reason, ringing, talking,
// wrap_up) and publishes event.AgentStateChanged. The state heals itself: a
// ringing offer times out; an agent still talking Config.MaxTalk after answering
// is moved on as if the hangup had been reported; an agent whose phone is
// unreachable (SetEndpointAvailable) keeps their state but is offered nothing.
// Wrap-up ends on its timer or when the agent says ready.
//
// # Estimated wait
//
// EstimatedWait answers "how long until an agent takes me" from what the
// queue's agents have actually been doing: the mean handle time (answer to end
// of wrap-up) over the queue's last EstimateSamples calls (default 20), and the
// members staffed now (logged in with a reachable phone and not on a break,
// free or busy). With P the caller's position and N staffed, the estimate is
// P × mean handle time ÷ N: the time N agents need to work through the callers
// ahead and reach this one. Recent answered waits are not used for the figure
// (when agents were idle they are all zero, which says nothing about a caller
// fifth in line); the wallboard shows their mean as AverageWait. Before the
// first call has been handled in full, or with nobody staffed, there is no
// estimate (ErrNoEstimate), and the announcement should say nothing rather than
// guess. The figure is rounded up to 10 s and never goes up for a caller: the
// value returned is the lesser of the new figure and the last one returned to
// that caller in that queue, so someone told "about two minutes" is never then
// told three; when no figure can be computed any more, the last one stands.
// Position counts the callers ahead in the same queue.
//
// # Concurrency
//
// An ACD is an actor: Run owns all state and handles one message or timer at a
// time; every method sends it a message and waits for the answer, so all may be
// called from any goroutine. Snapshot returns a copy. Offer and Divert run in
// their own goroutines and may call back into the ACD. Picking is cheap however
// busy the ACD is: each queue keeps, per widening stage, a heap of waiting
// callers and a pool of the free agents who qualify (a bitset for the
// order-based strategies, a heap for idle time and answered counts), so an agent
// becoming free looks at the head caller of each of its queues, and a caller
// arriving looks at one pool. Position and Snapshot count waiting callers, which
// is linear in their number.
//
// # Events
//
// CallQueued, CallOffered, CallOfferMissed, CallTaken, CallAbandonedQueue,
// CallOverflowed and AgentStateChanged go to Deps.Events as they happen; the
// wallboard and the call records are built on them and on Snapshot.
//
// # Testing
//
// Timers come from Deps.Clock. Tests run the ACD inside a testing/synctest
// bubble with the system clock, so ring timeouts, wrap-up and max wait pass in
// fake time; a fake Offerer records offers and answers them with OfferResult.
package acd
