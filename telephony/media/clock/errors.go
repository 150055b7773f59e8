package clock

import "errors"

// errRunning is returned by Run while the clock is already running.
var errRunning = errors.New("clock: already running")
