package main

import (
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
