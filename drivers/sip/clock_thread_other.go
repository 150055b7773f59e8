//go:build !linux

package sip

// ownThreadWait is a runtime timer off Linux (clock_thread_linux.go).
func ownThreadWait() phaseWait { return newTimerWait() }
