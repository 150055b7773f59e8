//go:build !linux

package clock

import "errors"

// raiseThreadPriority is Linux only (priority_linux.go).
func raiseThreadPriority() (string, error) {
	return "", errors.New("thread priorities are set on Linux only")
}
