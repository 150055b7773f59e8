package main

import (
	"context"
	"fmt"

	"tracecall/drivers/sim"
	"tracecall/switchboard"
	"tracecall/telephony"
)

// simPickup answers a simulated agent phone from the desktop.
type simPickup struct{ d *sim.Driver }

func (p simPickup) Pickup(_ context.Context, ext telephony.Address) error {
	ph, ok := p.d.Phone(ext.User)
	if !ok {
		return fmt.Errorf("no simulated phone %s: %w", ext.User, switchboard.ErrNotRinging)
	}
	return ph.Answer()
}

var _ switchboard.Pickup = simPickup{}
