// Package acdstore keeps the ACD's queues and agents in the store, so that
// what the panel and the API change survives a restart. It is the glue
// between two packages that know nothing of each other: acd asks only for an
// acd.Saver, and store offers only JSON documents under meta keys.
//
// Two documents, under the keys the store used when it kept them itself (an
// existing data directory loads as it is):
//
//	meta/store.acd       → the queues and agents that run
//	meta/store.acd.file  → the config file's [acd] queues and agents as of
//	                       the last start, for "reset to the config file"
//
// Each is {"queues": [...], "agents": [...], "saved": time}, the queues and
// agents being acd.QueueConfig and acd.AgentConfig as encoding/json writes
// them (durations in nanoseconds). Only queues and agents are kept; the rest
// of [acd] (max_talk, estimate_samples, callback) always comes from the file.
// The first start seeds store.acd from the file (Seed); after that the store
// is what runs.
package acdstore
