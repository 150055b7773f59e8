//go:build !linux

package sip

// clockThreads is one worker on a runtime timer off Linux
// (clock_thread_linux.go).
func clockThreads() (workers int, kernel bool) { return 1, false }

// threadWait is not used off Linux.
type threadWait = timerWait
