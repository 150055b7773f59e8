// Package ivr runs the hotline's voice menus on a leg: it answers, plays prompts
// rendered by TTS (or an installer's recordings), takes keys, and for the trace
// query collects a trace code, looks it up and reads the chain back in the order of
// the trace-data spec §6.
//
// # Flows
//
// Menus and prompts come from the config file, not from code: a flow is a set of
// named nodes (menu, language, say, trace_query, trace_read, trace_certificates,
// hangup) and the dialled number picks the flow. Prompt texts are templates with
// {name} placeholders; the chain readout is composed from the read_* prompts, so an
// installer can reword every sentence the caller hears.
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
