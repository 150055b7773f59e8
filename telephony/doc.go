// Package telephony holds the core's vocabulary: legs (one party's connection), calls
// (legs joined under one id from first ring to last hangup), drivers that turn lines
// into legs, handlers that serve legs, and the per-leg Session that runs the 20 ms
// media loop, detects in-band DTMF and plays audio for the apps. A Room is the
// one way to join parties: it holds any number of legs of one call, each
// hearing the others (RoomTalk), only listening, or held on music (RoomHeld);
// modes change and members come and go while it runs, which is what hold,
// consult and conference need (package switchboard drives it), and a caller
// talking to an agent is a room of two talkers. Rooms mix on the core's one
// media clock (package telephony/media/clock), the clock that also moves every
// driver's calls; with exactly two talkers a room passes frames straight
// through and leaves the clock (see Cost).
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
//
// # Cost
//
// A caller talking to an agent is a room of two talkers, which costs no mixing
// and no clock work: each member's reader hands its frames to the other's
// writer, as the Bridge that used to join them did (the Bridge was removed in
// issue 9, a second way to join parties). room_bench_test.go joins 100
// simulated callers to 100 simulated agent phones for 2 s and reports the
// process's CPU per pair per second of call; subtracting BenchmarkIdleCost
// (the same legs joined to nothing) leaves the joining's own cost. Measured
// 2026-12-08 on the 2-CPU development VM (AMD EPYC), CPU µs per pair per
// second of call, medians of four runs each, machine quiet (load under 1):
//
//	                        before (sim's own clock)    after (the core's clock)
//	Bridge                  647 (joining 486)           -
//	Room of two talkers     729 (joining 568)           1026 (joining 627)
//	Room, one listening     -                           1236 (mixed on the clock)
//	legs joined to nothing  161                         399
//
// So a two-talker room's joining costs 0.063 % of a core per pair against
// the Bridge's 0.049 % (+29 %; the room's own bookkeeping per frame), and the
// simulated legs cost more because they now ride the SIP clock's design
// (four phases a tick on threads of their own), which SIP calls already paid.
// Earlier runs on the same machine under load (load average 6–17) gave Bridge
// 792 (joining 589) and Room 1040 (joining 686).
//
//	go test -run '^$' -bench 'Cost$' -benchtime 1x -count 6 ./telephony
package telephony
