// Package screenpop composes the screen pop: what the agent desktop's card
// shows about a call the ACD offers an agent — the caller as the customer
// book knows them, the IVR path, every trace code keyed with its chain, the
// caller's last calls with their notes — and publishes it on the bus as a
// Pop ("pop" on /api/events) while the agent's phone rings.
//
// # Concepts
//
// A Composer is a bus subscriber of its own ("screenpop"). For each
// event.CallOffered it reads the call's record, the customer (crm), each
// found code's chain (as GET /api/trace/{code} finds it: the chain's own
// code, then the chains that carry it as a batch code, voucher or
// certificate) and the caller's recent calls from the store, and publishes
// one Pop. The offers of one round (ring-all offers a call to every free
// agent under one time) share one composition. A pop for an offer already
// over (missed, or another call offered since) is dropped: a late card would
// only confuse.
//
// The Composer also follows each agent's state and current call
// (AgentStateChanged, CallOffered, CallOfferMissed, CallTaken, CallEnded), so
// a desktop that (re)loads mid-call gets them from Current, and the panel can
// ask whether a call was offered to an agent (OfferedTo) before it lets them
// write a note on it.
//
// # Concurrency
//
// The IVR and the ACD never wait for a pop: the Composer has its own
// subscription (a deep queue; when the bus cuts it off it logs so and
// subscribes again, losing only the pops of the offers missed meanwhile) and
// composes in at most popWorkers goroutines at once. Its mutex guards the
// agents' state, their current calls and the shared rounds, never across a
// store read. Start runs it until its context ends; the function Start
// returns stops it and waits for the pops being composed.
//
// # Testing
//
// composer_whitebox_test.go composes against a storetest store and watches
// the bus with eventtest. web's BenchmarkPopLatency measures the time from a
// call entering the queue to its pop reaching an agent's browser over
// /api/events, with 200 calls in progress around it.
package screenpop
