// Package acd is the automatic call distributor: it holds callers in queues,
// keeps every agent's state, and decides which agent is offered which call. It
// does not touch lines: its offers go out on the Offers channel to whoever
// rings phones (the switchboard: simulated phones, SIP phones, PBX desk phones
// over CTI), and the answers, hangups and phone registrations come back as
// method calls.
//
// The ACD hands offers out rather than calling a dialler given to it, because
// the side that rings phones needs the ACD (to report answers, to queue and
// transfer callers) and a dependency both ways would have to be tied after
// both exist. With the channel the ACD depends on nothing: it is built first,
// and the switchboard is built over it and takes its offers.
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
// the fairness order), to a polite goodbye or to voicemail (Diversions). WhenEmpty
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
// # Callbacks
//
// A waiting caller may ask to be called back instead of holding (Callback,
// from the IVR's queue node on *; refused while the call already rings an
// agent, who is about to take it). The request stays the same entry, with the
// same call id, so it keeps the caller's place: the caller's hangup no longer
// abandons it (CallEnded is ignored until an agent has it), and max wait and
// an emptied queue no longer send it on, since nobody is on the line to hear
// a goodbye. When it reaches the head it is offered like a call, with
// Data["callback"]="1", the number in Data["callback_number"] and the try in
// Data["callback_attempt"], so the agent's screen pops it as a callback. Once
// the agent answers, the telephony side (the switchboard) dials the caller and
// reports with CallbackResult: answered, and the call goes on like any other
// (CallEnded ends it, wrap-up follows); not answered, and the agent is free at
// once while the request waits Config.Callback.RetryAfter out of the queue,
// then goes back in its old place (its arrival time orders it), until
// Callback.Tries tries have failed and event.CallbackFailed is published.
// CallbackRequested and CallbackAttempted go out on the way. Requests live in
// memory: a restart forgets them.
//
// # Changes at runtime
//
// AddQueue, ReplaceQueue, RemoveQueue, AddAgent, ReplaceAgent, RemoveAgent and
// Reconfigure change the configuration while the ACD runs; like every method
// they are a message to Run. The new configuration is checked whole (errors
// are *FieldError, whose Field names the setting of the queue or agent being
// changed, or is "" when the fault lies elsewhere), handed to Deps.Saver, and
// only then applied; Config returns what runs. Applying keeps what still makes
// sense of the live state:
//
//   - A queue replaced keeps its callers in their order and with their time
//     waited (max wait and widening count from when they joined), today's
//     counts and recent waits, and the offers ringing to agents who still
//     qualify; members are worked out again.
//   - A queue removed sends its waiting and ringing callers on with its
//     overflow action (CallOverflowed, reason "removed"; an overflow queue
//     removed in the same change becomes goodbye). A callback request moves
//     to the overflow queue keeping its place, or is dropped. A queue that
//     another overflows to cannot be removed.
//   - An agent replaced keeps their state; an offer ringing from a queue they
//     no longer qualify for is withdrawn and goes to another agent. A new
//     extension is rung from the next offer.
//   - An agent removed is logged out at once (an offer ringing is withdrawn
//     and goes to another agent). One talking or in wrap-up finishes the call
//     and its wrap-up first, offered nothing meanwhile, and is then logged out
//     and forgotten; Snapshot shows them until then, Config no longer does. An
//     agent a queue lists as a member cannot be removed.
//   - Lowering MaxLength sends nobody already waiting away.
//
// Where the daemon's configuration comes from: the config file's [acd] seeds
// the store on the first start (acdstore.Seed); from then on the queues and
// agents in the store run, as edited in the panel (/admin/queues,
// /admin/agents) or the API (/api/queues, /api/agents), while the file's other
// [acd] settings (max_talk, estimate_samples, callback) still apply. To go back
// to the file's queues and agents, an installer edits the file, restarts the
// daemon (which keeps a copy of the file's [acd] at every start) and presses
// "reset to the config file" on /admin/queues, or sends POST /api/acd/reset
// (on the unix socket: curl --unix-socket DATA/tracecalld.sock -X POST
// http://tracecall/api/acd/reset).
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
// called from any goroutine. Snapshot returns a copy. Offers and diversions
// wait in the actor's outbox until taken: the actor never blocks on the
// switchboard, and the switchboard may call back into the ACD at once.
// Picking is cheap however
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
// CallOverflowed, CallbackRequested, CallbackAttempted, CallbackFailed and
// AgentStateChanged go to Deps.Events as they happen; the wallboard and the
// call records are built on them and on Snapshot.
//
// # Testing
//
// Timers come from Deps.Clock. Tests run the ACD inside a testing/synctest
// bubble with the system clock, so ring timeouts, wrap-up and max wait pass in
// fake time; a fake takes the offers from Offers, records them and answers
// them with OfferResult.
package acd
