package sim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tracecall/drivers/sim"
	"tracecall/telephony"
)

// TestPhoneCallAndWatch places a call from a phone (a feature code) and
// follows the phone's events, then has the phone rung and answered.
func TestPhoneCallAndWatch(t *testing.T) {
	served := make(chan telephony.LegInfo, 4)
	d, _ := start(t, sim.Config{Lines: 1}, telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		if l.Info().To == "probe" {
			return
		}
		served <- l.Info()
		if err := l.Answer(ctx); err != nil {
			t.Errorf("answer: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}))
	p := d.AddPhone("8001", sim.PhoneOptions{AnswerAfter: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	events := p.Watch(ctx)

	c, err := p.Call(context.Background(), sim.CallOptions{ANI: "ignored", DNIS: "*21", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	info := <-served
	if info.From != "8001" || info.To != "*21" || info.Line != "sim/phone/8001" || info.Direction != telephony.Inbound {
		t.Errorf("leg from the phone: %+v", info)
	}
	if _, err := p.Call(context.Background(), sim.CallOptions{DNIS: "*22"}); !errors.Is(err, sim.ErrBusy) {
		t.Errorf("second call from a busy phone: %v, want ErrBusy", err)
	}
	res, err := c.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.Answered || res.Hangup.By != "ivr" {
		t.Errorf("result %+v, want answered and hung up by the appliance", res)
	}
	// The phone is free again and can be rung.
	for p.State() != telephony.LineIdle {
		time.Sleep(time.Millisecond)
	}
	l, err := d.Dial(context.Background(), telephony.Address{Driver: "sim", User: "8001"}, telephony.DialOptions{From: "138", CallID: "c-2"})
	if err != nil {
		t.Fatal(err)
	}
	_ = l.Hangup(context.Background(), telephony.CauseNormal)

	want := []string{
		sim.PhoneDialling + " *21", sim.PhoneAnswered + " *21", sim.PhoneHangup + " *21 appliance",
		sim.PhoneRinging + " 8001", sim.PhoneAnswered + " 8001", sim.PhoneHangup + " 8001 appliance",
	}
	for i, w := range want {
		select {
		case e := <-events:
			got := e.Type + " " + e.To
			if e.Type == sim.PhoneHangup {
				got += " " + e.By
			}
			if got != w {
				t.Errorf("event %d = %q (%+v), want %q", i, got, e, w)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("event %d: none, want %q", i, w)
		}
	}
	cancel()
	for range events { // closed once ctx ends
	}
}
