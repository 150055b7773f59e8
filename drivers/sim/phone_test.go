package sim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"tracecall/drivers/sim"
	"tracecall/telephony"
	"tracecall/telephony/media"
)

func TestDialPhone(t *testing.T) {
	tests := []struct {
		name    string
		opts    sim.PhoneOptions
		dial    telephony.DialOptions
		reject  bool // the phone hangs up while ringing
		wantErr error
	}{
		{name: "answers", opts: sim.PhoneOptions{AnswerAfter: 40 * time.Millisecond, ToneHz: 1000}, dial: telephony.DialOptions{CallID: "c-1", From: "138"}},
		{name: "never answers", opts: sim.PhoneOptions{AnswerAfter: -1}, dial: telephony.DialOptions{Timeout: 60 * time.Millisecond}, wantErr: sim.ErrNoAnswer},
		{name: "rejects", opts: sim.PhoneOptions{AnswerAfter: -1}, reject: true, wantErr: sim.ErrRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, _ := start(t, sim.Config{Lines: 1}, telephony.HandlerFunc(func(context.Context, telephony.Leg) {}))
			p := d.AddPhone("8001", tt.opts)
			if tt.reject {
				go func() {
					for p.State() != telephony.LineRinging {
						time.Sleep(time.Millisecond)
					}
					p.Hangup()
				}()
			}
			l, err := d.Dial(context.Background(), telephony.Address{Driver: "sim", User: "8001"}, tt.dial)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Dial = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if p.State() != telephony.LineIdle {
					t.Fatalf("phone %s after a failed dial, want idle", p.State())
				}
				return
			}
			info := l.Info()
			if info.CallID != "c-1" || info.Direction != telephony.Outbound || info.Line != "sim/phone/8001" || p.State() != telephony.LineInCall {
				t.Fatalf("leg %+v, phone %s", info, p.State())
			}
			// The agent's voice arrives on the clock.
			r, w, err := l.Media()
			if err != nil {
				t.Fatal(err)
			}
			var f media.Frame
			for range 3 {
				if err := w.WriteFrame(&f); err != nil {
					t.Fatal(err)
				}
				if err := r.ReadFrame(&f); err != nil {
					t.Fatal(err)
				}
			}
			if f.Samples[40] == 0 && f.Samples[41] == 0 {
				t.Error("agent phone sends silence, want its tone")
			}
			// A second call finds it busy.
			if _, err := d.Dial(context.Background(), telephony.Address{Driver: "sim", User: "8001"}, telephony.DialOptions{}); !errors.Is(err, sim.ErrBusy) || !errors.Is(err, telephony.ErrUnavailable) {
				t.Errorf("second Dial = %v, want ErrBusy and ErrUnavailable", err)
			}
			p.Hangup()
			res, err := p.Last().Wait(context.Background())
			if err != nil || !res.Answered || res.Hangup.By != "caller" {
				t.Errorf("phone's call: %+v, %v; want answered, hung up by the phone", res, err)
			}
			if p.State() != telephony.LineIdle || p.Calls() != 1 {
				t.Errorf("phone %s after %d calls, want idle after 1", p.State(), p.Calls())
			}
		})
	}
}

func TestDialWithdrawn(t *testing.T) {
	d, _ := start(t, sim.Config{Lines: 1, Phones: []string{"8002"}, AnswerAfter: -1}, telephony.HandlerFunc(func(context.Context, telephony.Leg) {}))
	p, ok := d.Phone("8002")
	if !ok {
		t.Fatal("configured phone 8002 missing")
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for p.State() != telephony.LineRinging {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := d.Dial(ctx, telephony.Address{Driver: "sim", User: "8002"}, telephony.DialOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dial = %v, want context.Canceled", err)
	}
	if p.State() != telephony.LineIdle {
		t.Fatalf("phone %s after the offer was withdrawn, want idle", p.State())
	}
	if _, err := d.Dial(context.Background(), telephony.Address{Driver: "sip", User: "8002"}, telephony.DialOptions{}); !errors.Is(err, telephony.ErrUnavailable) {
		t.Fatalf("Dial to another driver's address = %v, want ErrUnavailable", err)
	}
}
