// Package sim is a telephony driver of simulated lines. It is a real driver: the
// demo appliance and the tests reach the IVR through it exactly as callers on a
// card or a SIP trunk would, with real audio frames moving in real time.
//
// # Concepts
//
// A Driver owns a set of numbered lines. Call places a simulated caller on a free
// line: the line rings (a leg is handed to the Handler), and once the handler
// answers, the caller plays its script — DTMF keys as in-band tones by default, so
// the core's detector is exercised, or as out-of-band events like RFC 4733 — records
// what it hears, and hangs up when its time runs out or the far end hangs up. The
// clock runs the detector on each caller frame as it takes it, before the app's
// frame queue, and delivers the tones' keys on Digits with the out-of-band ones: an
// app that does not read for seconds, or a clock catching up after a stall, loses
// no key (a leg's InbandDTMF is false).
//
// # Phones
//
// Simulated agent phones are extensions (Config.Phones, AddPhone, or any
// extension Dial is asked for). Dial rings one and returns once it answers,
// after its AnswerAfter, or by hand with Phone.Answer; a phone that never
// answers lets the dial time out. The phone's leg joins the caller's call id,
// speaks a steady tone, hears (and can record) what the appliance sends, and
// ends from either side (Phone.Hangup is the agent hanging up). Phone legs
// publish line changes for "sim/phone/EXT" but no call start or end: the call
// is the caller's. Dialling a number that is no configured phone makes a
// phone of it, which is how a caller is called back on the simulated lines.
//
// A phone also places calls (Phone.Call), as an agent dialling a feature code
// such as *21: the handler gets an inbound leg on the phone's line whose
// calling number is the extension, and that call publishes its start and end
// like a line's. Such a leg's Info().FromVerified is true: the phones are the
// appliance's own desk phones, driven by signed-in users of the panel and
// tracectl, so the driver vouches for their extension and feature codes act
// on it. A simulated line's caller may claim any number (CallOptions.ANI):
// its legs are not verified, as a trunk's callers are not, but their number
// is asserted (Info().FromAsserted), as an exchange line's caller ID is: a
// callback may dial it. Phone.Watch
// reports the phone's rings, dials, answers and hangups as they happen
// (tracectl sim phone prints them).
//
// # The clock
//
// The core's media clock (package telephony/media/clock, Config.Clock; the
// driver makes its own when none is given) moves one frame each way on every
// answered leg every 20 ms, never blocking: a leg that has no frame ready when
// its tick comes is heard as silence and counted late (an underrun). Its
// figures (ClockStats: phase lateness percentiles, underruns, ticks caught up
// or skipped) are what the load benchmark reports.
package sim
