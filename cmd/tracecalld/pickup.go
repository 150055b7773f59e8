package main

import (
	"context"
	"errors"
	"fmt"

	"tracecall/drivers/sim"
	sipdriver "tracecall/drivers/sip"
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

// sipPickup asks a SIP agent phone to answer, with the talk event or
// auto-answer if it announced either; one that announced neither is
// switchboard.ErrUnsupported, which the desktop explains.
type sipPickup struct{ d *sipdriver.Driver }

func (p sipPickup) Pickup(ctx context.Context, ext telephony.Address) error {
	err := p.d.Pickup(ctx, ext)
	switch {
	case errors.Is(err, sipdriver.ErrNoRemoteAnswer):
		return fmt.Errorf("%w: %w", switchboard.ErrUnsupported, err)
	case errors.Is(err, sipdriver.ErrNotRinging):
		return fmt.Errorf("%w: %w", switchboard.ErrNotRinging, err)
	}
	return err
}

var (
	_ switchboard.Pickup = simPickup{}
	_ switchboard.Pickup = sipPickup{}
)
