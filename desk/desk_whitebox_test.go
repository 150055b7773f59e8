package desk

import (
	"errors"
	"fmt"
	"testing"

	"tracecall/acd"
	"tracecall/switchboard"
)

func TestCallError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: passed through as is
	}{
		{"no call", switchboard.ErrNoCall, ErrNoCall},
		{"no transfer", switchboard.ErrNoTransfer, ErrNoCall},
		{"not ringing", switchboard.ErrNotRinging, ErrNoCall},
		{"bad target", switchboard.ErrBadTarget, ErrBadTarget},
		{"busy target", switchboard.ErrTargetBusy, ErrBadTarget},
		{"unsupported", switchboard.ErrUnsupported, ErrUnsupported},
		{"other", switchboard.ErrTransferring, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fmt.Errorf("switchboard: op by a1: %w", tt.err)
			got := callError(in)
			if !errors.Is(got, tt.err) {
				t.Fatalf("callError lost the detail: %v", got)
			}
			if tt.want == nil {
				if got != in {
					t.Fatalf("callError(%v) = %v, want it unchanged", in, got)
				}
				return
			}
			if !errors.Is(got, tt.want) {
				t.Fatalf("callError(%v) = %v, want %v", in, got, tt.want)
			}
		})
	}
	if callError(nil) != nil {
		t.Fatal("callError(nil) != nil")
	}
}

func TestAgentError(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error // nil: passed through as is
	}{
		{"not an agent", acd.ErrUnknownAgent, ErrNotAgent},
		{"logged out", acd.ErrLoggedOut, ErrState},
		{"logged in", acd.ErrLoggedIn, ErrState},
		{"on a call", acd.ErrOnCall, ErrState},
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
