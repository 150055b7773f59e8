// Package telephony holds the core's vocabulary: legs (one party's connection), calls
// (legs joined under one id from first ring to last hangup), drivers that turn lines
// into legs, handlers that serve legs, and the per-leg Session that runs the 20 ms
// media loop, detects in-band DTMF and plays audio for the apps. Bridge joins two
// legs' audio both ways (a caller and an agent) until either hangs up. A Room
// holds any number of legs of one call, each hearing the others (RoomTalk),
// only listening, or held on music (RoomHeld); modes change and members come
// and go while it runs, which is what hold, consult and conference need
// (package switchboard drives it). Rooms share one RoomClock; with exactly two
// talkers a room passes frames straight through and costs what a Bridge does.
// LegState is the bookkeeping every driver's legs share: the context that ends
// with the leg, answered or not, and the once-only end with its HangupInfo.
//
// # Calls
//
// Calls is the core's switch, and the one owner of every call. It serves every
// driver (Serve) and dials through them (Dial): each inbound leg joins the call
// its CallID names, starting it; a leg dialled with DialOptions.CallID joins
// that call. The call ends when its last leg is gone, no dial into it is under
// way, and nothing keeps it open (KeepOpen: a callback request keeps the
// caller's call open until the callback is over, so a callback is the rest of
// the same call). Calls alone publishes event.CallStarted, CallAnswered (the
// first leg to answer) and CallEnded, once each per call, whatever hangs up
// first; CallEnded says "caller" when the caller's leg hung up, "agent" when
// the last to hang up from their end was another party, else how the
// appliance ended the caller's leg ("ivr", "system").
//
// Drivers report only a leg's own life, through the LegState every leg
// embeds (the Leg interface requires it): AnswerLocked when it answers,
// Cancel once it is gone. They publish no call event. Legs without media
// (the CTI driver's PBX devices) are legs like any other whose Media returns
// ErrNoMedia. The conformance suite in drivers/drivertest holds every driver
// to this.
//
// # Concepts
//
// The grammar follows net/http: a Driver calls Handler.ServeLeg for every inbound leg,
// as a Server calls ServeHTTP for every request, and the leg's Context ends when the
// leg hangs up. Optional capabilities (out-of-band digits, transfer) are found by type
// assertion, like http.Flusher.
//
// # Concurrency
//
// A Leg is safe for concurrent use. A Session is owned by the goroutine that serves the
// leg; its media loop runs in its own goroutine and only ever makes bounded,
// non-blocking sends, so a slow app or subscriber cannot stall the 20 ms clock.
package telephony
