package siptest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// SIPp runs of the scenarios in drivers/sip/testdata that need no pcap (so
// no root): a phone registering, and a feature code dialled with or
// without the phone's credentials. The driver's and the daemon's tests
// share them.

// Register has SIPp register user at addr (host:port) with password
// (uac-register.xml); it returns nil once the registrar said 200.
func Register(t testing.TB, addr, user, password string) error {
	t.Helper()
	return runScenario(t, addr, "uac-register.xml", user, "-au", user, "-ap", password)
}

// DialFeatureCode has SIPp dial code at addr from extension from. With a
// password it answers the 407 challenge as from (uac-feature-code.xml,
// credentials made for the number dialled), and returns nil once the call
// was answered and the far end hung up. Without one it sends no
// credentials (uac-feature-code-spoof.xml), and returns nil only if the
// call was refused (407, 403, 404, or 486 / 503 by the call limits): an
// answer is an error.
func DialFeatureCode(t testing.TB, addr, from, code, password string) error {
	t.Helper()
	dir := t.TempDir()
	inf := filepath.Join(dir, "from.csv")
	if err := os.WriteFile(inf, []byte("SEQUENTIAL\n"+from+";\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if password == "" {
		return runScenario(t, addr, "uac-feature-code-spoof.xml", code, "-inf", inf)
	}
	return runScenario(t, addr, "uac-feature-code.xml", code, "-inf", inf, "-au", from, "-ap", password,
		"-auth_uri", code+"@"+addr)
}

// runScenario runs one call of scenario against addr with service as the
// Request-URI's user, bounded by 30 s.
func runScenario(t testing.TB, addr, scenario, service string, args ...string) error {
	t.Helper()
	Tool(t, "sipp", "sip-tester")
	_, self, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(self), "..", "testdata", scenario)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	argv := append([]string{addr, "-sf", path, "-s", service, "-m", "1",
		"-i", "127.0.0.1", "-p", fmt.Sprint(FreePort(t)), "-mi", "127.0.0.1", "-mp", fmt.Sprint(FreePort(t)),
		"-timeout", "20s", "-recv_timeout", "10s", "-nostdin", "-trace_err", "-error_file", filepath.Join(dir, "err.log")}, args...)
	cmd := exec.CommandContext(ctx, "sipp", argv...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errLog, _ := os.ReadFile(filepath.Join(dir, "err.log"))
		if len(out) > 2000 {
			out = out[len(out)-2000:]
		}
		return fmt.Errorf("sipp %s %s: %w\n%s\nerrors:\n%s", scenario, service, err, out, errLog)
	}
	return nil
}
