package main_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"tracecall/drivers/sip/siptest"
	"tracecall/trace"
)

// TestBaresipPhoneCallsIVR: a phone added to the store over the API (no
// config entry, no default password) registers from baresip, a real
// softphone, dials "ivr", keys 1, the demo pork chain's trace code and #
// (RFC 4733, baresip's sndcode), and the call record shows the code found.
func TestBaresipPhoneCallsIVR(t *testing.T) {
	bin := siptest.Tool(t, "baresip", "baresip")
	d := startDaemon(t, t.TempDir())
	const user, password = "9001", "from-the-store-9001"
	if code := d.api("POST", "/api/sip/phones", strings.NewReader(`{"user":"`+user+`","password":"`+password+`"}`), nil); code != 201 {
		t.Fatalf("POST /api/sip/phones = %d", code)
	}

	dir := t.TempDir()
	sipPort, rtpPort, ctrlPort := siptest.FreePort(t), siptest.FreePort(t), siptest.FreePort(t)
	config := fmt.Sprintf("poll_method epoll\nsip_listen 127.0.0.1:%d\nmodule_path /usr/lib/baresip/modules\n"+
		"module g711.so\nmodule aufile.so\nmodule_app account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\n"+
		"ctrl_tcp_listen 127.0.0.1:%d\naudio_source aufile,%s\naudio_player aufile,%s\naudio_alert aufile,%s\nrtp_ports %d-%d\n",
		sipPort, ctrlPort, silenceWAV(t, dir), filepath.Join(dir, "heard.wav"), filepath.Join(dir, "alert.wav"), rtpPort, rtpPort+3)
	accounts := fmt.Sprintf("<sip:%s@%s>;auth_pass=%s;regint=600\n", user, d.sip, password)
	for name, text := range map[string]string{"config": config, "accounts": accounts} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out lockedBuffer
	cmd := exec.Command(bin, "-f", dir, "-t", "90")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("baresip:\n%s", out.String())
		}
	})
	ctrl := fmt.Sprintf("127.0.0.1:%d", ctrlPort)

	// baresip says when its REGISTER got 200 (digest, the store's password).
	if err := out.waitFor("200 OK", 15*time.Second, nil); err != nil {
		t.Fatalf("baresip did not register: %v", err)
	}
	w := watchEvents(t, d)
	baresipCommand(t, ctrl, "dial", "ivr")
	// The IVR answers and its welcome plays: key while it does, once
	// baresip has the call up (it sends keys only then).
	var call watched
	w.until(t, 10*time.Second, "the IVR answering "+user, func() bool {
		var ok bool
		call, ok = w.find(func(e watched) bool { return e.Kind == "call_started" && e.From == user && e.To == "ivr" })
		if !ok {
			return false
		}
		_, ok = w.find(func(e watched) bool { return e.Kind == "said" && e.CallID == call.CallID })
		return ok
	})
	if err := out.waitFor("Call established", 10*time.Second, nil); err != nil {
		t.Fatalf("baresip's call: %v", err)
	}
	code := trace.NewGenerator(trace.DemoSeed).Chain(trace.DemoPorkIndex).TraceCode
	baresipCommand(t, ctrl, "sndcode", "1"+code+"#")
	w.until(t, 30*time.Second, "the lookup of "+code, func() bool {
		_, ok := w.find(func(e watched) bool { return e.Kind == "lookup" && e.CallID == call.CallID && e.Code == code })
		return ok
	})
	baresipCommand(t, ctrl, "hangup", "")
	r := record(t, d, call.CallID)
	found := slices.ContainsFunc(r.Codes, func(k struct{ Code, Result string }) bool { return k.Code == code && k.Result == "found" })
	if !found || r.Called != "ivr" || !strings.HasPrefix(r.Line, "sip/") {
		t.Errorf("call record %+v: want a call to ivr on a sip line with %s found", r, code)
	}
}

// baresipCommand sends baresip one ctrl_tcp command and waits for its reply.
func baresipCommand(t *testing.T, addr, cmd, params string) {
	t.Helper()
	if _, err := siptest.BaresipCommand(addr, cmd, params); err != nil {
		t.Fatal(err)
	}
}

// silenceWAV writes ten seconds of silence, 8 kHz 16-bit mono, for baresip
// to send, and returns its path.
func silenceWAV(t *testing.T, dir string) string {
	t.Helper()
	const rate, seconds = 8000, 10
	var b bytes.Buffer
	n := rate * seconds * 2
	b.WriteString("RIFF")
	for _, v := range []uint32{uint32(36 + n)} {
		b.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
	}
	b.WriteString("WAVEfmt ")
	b.Write([]byte{16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0})
	b.WriteString("data")
	b.Write([]byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)})
	b.Write(make([]byte, n))
	path := filepath.Join(dir, "silence.wav")
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
