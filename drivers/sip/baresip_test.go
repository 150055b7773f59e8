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
	"strings"
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
	d := servePhones(t, sip.Config{}, nil)
	b := startBaresip(t, d)
	out := b.out

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
	if h, _ := l.Ended(); h.Cause != telephony.CauseNormal {
		t.Errorf("ended %+v", h)
	}
}

// baresip is a running baresip registered to the driver as phone 8001.
type baresip struct {
	out  *syncBuffer
	ctrl string // ctrl_tcp's address: JSON commands in netstrings
}

// startBaresip runs baresip headless as phone 8001 of d (password
// s3cret-8001, answering calls by itself), sending a 440 Hz tone, and waits
// until it has registered. It fails the test when baresip is missing.
func startBaresip(t *testing.T, d *sip.Driver) *baresip {
	t.Helper()
	const rate, seconds = 8000, 10
	pcm := make([]int16, rate*seconds)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/rate))
	}
	return startBaresipSending(t, d, pcm)
}

// startBaresipSending is startBaresip with pcm (8 kHz, from the start of each
// call) as what baresip sends.
func startBaresipSending(t *testing.T, d *sip.Driver, pcm []int16) *baresip {
	t.Helper()
	bin := siptest.Tool(t, "baresip", "baresip")
	sipPort, rtpPort, ctrlPort := siptest.FreePort(t), siptest.FreePort(t), siptest.FreePort(t)
	dir := t.TempDir()
	config := fmt.Sprintf(`poll_method epoll
sip_listen 127.0.0.1:%d
module_path /usr/lib/baresip/modules
module g711.so
module ausine.so
module aufile.so
module_app account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:%d
audio_source aufile,%s
audio_player aufile,%s
audio_alert aufile,%s
rtp_ports %d-%d
`, sipPort, ctrlPort, writeWAV(t, dir, pcm), filepath.Join(dir, "heard.wav"), filepath.Join(dir, "alert.wav"), rtpPort, rtpPort+3)
	accounts := fmt.Sprintf("<sip:8001@%s>;auth_pass=s3cret-8001;answermode=auto;regint=600\n", d.Addr())
	for name, text := range map[string]string{"config": config, "accounts": accounts} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := &syncBuffer{}
	cmd := exec.Command(bin, "-s", "-f", dir, "-t", "60")
	cmd.Stdout, cmd.Stderr = out, out
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
	return &baresip{out: out, ctrl: fmt.Sprintf("127.0.0.1:%d", ctrlPort)}
}

// command sends baresip one command over ctrl_tcp and waits for its reply.
func (b *baresip) command(t *testing.T, cmd, params string) {
	t.Helper()
	reply, err := siptest.BaresipCommand(b.ctrl, cmd, params)
	if err != nil {
		t.Fatalf("%v\n%s", err, b.out.String())
	}
	t.Logf("baresip %s %q: %s", cmd, params, reply)
}

// TestBaresipCallsIVR: baresip, registered as phone 8001, dials "ivr"; the
// call comes in as a leg to "ivr" from 8001, is answered, and the core's
// session on it takes the trace code baresip keys (RFC 4733, from its
// sndcode command) once each, as the IVR would read them.
func TestBaresipCallsIVR(t *testing.T) {
	type call struct {
		to, from string
		keys     string
		err      error
	}
	calls := make(chan call, 1)
	answered := make(chan struct{})
	h := telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		c := call{to: l.Info().To, from: l.Info().From}
		defer func() { calls <- c }()
		if c.err = l.Answer(ctx); c.err != nil {
			return
		}
		s, err := telephony.NewSession(l, nil, testLogger(t))
		if err != nil {
			c.err = err
			return
		}
		close(answered)
		timeout := time.After(15 * time.Second)
		for {
			select {
			case k := <-s.Digits():
				if k.Key == '#' {
					_ = l.Hangup(ctx, telephony.CauseNormal)
					return
				}
				c.keys += string(k.Key)
			case <-timeout:
				c.err = fmt.Errorf("no # within 15 s; keys %q", c.keys)
				_ = l.Hangup(ctx, telephony.CauseNormal)
				return
			case <-l.Context().Done():
				c.err = fmt.Errorf("caller hung up; keys %q", c.keys)
				return
			}
		}
	})
	d := servePhonesWith(t, sip.Config{}, nil, h)
	b := startBaresip(t, d)

	b.command(t, "dial", "ivr")
	select {
	case <-answered:
	case c := <-calls:
		t.Fatalf("call ended before the answer: %+v\n%s", c, b.out.String())
	case <-time.After(10 * time.Second):
		t.Fatalf("no call to the IVR within 10 s\n%s", b.out.String())
	}
	const code = "11010600524031500425"
	time.Sleep(300 * time.Millisecond) // baresip's call is up once our 200 is ACKed
	b.command(t, "sndcode", code+"#")
	var c call
	select {
	case c = <-calls:
	case <-time.After(20 * time.Second):
		t.Fatalf("the IVR handler did not finish\n%s", b.out.String())
	}
	if c.err != nil || c.to != "ivr" || c.from != "8001" || c.keys != code {
		t.Errorf("call %+v: want to ivr from 8001 with keys %s\n%s", c, code, b.out.String())
	}
}

