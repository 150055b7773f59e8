package siptest

import (
	"os"
	"os/exec"
	"testing"
)

// Tools fails the test unless the peers it runs are here: `make test`
// installs them (TEST_APT_PACKAGES), so a missing one is a broken setup to
// fix, not a reason to pass without running.

// SIPp returns the path of sipp for a test whose callers play a DTMF pcap
// (play_pcap_audio, made by testdata/gen_dtmf_pcap.py): it needs sipp,
// python3, and root, as SIPp sends the pcap's RTP from a raw socket.
func SIPp(t testing.TB) string {
	t.Helper()
	bin := Tool(t, "sipp", "sip-tester")
	Tool(t, "python3", "python3")
	if os.Geteuid() != 0 {
		t.Fatal("sipp's play_pcap_audio sends RTP from a raw socket: run these tests as root (.ci/run does)")
	}
	return bin
}

// Tool returns the path of the command name, failing the test with the apt
// package to install (pkg) when it is not on PATH.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not installed (make test installs it): apt-get install %s", name, pkg)
	}
	return bin
}
