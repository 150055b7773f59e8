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
// 2026-12-08 on the shared 2-CPU development VM (load average 6–17: single
// runs vary by ±30 %), CPU µs per pair per second, medians of six runs
// alternating the tree before and after:
//
//	                        before (sim's own clock)    after (the core's clock)
//	Bridge                  792 (joining 589)           -
//	Room of two talkers     822 (joining 619)           1040 (joining 686)
//	Room, one listening     -                           1045 (mixed on the clock)
//	legs joined to nothing  203                         354
//
// With GOMAXPROCS=1 (three runs each): Bridge 591 (joining 372), Room 743
// (joining 424), idle 190 before and 299 after. The joining costs what the
// Bridge's did, within the noise (0.06–0.07 % of a core per pair); the idle
// legs cost more because the simulated lines now ride the SIP clock's design
// (four phases a tick on a thread of its own, about 1 µs more per leg and
// tick than the sim driver's single-goroutine clock), which is what real
// calls pay, and paid before.
//
//	go test -run '^$' -bench 'Cost$' -benchtime 1x -count 6 ./telephony
package telephony
