package sip_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/telephony"
)

// TestPickupBaresip: baresip 1.0 (Debian 12's), a real softphone left to
// ring (answermode manual), announces neither the talk event nor RFC 5373
// auto-answer when it registers, so Pickup does not ask it: it says so,
// naming the phone, and baresip rings on until its user accepts the call.
func TestPickupBaresip(t *testing.T) {
	d := servePhones(t, sip.Config{}, nil)
	b := startBaresip(t, d)
	b.command(t, "answermode", "manual")

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	type dialled struct {
		l   telephony.Leg
		err error
	}
	dc := make(chan dialled, 1)
	go func() {
		l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8001"}, telephony.DialOptions{From: "96315"})
		dc <- dialled{l, err}
	}()
	// baresip says when it rings; the INVITE is Dial's, so Pickup finds it.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(b.out.String(), "Incoming call"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not ring within 10 s\n%s", b.out.String())
		}
	}
	err := d.Pickup(ctx, telephony.Address{Driver: "sip", User: "8001"})
	if !errors.Is(err, sip.ErrNoRemoteAnswer) || !strings.Contains(err.Error(), "baresip") {
		t.Fatalf("Pickup of baresip = %v, want ErrNoRemoteAnswer naming baresip", err)
	}
	t.Logf("Pickup: %v", err)
	b.command(t, "accept", "") // its user picks up
	got := <-dc
	if got.err != nil {
		t.Fatalf("Dial: %v\n%s", got.err, b.out.String())
	}
	if err := got.l.Hangup(ctx, telephony.CauseNormal); err != nil {
		t.Fatal(err)
	}
}
