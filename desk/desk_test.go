package desk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"tracecall/desk"
	"tracecall/switchboard"
)

// board is call control as the desk sees it: it records what it was asked
// and answers err.
type board struct {
	got []string
	err error
}

func (b *board) did(s string) error { b.got = append(b.got, s); return b.err }

func (b *board) Answer(_ context.Context, a string) error { return b.did("answer " + a) }
func (b *board) Hangup(_ context.Context, a string) error { return b.did("hangup " + a) }
func (b *board) Hold(_ context.Context, a string, on bool) error {
	return b.did(fmt.Sprintf("hold %s %v", a, on))
}
func (b *board) Transfer(_ context.Context, a string, to switchboard.Target, consult bool) error {
	return b.did(fmt.Sprintf("transfer %s %s %s %v", a, to.Kind, to.Value, consult))
}
func (b *board) CompleteTransfer(_ context.Context, a string) error { return b.did("complete " + a) }
func (b *board) CancelTransfer(_ context.Context, a string) error   { return b.did("cancel " + a) }
func (b *board) Conference(_ context.Context, a string) error       { return b.did("conference " + a) }

// noAgents is an ACD that knows no agent.
type noAgents struct{}

func (noAgents) Login(context.Context, string) error               { return nil }
func (noAgents) Logout(context.Context, string) error              { return nil }
func (noAgents) SetReady(context.Context, string) error            { return nil }
func (noAgents) SetNotReady(context.Context, string, string) error { return nil }

func TestTransferTargets(t *testing.T) {
	tests := []struct {
		to      desk.Target
		want    string
		wantErr error
	}{
		{desk.Target{Kind: desk.TargetAgent, Value: "wang"}, "transfer zhang agent wang true", nil},
		{desk.Target{Kind: desk.TargetQueue, Value: "trace"}, "transfer zhang queue trace true", nil},
		{desk.Target{Kind: desk.TargetNumber, Value: "13800138000"}, "transfer zhang number 13800138000 true", nil},
		{desk.Target{Kind: desk.TargetDutyManager}, "transfer zhang duty_manager  true", nil},
		{desk.Target{Kind: "pigeon"}, "", desk.ErrBadTarget},
	}
	for _, tt := range tests {
		t.Run(tt.to.Kind, func(t *testing.T) {
			b := &board{}
			err := desk.New(noAgents{}, b).Transfer(t.Context(), "zhang", tt.to, true)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Transfer(%+v) = %v, want %v", tt.to, err, tt.wantErr)
			}
			if tt.want == "" && len(b.got) != 0 || tt.want != "" && (len(b.got) != 1 || b.got[0] != tt.want) {
				t.Errorf("board asked %q, want %q", b.got, tt.want)
			}
		})
	}
}

// TestAnswerUnsupported: a phone that cannot be picked up from the desktop
// is ErrCannotAnswer (which the desktop explains), not the generic
// ErrUnsupported, and keeps the detail of why.
func TestAnswerUnsupported(t *testing.T) {
	detail := fmt.Errorf("sip: phone 8001 (baresip v1.0.0) announced neither: %w", switchboard.ErrUnsupported)
	err := desk.New(noAgents{}, &board{err: detail}).Answer(t.Context(), "zhang")
	if !errors.Is(err, desk.ErrCannotAnswer) || !errors.Is(err, switchboard.ErrUnsupported) || errors.Is(err, desk.ErrUnsupported) {
		t.Fatalf("Answer = %v, want ErrCannotAnswer wrapping the detail", err)
	}
	err = desk.New(noAgents{}, &board{err: switchboard.ErrNotRinging}).Answer(t.Context(), "zhang")
	if !errors.Is(err, desk.ErrNoCall) {
		t.Fatalf("Answer of a phone not ringing = %v, want ErrNoCall", err)
	}
}
