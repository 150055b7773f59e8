package sip_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/telephony"
	"tracecall/telephony/media"
)

// TestFloodFromOneSource: one address (127.0.0.2) floods the SIP port with
// OPTIONS, REGISTER, INVITE and garbage while a phone on 127.0.0.1 is in a
// call. The flood is cut to its source's rate and logged once, naming the
// address; the phone re-registers, its call keeps its audio and ends with a
// BYE.
func TestFloodFromOneSource(t *testing.T) {
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	d := servePhones(t, sip.Config{SourceRate: 200, SourceBurst: 400}, log)
	phone := newFakePhone(t, d.Addr())
	if _, res := phone.register(t, "8001", "s3cret-8001", "<sip:answer@"+phone.addr+">", 600); res.StatusCode != 200 {
		t.Fatalf("register: %d", res.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8001"}, telephony.DialOptions{From: "96315"})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}

	floodCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		flood(floodCtx, t, d.Addr())
	}()
	// While the flood runs: the call's audio goes on, and the phone can
	// register again.
	r, w, _ := l.Media()
	var f media.Frame
	heard := 0
	for range 100 { // two seconds
		if err := r.ReadFrame(&f); err != nil {
			t.Fatalf("ReadFrame during the flood: %v", err)
		}
		if f.Samples[0] != 0 {
			heard++
		}
		_ = w.WriteFrame(&f)
	}
	if heard < 80 {
		t.Errorf("%d of 100 frames carried the phone's audio during the flood", heard)
	}
	if _, res := phone.register(t, "8001", "s3cret-8001", "<sip:answer@"+phone.addr+">", 600); res.StatusCode != 200 {
		t.Errorf("register during the flood: %d", res.StatusCode)
	}
	stop()
	wg.Wait()

	if err := l.Hangup(ctx, telephony.CauseNormal); err != nil {
		t.Fatal(err)
	}
	select {
	case <-phone.byes:
	case <-ctx.Done():
		t.Fatal("the phone got no BYE after the flood")
	}
	if d.Limited() == 0 {
		t.Error("nothing from the flooding source was limited")
	}
	text := logs.String()
	if n := strings.Count(text, "sip source over its rate"); n != 1 {
		t.Errorf("%d log lines about the flood, want 1 (once per 10 s):\n%s", n, text)
	}
	if !strings.Contains(text, "source=127.0.0.2") || strings.Contains(text, "over its rate\" source=127.0.0.1") {
		t.Errorf("the log should name 127.0.0.2, and only it:\n%s", text)
	}
}
