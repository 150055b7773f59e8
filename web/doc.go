// Package web serves the appliance's HTTP API (and, in later issues, the panel):
// JSON under /api/ and a health check. The same handler serves two listeners: the
// TCP address, where every /api/ route needs the bearer token from DATA/api-token,
// and the unix socket that tracectl uses, which file permissions protect.
//
// # Streams
//
// POST /api/sim/call answers with newline-delimited JSON, one object per event of
// the call as it happens, built from the event bus; see .notes/API.md at the
// repository root for every route.
package web
