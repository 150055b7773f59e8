// Package ivr runs the hotline's voice menus on a leg: it answers, plays prompts
// rendered by TTS (or an installer's recordings), takes keys, and for the trace
// query collects a trace code, looks it up and reads the chain back in the order of
// the trace-data spec §6.
//
// # Flows
//
// Menus and prompts come from the config file, not from code: a flow is a set of
// named nodes (menu, language, say, trace_query, trace_read, trace_certificates,
// queue, hangup) and the dialled number picks the flow. Prompt texts are templates with
// {name} placeholders; the chain readout is composed from the read_* prompts, so an
// installer can reword every sentence the caller hears.
//
// # Queues
//
// A queue node makes one call: it hands the caller to the board
// (Deps.Board, the daemon's switchboard), which queues the call in the ACD
// and owns the caller from there to the agent. While the caller waits the
// node keeps them company: the node's prompt, then hold music (a soft melody,
// or China's ringback tone) with their position announced every
// AnnounceEvery, and the estimated wait too when the ACD (Deps.Queues) has an
// honest one. When an agent answers, the node releases its Session and the
// board connects the caller and runs the call — hold, transfers, conference
// — until the caller's part is over, and the flow ends. When the queue sends
// the call on (no agent logged in, max wait) the node's next runs.
//
// A queue node with callback prompts lets the caller press * on hold to be
// called back: the callback prompt reads back the last four digits of the
// calling number and asks for 1 to confirm (any other key, or none, goes back
// to holding in the same place); on 1 the request goes to Deps.Callbacks
// (the switchboard), the callback_done prompt is said and the IVR hangs up.
// The ACD keeps the request in the caller's place and the dialler calls them
// back when an agent takes it.
//
// Only a number the network vouches for is called back
// (telephony.LegInfo.FromAsserted: the trunk's or a peer's calling number,
// an exchange line's, an authenticated phone's), never one a stranger wrote
// in the From of a SIP INVITE sent straight to the appliance, which would
// make the hotline ring whoever they named. Such a caller's * hears the
// node's callback_unavailable prompt and holds on in the same place. Their
// number gets no VIP priority from the customer book either, and the call
// is queued with Data[DataCallerUnverified] "1", for the screen pop's mark.
//
// # Feature codes
//
// An agent_state node applies an action (login, logout, ready, not_ready with
// a reason) to the agent whose phone placed the call: the leg's driver and
// calling number ("sim:8001") are looked up among the ACD's agent extensions
// (Deps.AgentStates). The node says its prompt when the action worked (or the
// agent already was logged in or out), agent_unknown for a phone that is no
// agent's, agent_not_logged_in, agent_on_call or agent_failed otherwise, then
// the flow ends. Routes give each code its flow, so the codes (*21 log in, *22
// log out, *23 ready, *24 not ready in the shipped config) are configuration.
// The IVR never touches a driver: ringing the agent is the switchboard's job.
//
// Only the agent's own phone may: a leg whose driver does not vouch for its
// calling number (telephony.LegInfo.FromVerified false: a SIP INVITE that did
// not authenticate, a simulated line's caller) hears agent_unverified, no
// agent's state changes, and the refusal is logged with the extension it
// claimed. DialPlan tells drivers which numbers are public, so that the SIP
// driver refuses an unverified INVITE to a feature code (or to a route marked
// private) before it becomes a call at all.
//
// # Events
//
// Every step is an event on the bus: IVRStep when a node starts, Said for every
// phrase with its text, DigitsCollected for every entry, TraceLookup for every code
// with its result. The call record writer and `tracectl sim call --json` are built
// on them.
//
// # Concurrency
//
// One goroutine runs each call's flow; the telephony Session under it runs the
// media loop. TTS renders off the media path: the next sentence is rendered while
// the current one plays.
package ivr
