// Package switchboard is call control for callers connected to agents: it
// owns every caller-to-agent connection from the moment an agent answers
// until the caller's part is over, and carries out what the agent desktop's
// buttons ask — hold and resume, blind and consult transfer to an agent, a
// queue, a number or the duty manager, three-way conference, hang up — by the
// id of an agent on the call.
//
// # Concepts
//
// The IVR's queue node waits for an agent (Board.Await, passed through to the
// acd/offer Offerer) and hands Board.Connect the caller's leg, the agent's
// leg and the acd.Call. Connect puts both in a telephony.Room for the call
// and runs the connection until the caller hangs up or nobody is left with
// them; then it hangs up whoever is still on and tells the ACD each agent's
// part ended, so each goes to wrap-up. The acd/offer callback dialler hands
// it an answered callback the same way (offer.Connector): the called-back
// caller's leg, the agent's, and the call as it was queued.
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
// # Events
//
// The room publishes event.RoomJoined, RoomLeft and RoomHeld per leg; the
// board publishes event.CallHeld, CallTransfer (started, answered,
// completed, cancelled, failed) and CallConference per agent action, all
// under the caller's CallID. The operations return once the action is under
// way; the desktop learns the outcome from the events.
//
// # Concurrency
//
// Each connection is an actor: Connect's goroutine owns its state, and the
// operations send it a function and wait for the answer. A helper goroutine
// per leg watches for its hangup and one per transfer waits for its outcome;
// all stop when the connection ends. The Board's methods may be called from
// any goroutine. Every connection's room mixes on the core's media clock
// (Deps.Clock, package telephony/media/clock) when it has something to mix:
// a caller talking to one agent passes frames straight through, and rooms
// that mix (hold, consult, conference) are ticked with every call's media.
//
// # Testing
//
// The tests run the sim driver's callers and phones, the real ACD and the
// acd/offer Offerer, and check who hears whom by the tones: a caller keying
// DTMF, agent phones each speaking its own frequency.
package switchboard
