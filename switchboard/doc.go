// Package switchboard owns every caller from the moment they are queued for
// an agent until their part of the call is over: it rings the agents the ACD
// offers calls to, connects the caller to the one who answers, carries out
// what the agent desktop's buttons ask — hold and resume, blind and consult
// transfer to an agent, a queue, a number or the duty manager, three-way
// conference, hang up — by the id of an agent on the call, and calls back
// callers who asked to be.
//
// # Offers
//
// The ACD decides who is offered which call; the board rings them. Run takes
// the ACD's offers (acd.ACD.Offers) and dials each agent's extension
// ("sim:8001", "sip:8001") through Deps.Dialer — the core, *telephony.Calls —
// with the call's id, so that the agent's leg joins the call, for as long as
// the offer lasts, and reports the outcome with acd.ACD.OfferResult. The
// answer goes to whoever holds the caller (a queued caller, a transfer, a
// callback request) as an answer carrying the agent's id with their leg: the
// board rang that agent, so nobody works out again whose leg it is. An
// answered leg nobody waits for any more is hung up and the ACD told the call
// is over, so the agent is not left talking to nobody. Calls the queues send
// on to a goodbye or voicemail (acd.ACD.Diversions) go to the same holder.
//
// Why the ACD hands offers out on a channel rather than being given the
// board: the board needs the ACD (to queue, transfer and report), so the ACD
// must not need the board. The ACD is built first and depends on nothing;
// the board is built over it and takes its offers; main wires them once.
//
// # Queueing
//
// The IVR's queue node makes one call: Queue(ctx, caller, call, holder). The
// board registers the caller as waiting, enqueues the call in the ACD, and
// lets the Holder (the node's music and announcements) keep the caller
// company until an agent answers, the queue sends the call on, or the caller
// is done waiting. On an answer the holder releases the caller's media and
// the board connects and runs the connection until the caller's part is
// over; Queue returns the agent, or the overflow for the node to play, and
// tells the ACD the caller's part ended (an abandon while waiting, wrap-up
// after talking).
//
// # Connections
//
// A connection puts the caller and the agent in a telephony.Room for the call
// and runs until the caller hangs up or nobody is left with them; then it
// hangs up whoever is still on and tells the ACD each agent's part ended, so
// each goes to wrap-up.
//
// Everyone on the connection is a room member: the caller, the agents (or
// dialled numbers) talking with them, and the party of a consult. Hold puts
// the caller in RoomHeld (they hear Deps.Music and nobody hears them);
// consulting holds the caller and lets the agent and the consulted party talk
// (the agent hears ringback while it rings, music while a queue finds an
// agent); Conference puts all three in RoomTalk. Legs never move between
// rooms or bridges, so no frame is lost to a hand-over.
//
// # Transfers
//
// A transfer takes the call's Data with Data["transferred_by"] set to the
// agent, so the next agent's screen pops with the trace code and who sent the
// call. Each party a transfer tries to reach is a call of its own in the ACD,
// acd.TransferID(CallID, n) (see acd/direct.go): a named
// agent is offered it directly (acd.ACD.OfferTo), the duty manager is the
// free agent with role duty_manager who has been idle longest
// (OfferToRole), a queue gets it like any caller (Enqueue), and a number is
// dialled through the driver the target names ("sim:8003") or
// Config.NumberDriver (the SIP trunk) with the caller's number presented.
// The ACD publishes all of it under the caller's CallID, and so does the
// board, so one call keeps one id and one record however many agents it
// reaches.
//
// Blind: the agent leaves at once (their part ends, wrap-up) and the caller
// hears music until the target answers. If nobody takes the call (rung out,
// refused, the queue sent it on) the caller waits in the queue the call came
// from, once; failing that they are hung up.
//
// Consult: the caller is held while the agent reaches the target. Then
// CompleteTransfer (or the agent hanging up) leaves the caller with the
// target, CancelTransfer drops the target and gives the caller back, and
// Conference joins the three. If the target does not answer, or hangs up,
// the caller is back with the agent. Completing before the target answered
// turns the consult into a blind transfer.
//
// # Callbacks
//
// Callback takes a waiting caller's request to be called back (the IVR's
// queue node, on * and 1): the ACD keeps the request in the caller's place
// (acd's doc, "Callbacks"), and from then on the agent who answers it comes
// to the board's request rather than to the queue node. The board dials the
// caller's number on the driver that carried the call ("sim:13800138000" on
// the simulated lines, "sip:…" out of the SIP trunk) while the agent hears
// ringback, and connects the two like any queued caller, so the agent can
// hold, transfer and conference a callback like any call. An unanswered,
// busy or refused call back hangs the agent up and is reported to the ACD,
// which offers the request again or gives up. The callback keeps the call's
// id, so everything about it lands on the caller's call record.
//
// # Events
//
// The room publishes event.RoomJoined, RoomLeft and RoomHeld per leg; the
// board publishes event.CallHeld, CallTransfer (started, answered,
// completed, cancelled, failed) and CallConference per agent action, all
// under the caller's CallID. The operations return once the action is under
// way; the desktop learns the outcome from the events. The call's lifecycle
// (started, answered, ended) is the core's to publish, never the board's.
//
// # Concurrency
//
// Each connection is an actor: the goroutine that runs it (the queue node's,
// in Queue, or Run's, for a callback) owns its state, and the
// operations send it a function and wait for the answer. A helper goroutine
// per leg watches for its hangup and one per transfer waits for its outcome;
// all stop when the connection ends. Run rings each offer and follows each
// callback request in a goroutine of its own and waits for them when it
// stops. The Board's methods may be called from any goroutine. Every
// connection's room runs on the core's one media clock (Deps.Clock): a
// caller talking to one agent passes frames straight through, and rooms that
// mix (hold, consult, conference) share the clock's phases.
//
// # Testing
//
// The tests run the sim driver's callers and phones through the core's
// telephony.Calls and the real ACD, and check who hears whom by the tones: a
// caller keying DTMF, agent phones each speaking its own frequency. The
// ringing of offers and the callback tries are tested in-package against a
// fake ACD and a fake dialer.
package switchboard
