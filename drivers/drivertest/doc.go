// Package drivertest is the conformance suite every telephony driver passes in
// its own tests: drivertest.Run(t, newRig) runs the same scenarios against a
// driver under the core (telephony.Calls), with far ends the driver's test
// provides — simulated callers and phones for sim, a second SIP driver over
// loopback for sip, the PBX simulator for cti, a looped DAHDI span for dahdi.
//
// # What a driver promises
//
//   - One CallStarted, one CallAnswered and one CallEnded per call, whoever
//     hangs up first; the driver publishes none of them itself (the core
//     does, from the leg's LegState).
//   - A leg's Context ends when it hangs up, from either side.
//   - Answer and Hangup are idempotent; Answer after the end is an error.
//   - A leg dialled with DialOptions.CallID joins that call, and its end
//     does not end the call; nor does any leg's end end another call.
//   - Frames come every 20 ms, in order, none twice.
//   - Each key the far end presses reaches the app once.
//
// # Writing a rig
//
// A Rig is the driver and two far ends: a caller who calls in (Call) and a
// party the driver can dial who answers by itself (Callee). Each scenario
// gets a new rig, so state never leaks between them. Media-less drivers
// (CTI) set Rig.NoMedia, and the frame and key scenarios are skipped for
// them by design, not silently: the suite logs it.
package drivertest
