//go:build loadtest

package main_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestImportMemory posts hostile and large uploads to a real daemon and
// prints its memory (from /proc/PID/status) before, at the peak of and after
// each: a 200 MB CSV with no newline, the same as JSON Lines, and a valid
// import of TRACECALL_LOAD_CHAINS chains (default 200,000, about 1 GB of
// JSON Lines: check df). It is a load run, built only with the loadtest tag:
// `make loadtest-import`. It fails if the peak passes TRACECALL_LOAD_MAX_MB
// (default 1000) or the memory is not back within 100 MB of where it started
// 10 s after each request. The peak counts pages of the store file that
// bbolt's mapping holds while an import reads them (page cache, dropped as
// each batch ends: store.dropMapped); peakAnon is the daemon's own memory.
func TestImportMemory(t *testing.T) {
	chains := envInt(t, "TRACECALL_LOAD_CHAINS", 200_000)
	maxMB := envInt(t, "TRACECALL_LOAD_MAX_MB", 1000)
	d := startDaemon(t, t.TempDir())
	pid := d.cmd.Process.Pid

	file := filepath.Join(t.TempDir(), "chains.jsonl")
	start := time.Now()
	writeChains(t, file, chains)
	st, _ := os.Stat(file)
	fmt.Printf("generated %d chains, %d MB of JSON Lines, in %v\n", chains, st.Size()>>20, time.Since(start).Round(time.Second))

	fmt.Printf("%-28s %8s %8s %8s %8s %8s %8s %10s\n", "upload (VmRSS, RssAnon)", "before", "peak", "peakAnon", "after", "after10s", "anon10s", "took")
	base := procStatus(t, pid)["VmRSS"]
	run := func(name, query string, body io.Reader, wantCode int) {
		before := procStatus(t, pid)
		stop := make(chan struct{})
		peak := make(chan [2]int)
		go func() { // sample the resident set while the request runs
			var top [2]int // VmRSS, RssAnon
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			for {
				st := procStatus(t, pid)
				top[0], top[1] = max(top[0], st["VmRSS"]), max(top[1], st["RssAnon"])
				select {
				case <-stop:
					peak <- top
					return
				case <-tick.C:
				}
			}
		}()
		t0 := time.Now()
		code := <-d.startImportQuery(query, body)
		took := time.Since(t0)
		close(stop)
		p := <-peak
		after := procStatus(t, pid)
		time.Sleep(10 * time.Second) // measuring, not synchronising: what the daemon keeps once idle
		later := procStatus(t, pid)
		fmt.Printf("%-28s %7dM %7dM %7dM %7dM %7dM %7dM %10v\n", name, before["VmRSS"]>>10, p[0]>>10, p[1]>>10, after["VmRSS"]>>10,
			later["VmRSS"]>>10, later["RssAnon"]>>10, took.Round(time.Millisecond))
		if code != wantCode {
			t.Errorf("%s: answered %d, want %d", name, code, wantCode)
		}
		if p[0]>>10 > maxMB {
			t.Errorf("%s: peak %d MB, over %d MB", name, p[0]>>10, maxMB)
		}
		if later["VmRSS"]-base > 100<<10 {
			t.Errorf("%s: %d MB resident 10 s after, %d MB at the start", name, later["VmRSS"]>>10, base>>10)
		}
	}
	noNewline := func() io.Reader { return io.LimitReader(&repeatReader{s: "1101060052403150042,"}, 200<<20) }
	run("200 MB CSV, no newline", "format=csv", noNewline(), 422)
	run("200 MB JSONL, no newline", "format=jsonl", noNewline(), 422)
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	run(strconv.Itoa(chains)+" chains, JSONL", "format=jsonl", f, 200)
	hwm := procStatus(t, pid)["VmHWM"]
	fmt.Printf("high-water mark of the whole run (VmHWM): %d MB\n", hwm>>10)
}

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a number above 0", name, v)
	}
	return n
}

// procStatus reads the kB figures of /proc/PID/status.
func procStatus(t *testing.T, pid int) map[string]int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Errorf("read the daemon's status: %v", err)
		return map[string]int{}
	}
	out := map[string]int{}
	for _, l := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(l, ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			out[k], _ = strconv.Atoi(f[0])
		}
	}
	return out
}

// repeatReader reads s over and over.
type repeatReader struct {
	s   string
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.s[r.off:])
		n += c
		r.off = (r.off + c) % len(r.s)
	}
	return n, nil
}
