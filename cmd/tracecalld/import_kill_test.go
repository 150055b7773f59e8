package main_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"tracecall/trace"
)

// importChains is the size of the import the kill test interrupts: large
// enough (about 100 MB of JSON Lines) that staging and applying each take a
// while.
const importChains = 20_000

// writeChains writes n generated chains as JSON Lines: new codes, and the
// first 100 codes of the demo data with other contents.
func writeChains(t *testing.T, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	g, demo := trace.NewGenerator(99), trace.NewGenerator(trace.DemoSeed)
	err = trace.WriteJSONL(w, func(yield func(trace.Chain) bool) {
		for i := range n {
			c := g.Chain(100_000 + i)
			if i < 100 {
				c.TraceCode = demo.Chain(10 + i).TraceCode // replaces a demo chain
			}
			if !yield(c) {
				return
			}
		}
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// export is a digest of every chain the daemon holds, as its export gives them.
func (d *daemon) export() string {
	d.t.Helper()
	resp, err := d.sock.Get("http://tracecalld/api/trace/export?format=jsonl")
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	h := sha256.New()
	if _, err := io.Copy(h, resp.Body); err != nil || resp.StatusCode != 200 {
		d.t.Fatalf("export: %d, %v", resp.StatusCode, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// startImportQuery posts body to the import API over the unix socket with
// query; the status, or 0 once the daemon is killed, comes on the channel.
func (d *daemon) startImportQuery(query string, body io.Reader) <-chan int {
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequestWithContext(context.Background(), "POST", "http://tracecalld/api/trace/import?"+query, body)
		resp, err := d.sock.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	return done
}

// copyData copies a stopped daemon's data directory.
func copyData(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	if out, err := exec.Command("cp", "-a", from+"/.", to).CombinedOutput(); err != nil {
		t.Fatalf("copy %s: %v: %s", from, err, out)
	}
	return to
}

// TestKilledImportIsAllOrNothing kills the daemon with SIGKILL at several
// points of a large import — while the upload arrives, while it is staged,
// just after it switches, once it is applied — and checks after a restart
// that the chains are exactly as before the import or exactly as after it,
// and that no spooled upload is left.
func TestKilledImportIsAllOrNothing(t *testing.T) {
	base := t.TempDir()
	d := startDaemon(t, base)
	before := d.export()
	_ = d.stop(syscall.SIGTERM)

	file := filepath.Join(t.TempDir(), "chains.jsonl")
	writeChains(t, file, importChains)
	open := func() *os.File {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}

	// The import run to its end gives the store as after it.
	ref := startDaemon(t, copyData(t, base))
	if code := <-ref.startImportQuery("format=jsonl", open()); code != 200 {
		t.Fatalf("the import run to its end: %d\n%s", code, ref.log.String())
	}
	after := ref.export()
	_ = ref.stop(syscall.SIGTERM)
	if after == before {
		t.Fatal("the import changed nothing: the test cannot tell before from after")
	}

	tests := []struct {
		name     string
		killWhen func(t *testing.T, d *daemon) // returns at the instant to kill; nil: mid-upload
		want     string
		wantLog  string // in the restarted daemon's log
	}{
		{"uploading", nil, before, ""},
		{"staging", func(t *testing.T, d *daemon) { d.waitLog("trace import spooled; reading") }, before, ""},
		{"switched", func(t *testing.T, d *daemon) { d.waitLog("import committed; applying") }, after,
			"finishing a chain import interrupted after its commit"},
		{"applied", func(t *testing.T, d *daemon) { d.waitLog("import applied") }, after, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := copyData(t, base)
			d := startDaemon(t, data)
			if tt.killWhen == nil {
				// Half the file, and the upload waits for the rest.
				pr, pw := io.Pipe()
				d.startImportQuery("format=jsonl", pr)
				if _, err := io.CopyN(pw, open(), 50<<20); err != nil {
					t.Fatal(err)
				}
				_ = d.stop(syscall.SIGKILL)
				pw.Close()
			} else {
				d.startImportQuery("format=jsonl", open())
				tt.killWhen(t, d)
				_ = d.stop(syscall.SIGKILL)
			}

			d2 := startDaemon(t, data)
			switch got := d2.export(); got {
			case tt.want:
			case before:
				t.Error("after the restart the chains are as before the import, want as after it")
			case after:
				t.Error("after the restart the chains are as after the import, want as before it")
			default:
				t.Error("after the restart the chains are neither as before the import nor as after it")
			}
			if tt.wantLog != "" && !strings.Contains(d2.log.String(), tt.wantLog) {
				t.Errorf("the restarted daemon did not log %q: the kill missed the instant", tt.wantLog)
			}
			left, _ := filepath.Glob(filepath.Join(data, "spool", "*"))
			old, _ := filepath.Glob(filepath.Join(data, "import-*.tmp"))
			if len(left)+len(old) != 0 {
				t.Errorf("spooled uploads left after the restart: %v %v", left, old)
			}
		})
	}
}

// waitLog waits up to a minute for s in the daemon's log, failing the test
// if it does not come.
func (d *daemon) waitLog(s string) {
	d.t.Helper()
	if err := d.log.waitFor(s, time.Minute, d.exited); err != nil {
		d.t.Fatal(err)
	}
}
