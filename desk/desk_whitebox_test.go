package desk

import (
	"errors"
	"fmt"
	"testing"

	"tracecall/acd"
	"tracecall/switchboard"
)

// errorCase is an error from below the desk and the desk's error it must
// come out as, keeping the first; want nil: passed through as is.
type errorCase struct {
	name      string
	err, want error
}

// testErrors checks translate on each case's error wrapped as the package
// below wraps its errors (wrap), and on nil.
func testErrors(t *testing.T, name string, translate func(error) error, wrap string, tests []errorCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fmt.Errorf("%s: %w", wrap, tt.err)
			got := translate(in)
			if !errors.Is(got, tt.err) {
				t.Fatalf("%s lost the detail: %v", name, got)
			}
			if tt.want == nil && got != in || tt.want != nil && !errors.Is(got, tt.want) {
				t.Fatalf("%s(%v) = %v, want %v", name, in, got, tt.want)
			}
		})
	}
	if translate(nil) != nil {
		t.Errorf("%s(nil) != nil", name)
	}
}

func TestCallError(t *testing.T) {
	testErrors(t, "callError", callError, "switchboard: op by a1", []errorCase{
		{"no call", switchboard.ErrNoCall, ErrNoCall},
		{"no transfer", switchboard.ErrNoTransfer, ErrNoCall},
		{"not ringing", switchboard.ErrNotRinging, ErrNoCall},
		{"bad target", switchboard.ErrBadTarget, ErrBadTarget},
		{"busy target", switchboard.ErrTargetBusy, ErrBadTarget},
		{"unsupported", switchboard.ErrUnsupported, ErrUnsupported},
		{"other", switchboard.ErrTransferring, nil},
	})
}

func TestAgentError(t *testing.T) {
	testErrors(t, "agentError", agentError, "acd: login a1", []errorCase{
		{"not an agent", acd.ErrUnknownAgent, ErrNotAgent},
		{"logged out", acd.ErrLoggedOut, ErrState},
		{"logged in", acd.ErrLoggedIn, ErrState},
		{"on a call", acd.ErrOnCall, ErrState},
		{"closed", acd.ErrClosed, nil},
	})
}
