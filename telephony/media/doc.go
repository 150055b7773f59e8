// Package media holds the core's one audio shape, the 20 ms frame of 8 kHz 16-bit
// linear PCM, and the signal processing that runs on it: G.711 conversion for the
// driver edges, the in-band DTMF detector, and the DTMF and call-progress tone
// generator with China's tone plan.
//
// # Levels
//
// Levels are in dBm0 with the usual 16-bit convention: a full-scale sine is
// +3.17 dBm0, so a 0 dBm0 sine peaks at 22 748.
//
// # G.711
//
// Drivers convert at their edges: EncodeALaw and EncodeULaw append one frame's
// 160 bytes to a buffer (after an RTP header, say) without allocating when it has
// room; DecodeALaw and DecodeULaw fill a frame and return ErrFrameSize for a payload
// that is not 20 ms. Law picks one of the two at run time (A-law is the zero value).
//
// # DTMF detection
//
// DTMFDetector is a Goertzel-style detector, one per leg, that reports each key
// press once, within about 50 ms of its start. Its defaults meet the ITU-T Q.24
// figures used in the project (specs/dahdi-and-lines.md, E2): ±1.5 % frequency
// error accepted and ±3.5 % rejected (the limit is ±2.5 %), 40 ms tones accepted
// and tones under 23 ms rejected (the shortest accepted is 29 to 36 ms), twist
// +8/-4 dB accepted, -26 dBm0 per tone accepted (the floor is -36), 15 dB S/N
// tolerated (detection holds to about 9 dB), 40 ms pauses between equal keys,
// ten digits a second. It notches out China's 450 Hz dial tone (and 425 Hz) first.
// The tests prove each figure on generated tones and check for talk-off on
// synthetic speech and music and, when espeak-ng is installed, on text-to-speech
// in Mandarin, Cantonese and English. A quiet frame after a quiet frame is only
// scanned, not analysed (about 0.1 µs against a few µs), so a detector may run on
// every leg at the edge where its frames arrive.
//
// # Tones
//
// ToneGenerator plays DTMF keys (NewDTMFTone) and China's call-progress tones
// (NewCallProgress: dial, busy, ringback, congestion, call waiting, record, info,
// stutter dial), or any sum of frequencies with a cadence (NewTone). Mix and Gain
// combine and scale frames with saturation; Sum mixes a conference, giving each
// member everyone else's voice (a 32-bit accumulator, saturated on the way out).
//
// # Concurrency
//
// Detectors and generators hold per-leg state and are not safe for concurrent use;
// each leg owns its own. Nothing here allocates per frame.
package media
