// Package ttstest provides a fake tts.Speaker for tests of code that plays
// prompts, such as the IVR, so they need neither espeak-ng nor prompt files.
//
// Its clips are deterministic: each rune of text becomes 40 ms of a 1 kHz tone
// (silence for spaces), after 100 ms of silence, so a longer text plays longer
// and tests can predict the frame count with Clip.
package ttstest
