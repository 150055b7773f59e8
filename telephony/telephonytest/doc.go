// Package telephonytest provides a fake telephony.Leg for tests of code that serves
// legs: the test plays the far end, feeding frames and keys and reading what the
// leg was sent, one frame at a time, with no clock.
package telephonytest
