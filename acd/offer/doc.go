// Package offer rings agents' phones for the ACD through the telephony
// drivers and hands each answered agent leg to whoever holds the caller.
//
// # Concepts
//
// An Offerer is the acd.Offerer (and acd.Diverter) of the daemon. Offer dials
// the agent's extension ("sim:8001", "sip:8001") on the driver of that name
// with the caller's CallID, so the agent's leg joins the call, and reports the
// outcome to the ACD. The app holding the caller (the IVR's queue node) calls
// Await before it enqueues the call and gets the agent's leg, or the overflow
// the queue chose, on the channels Await returns; it then connects the legs
// itself. An answered leg nobody waits for any more is hung up and the ACD told
// the call is over, so the agent is not left talking to nobody.
//
// # Callbacks
//
// Callbacks is the dialler for callback requests (acd's doc, "Callbacks"). The
// IVR's queue node hands it a CallbackRequest when a caller confirms one: it
// takes over the call's Await, so the leg of the agent who later answers the
// request comes to it, dials the caller's number on the driver that carried
// the call ("sim:13800138000" on the simulated lines, "sip:…" out of the SIP
// trunk) while the agent hears ringback, and hands the two legs to call
// control (a Connector, the daemon's switchboard; see ConnectThrough), so the
// agent can hold, transfer and conference a callback like any call — without
// one it joins them in a telephony.Room of two talkers. An unanswered, busy or refused call back hangs
// the agent up and is reported to the ACD, which offers the request again or
// gives up. The callback keeps the call's id, so its room and its end
// (event.CallEnded, published here because the dialled legs publish none) land
// on the caller's call record. Run follows the requests until its context
// ends.
//
// # Concurrency
//
// All methods may be called from any goroutine. Offer blocks while the phone
// rings and returns once the outcome is reported; it never waits for the
// caller's side.
//
// # Testing
//
// The IVR's tests run an Offerer over the sim driver's phones; a fake Results
// stands in for the ACD where only the ringing matters.
package offer
