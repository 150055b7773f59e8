//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a pseudo-terminal's controller and its terminal.
func openPTY(t *testing.T) (ctl, term *os.File) {
	t.Helper()
	ctl, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0) // non-blocking: reads take a deadline
	if err != nil {
		t.Fatalf("open /dev/ptmx: %v", err)
	}
	t.Cleanup(func() { ctl.Close() })
	if err := unix.IoctlSetPointerInt(int(ctl.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(ctl.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	term, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { term.Close() })
	return ctl, term
}

// promptWatcher is stderr that tells when a prompt has been written.
type promptWatcher struct {
	mu      sync.Mutex // guards buf
	buf     bytes.Buffer
	prompts chan struct{}
}

func (w *promptWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if bytes.HasSuffix(p, []byte(": ")) {
		w.prompts <- struct{}{}
	}
	return len(p), nil
}

func (w *promptWatcher) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.buf.String() }

// TestPasswdPromptsWithoutEcho types a new password at a terminal: it is
// asked twice, never echoed, and the terminal echoes again afterwards.
func TestPasswdPromptsWithoutEcho(t *testing.T) {
	r := newRescueRig(t)
	ctl, term := openPTY(t)
	const pw = "typed-at-the-console"
	stderr := &promptWatcher{prompts: make(chan struct{}, 2)}
	var stdout bytes.Buffer
	done := make(chan int)
	go func() {
		done <- runIO(context.Background(), []string{"-s", r.sock, "user", "passwd", "admin"}, term, &stdout, stderr, func(string) string { return "" })
	}()
	for range 2 {
		<-stderr.prompts // typed only once asked: echo is off by then
		if _, err := ctl.WriteString(pw + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	if code := <-done; code != exitOK {
		t.Fatalf("passwd at a terminal: exit %d, stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "New panel password for admin: ") || !strings.Contains(stderr.String(), "Again: ") {
		t.Errorf("prompts: %q", stderr.String())
	}
	tio, err := unix.IoctlGetTermios(int(term.Fd()), unix.TCGETS)
	if err != nil || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("terminal echo not restored: %v", err)
	}
	// What the terminal showed: nothing of the password.
	if err := ctl.SetReadDeadline(time.Now().Add(200 * time.Millisecond)); err != nil {
		t.Fatalf("pty deadline: %v", err)
	}
	var shown bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := ctl.Read(buf)
		shown.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if strings.Contains(shown.String(), pw) {
		t.Errorf("the terminal echoed the password: %q", shown.String())
	}
	if code := r.login(t, "admin", pw); code != http.StatusSeeOther {
		t.Errorf("login with the typed password = %d, want 303", code)
	}
}
