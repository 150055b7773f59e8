package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"tracecall/acd"
	"tracecall/switchboard"
	"tracecall/web"
)

func TestDeskError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: passed through as is
	}{
		{"no call", switchboard.ErrNoCall, web.ErrDeskNoCall},
		{"no transfer", switchboard.ErrNoTransfer, web.ErrDeskNoCall},
		{"not ringing", switchboard.ErrNotRinging, web.ErrDeskNoCall},
		{"bad target", switchboard.ErrBadTarget, web.ErrDeskBadTarget},
		{"busy target", switchboard.ErrTargetBusy, web.ErrDeskBadTarget},
		{"unsupported", switchboard.ErrUnsupported, web.ErrDeskUnsupported},
		{"other", switchboard.ErrTransferring, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fmt.Errorf("switchboard: op by a1: %w", tt.err)
			got := deskError(in)
			if !errors.Is(got, tt.err) {
				t.Fatalf("deskError lost the detail: %v", got)
			}
			if tt.want == nil {
				if got != in {
					t.Fatalf("deskError(%v) = %v, want it unchanged", in, got)
				}
				return
			}
			if !errors.Is(got, tt.want) {
				t.Fatalf("deskError(%v) = %v, want %v", in, got, tt.want)
			}
		})
	}
	if deskError(nil) != nil {
		t.Fatal("deskError(nil) != nil")
	}
}

func TestDeskTransferBadKind(t *testing.T) {
	err := desk{}.Transfer(t.Context(), "a1", web.TransferTarget{Kind: "pigeon"}, false)
	if !errors.Is(err, web.ErrDeskBadTarget) {
		t.Fatalf("Transfer to an unknown kind = %v, want ErrDeskBadTarget", err)
	}
}

func TestAgentError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: passed through as is
	}{
		{"not an agent", acd.ErrUnknownAgent, web.ErrDeskNotAgent},
		{"logged out", acd.ErrLoggedOut, web.ErrDeskState},
		{"logged in", acd.ErrLoggedIn, web.ErrDeskState},
		{"on a call", acd.ErrOnCall, web.ErrDeskState},
		{"closed", acd.ErrClosed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fmt.Errorf("acd: login a1: %w", tt.err)
			got := agentError(in)
			if !errors.Is(got, tt.err) {
				t.Fatalf("agentError lost the detail: %v", got)
			}
			if tt.want == nil && got != in || tt.want != nil && !errors.Is(got, tt.want) {
				t.Fatalf("agentError(%v) = %v, want %v", in, got, tt.want)
			}
		})
	}
	if agentError(nil) != nil {
		t.Error("agentError(nil) != nil")
	}
}

// noOffers is an acd.Offerer for tests that place no calls.
type noOffers struct{}

func (noOffers) Offer(context.Context, acd.Agent, acd.Call) {}

// TestDeskSignInTwice: 签入 for an agent signed in already (by -demo, or by
// *21) and 签出 for one signed out already are no errors; an unknown agent
// still is.
func TestDeskSignInTwice(t *testing.T) {
	a, err := acd.New(acd.Config{
		Queues: []acd.QueueConfig{{Name: "q", Agents: []string{"a1"}}},
		Agents: []acd.AgentConfig{{ID: "a1", Extension: "sim:1"}},
	}, acd.Deps{Offerer: noOffers{}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	d := desk{acd: a}
	for i, step := range []struct {
		name string
		do   func(context.Context, string) error
	}{{"sign in", d.Login}, {"sign in again", d.Login}, {"sign out", d.Logout}, {"sign out again", d.Logout}} {
		if err := step.do(ctx, "a1"); err != nil {
			t.Errorf("step %d, %s: %v", i+1, step.name, err)
		}
	}
	if err := d.Login(ctx, "nobody"); !errors.Is(err, web.ErrDeskNotAgent) {
		t.Errorf("sign in as an unknown agent: %v, want ErrDeskNotAgent", err)
	}
}
