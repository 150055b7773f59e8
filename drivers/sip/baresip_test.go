package sip_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"tracecall/drivers/sip"
	"tracecall/drivers/sip/siptest"
	"tracecall/telephony"
	"tracecall/telephony/media"
)

// syncBuffer is a bytes.Buffer a process may write while the test reads it.
type syncBuffer struct {
	// mu guards b.
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(tail(s.b.Bytes(), 3000))
}

// TestBaresipPhone runs baresip, a real softphone, headless as agent 8001:
// it registers with the password (digest), the test Dials it, baresip
// answers by itself (answermode=auto) and its sine source reaches us as
// audio.
func TestBaresipPhone(t *testing.T) {
	bin, err := exec.LookPath("baresip")
	if err != nil {
		t.Skip("baresip not installed: apt-get install baresip")
	}
	d := servePhones(t, sip.Config{}, nil)
	sipPort, rtpPort := siptest.FreePort(t), siptest.FreePort(t)
	dir := t.TempDir()
	config := fmt.Sprintf(`poll_method epoll
sip_listen 127.0.0.1:%d
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aufile.so
module_app account.so
module_app menu.so
audio_source aufile,%s
audio_player aufile,%s
audio_alert aufile,%s
rtp_ports %d-%d
`, sipPort, writeToneWAV(t, dir), filepath.Join(dir, "heard.wav"), filepath.Join(dir, "alert.wav"), rtpPort, rtpPort+3)
	accounts := fmt.Sprintf("<sip:8001@%s>;auth_pass=s3cret-8001;answermode=auto;regint=600\n", d.Addr())
	for name, text := range map[string]string{"config": config, "accounts": accounts} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out syncBuffer
	cmd := exec.Command(bin, "-s", "-f", dir, "-t", "60")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})

	// Wait for the registration: baresip registers at start.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := d.Registered("8001"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("baresip did not register within 10 s\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	l, err := d.Dial(ctx, telephony.Address{Driver: "sip", User: "8001"}, telephony.DialOptions{From: "96315"})
	if err != nil {
		t.Fatalf("Dial baresip: %v\n%s", err, out.String())
	}
	r, w, _ := l.Media()
	var f media.Frame
	heard := false
	for range 150 { // three seconds of frames at most
		if r.ReadFrame(&f) != nil {
			break
		}
		peak := 0
		for _, s := range f.Samples {
			peak = max(peak, int(s), -int(s))
		}
		if peak > 1000 {
			heard = true
			break
		}
		_ = w.WriteFrame(&f)
	}
	if !heard {
		t.Errorf("no audio from baresip's sine source within three seconds\n%s", out.String())
	}
	if err := l.Hangup(ctx, telephony.CauseNormal); err != nil {
		t.Fatal(err)
	}
	if h, _ := l.(telephony.Ender).Ended(); h.Cause != telephony.CauseNormal {
		t.Errorf("ended %+v", h)
	}
}

// writeToneWAV writes ten seconds of a 440 Hz tone, 8 kHz 16-bit mono, for
// baresip to send, and returns its path.
func writeToneWAV(t *testing.T, dir string) string {
	t.Helper()
	const rate, seconds = 8000, 10
	var pcm bytes.Buffer
	for i := range rate * seconds {
		v := int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
		_ = binary.Write(&pcm, binary.LittleEndian, v)
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+pcm.Len()))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(pcm.Len()))
	b.Write(pcm.Bytes())
	path := filepath.Join(dir, "tone.wav")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
