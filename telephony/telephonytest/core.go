package telephonytest

import (
	"testing"

	"tracecall/telephony"
	"tracecall/telephony/event"
)

// Core returns the core over drivers, publishing the calls' lifecycle on pub
// (nil publishes nothing), as the daemon runs them: serve legs with its
// Serve and dial with its Dial, so the calls have their start and end.
func Core(t testing.TB, pub *event.Client, drivers ...telephony.Driver) *telephony.Calls {
	t.Helper()
	c, err := telephony.NewCalls(drivers, pub, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