// writeWAV writes samples as a WAV file, 8 kHz 16-bit mono, for baresip to
// send, and returns its path.
func writeWAV(t *testing.T, dir string, samples []int16) string {
	t.Helper()
	const rate = 8000
	var pcm bytes.Buffer
	_ = binary.Write(&pcm, binary.LittleEndian, samples)
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
	path := filepath.Join(dir, "source.wav")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBaresipKeysInBand: baresip, a real softphone, negotiates
// telephone-event with the driver but its audio carries the code as tones (a
// phone or gateway set up that way: "the hotline does not hear my keys"). The
// core's session hears every key of the code from the tones, once, and then
// the # baresip sends as an RFC 4733 event.
func TestBaresipKeysInBand(t *testing.T) {
	const code = "11010600524031500425"
	// One second of silence, then the code at 100 ms on, 100 ms off, -10 dBm0
	// a tone, then silence.
	pcm := make([]int16, 8000)
	for _, k := range []byte(code) {
		g, err := media.NewDTMFTone(k, 100*time.Millisecond, 100*time.Millisecond, -10)
		if err != nil {
			t.Fatal(err)
		}
		var f media.Frame
		for g.Next(&f) {
			pcm = append(pcm, f.Samples[:]...)
		}
	}
	pcm = append(pcm, make([]int16, 8000*4)...)

	type call struct {
		keys, sources string
		err           error
	}
	calls := make(chan call, 1)
	heardCode := make(chan struct{})
	h := telephony.HandlerFunc(func(ctx context.Context, l telephony.Leg) {
		var c call
		defer func() { calls <- c }()
		if c.err = l.Answer(ctx); c.err != nil {
			return
		}
		s, err := telephony.NewSession(l, nil, testLogger(t))
		if err != nil {
			c.err = err
			return
		}
		defer func() { _ = l.Hangup(ctx, telephony.CauseNormal) }()
		timeout := time.After(20 * time.Second)
		for {
			select {
			case k := <-s.Digits():
				c.keys += string(k.Key)
				c.sources += k.Source[:1]
				if len(c.keys) == len(code) {
					close(heardCode)
				}
				if k.Key == '#' {
					return
				}
			case <-timeout:
				c.err = fmt.Errorf("no # within 20 s")
				return
			case <-l.Context().Done():
				c.err = fmt.Errorf("caller hung up")
				return
			}
		}
	})
	d := servePhonesWith(t, sip.Config{}, nil, h)
	b := startBaresipSending(t, d, pcm)
	b.command(t, "dial", "ivr")
	select {
	case <-heardCode:
	case c := <-calls:
		t.Fatalf("call ended before the code was heard: keys %q (sources %q), %v\n%s", c.keys, c.sources, c.err, b.out.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("the code was not heard within 20 s\n%s", b.out.String())
	}
	b.command(t, "sndcode", "#")
	var c call
	select {
	case c = <-calls:
	case <-time.After(10 * time.Second):
		t.Fatalf("the IVR handler did not finish\n%s", b.out.String())
	}
	if want, wantSources := code+"#", strings.Repeat("i", len(code))+"r"; c.err != nil || c.keys != want || c.sources != wantSources {
		t.Errorf("keys %q from %q (%v), want %q from %q (i: in band, r: rfc4733)\n%s", c.keys, c.sources, c.err, want, wantSources, b.out.String())
	}
}
