// Package telephonytest provides a fake telephony.Leg for tests of code that serves
// legs: the test plays the far end, feeding frames and keys and reading what the
// leg was sent, one frame at a time, with no clock. Core builds the core
// over drivers under test, and Clock runs a media clock for the rooms and
// drivers a test builds.
package telephonytest
