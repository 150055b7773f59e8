package ttstest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"tracecall/ivr/tts"
	"tracecall/ivr/tts/ttstest"
)

func TestSpeaker(t *testing.T) {
	var s ttstest.Speaker
	short, err := s.Say(t.Context(), "zh", "您好")
	if err != nil {
		t.Fatal(err)
	}
	long, err := s.Prompt(t.Context(), "zh", "welcome", "您好，欢迎致电追溯热线")
	if err != nil {
		t.Fatal(err)
	}
	if short.Duration() != 180*time.Millisecond || long.Duration() <= short.Duration() {
		t.Errorf("durations = %v, %v; want 180ms and longer", short.Duration(), long.Duration())
	}
	if short.Text != "您好" || short.Lang != "zh" || short.Source != "tts" {
		t.Errorf("clip = %q %q %q", short.Text, short.Lang, short.Source)
	}
	if again := ttstest.Clip("zh", "您好"); !slices.Equal(again.Samples, short.Samples) {
		t.Error("Clip is not deterministic")
	}
	want := []ttstest.Call{
		{Method: "Say", Lang: "zh", Text: "您好"},
		{Method: "Prompt", Lang: "zh", Name: "welcome", Text: "您好，欢迎致电追溯热线"},
	}
	if got := s.Calls(); !slices.Equal(got, want) {
		t.Errorf("calls = %+v, want %+v", got, want)
	}
}

func TestSpeakerErrors(t *testing.T) {
	boom := errors.New("boom")
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name    string
		speaker *ttstest.Speaker
		ctx     context.Context
		prompt  string
		wantErr error
	}{
		{"set error", &ttstest.Speaker{Err: boom}, t.Context(), "ok", boom},
		{"cancelled", &ttstest.Speaker{}, cancelled, "ok", context.Canceled},
		{"bad name", &ttstest.Speaker{}, t.Context(), "../x", tts.ErrBadName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.speaker.Prompt(tt.ctx, "en", tt.prompt, "hello"); !errors.Is(err, tt.wantErr) {
				t.Errorf("Prompt err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
