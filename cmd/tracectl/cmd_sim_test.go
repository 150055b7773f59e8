package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// makeWAV returns a PCM WAV file of n samples of 8 kHz 16-bit mono.
func makeWAV(n int) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + 2*n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))         // PCM
	le(uint16(1))         // mono
	le(uint32(8000))      // rate
	le(uint32(16000))     // byte rate
	le(uint16(2))         // block align
	le(uint16(16))        // bits
	b.WriteString("data") //
	le(uint32(2 * n))
	for i := range n {
		le(int16(i % 100))
	}
	return b.Bytes()
}

// simStream is what the fake daemon streams for a trace query call.
func simStream(wav []byte, ok bool) []string {
	return []string{
		`{"type":"call","call_id":"c-42"}`,
		`{"type":"said","text":"欢迎致电肉菜追溯热线","lang":"zh"}`,
		`{"type":"digits","value":"1"}`,
		`{"type":"said","text":"请输入追溯码，以井号键结束","lang":"zh"}`,
		`{"type":"digits","value":"31011500124031500429#"}`,
		`{"type":"lookup","code":"31011500124031500429","result":"found"}`,
		`{"type":"said","text":"猪肉，前腿肉","lang":"zh"}`,
		`{"type":"hangup","by":"caller","cause":"timeout"}`,
		`{"type":"recording","wav_base64":"` + base64.StdEncoding.EncodeToString(wav) + `"}`,
		`{"type":"end","ok":` + map[bool]string{true: "true", false: `false,"error":"no free sim line"`}[ok] + `}`,
	}
}

// simDaemon serves POST /api/sim/call with lines, flushed one at a time, and
// keeps the last request.
type simDaemon struct {
	lines []string
	rec   recorder
}

func (d *simDaemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/sim/call" {
		http.NotFound(w, r)
		return
	}
	var req simCallRequest
	if err := json.Unmarshal([]byte(d.rec.record(r).body), &req); err != nil {
		http.Error(w, `{"error":"bad body"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	rc := http.NewResponseController(w)
	for _, l := range d.lines {
		io.WriteString(w, l+"\n")
		rc.Flush()
	}
}

// request is the body of the last call placed; the zero request before any.
func (d *simDaemon) request() simCallRequest {
	var req simCallRequest
	json.Unmarshal([]byte(d.rec.request().body), &req)
	return req
}

func TestSimCallJSON(t *testing.T) {
	wav := makeWAV(8000 * 3)
	lines := simStream(wav, true)
	d := &simDaemon{lines: lines}
	sock := startDaemon(t, d)
	rec := filepath.Join(t.TempDir(), "call.wav")

	stdout := tracectlOK(t, "-s", sock, "sim", "call", "--ani", "13800138000", "--dnis", "ivr",
		"--dtmf", "1w31011500124031500429#", "--record", rec, "--json")
	// Every line but recording and end, as it came.
	if want := strings.Join(lines[:8], "\n") + "\n"; stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	got, err := os.ReadFile(rec)
	if err != nil || !bytes.Equal(got, wav) {
		t.Errorf("recording: %d bytes (%v), want the %d sent", len(got), err, len(wav))
	}
	want := simCallRequest{ANI: "13800138000", DNIS: "ivr", DTMF: "1w31011500124031500429#", Timeout: "60s", Record: true}
	if r := d.request(); r != want {
		t.Errorf("request = %+v, want %+v", r, want)
	}
}

func TestSimCallHuman(t *testing.T) {
	sock := startDaemon(t, &simDaemon{lines: simStream(makeWAV(8000*3/2), true)})
	rec := filepath.Join(t.TempDir(), "call.wav")
	stdout := tracectlOK(t, "-s", sock, "sim", "call", "--ani", "1", "--dnis", "ivr", "--dtmf", "1", "--record", rec)
	want := "call c-42\n" +
		"ivr said (zh): 欢迎致电肉菜追溯热线\n" +
		"caller keyed: 1\n" +
		"ivr said (zh): 请输入追溯码，以井号键结束\n" +
		"caller keyed: 31011500124031500429#\n" +
		"lookup 31011500124031500429: found\n" +
		"ivr said (zh): 猪肉，前腿肉\n" +
		"hangup by caller (timeout)\n" +
		"recording written to " + rec + " (1.5s)\n" +
		"call ended\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
}

func TestSimCallFailures(t *testing.T) {
	full := simStream(makeWAV(80), true)
	tests := []struct {
		name    string
		lines   []string
		args    []string
		wantErr string
	}{
		{"end not ok", simStream(makeWAV(80), false), nil, "tracectl: sim call: call did not run to its end: no free sim line\n"},
		{"stream cut", full[:5], nil, "tracectl: sim call: stream ended before the call did\n"},
		{"no recording", append(full[:8:8], full[9]), []string{"--record", "x.wav"},
			"tracectl: sim call: call ended but tracecalld sent no recording for x.wav\n"},
		{"garbage", []string{`{"type":"call"`, `nonsense`}, nil, "tracectl: sim call: read stream: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sock := startDaemon(t, &simDaemon{lines: tt.lines})
			args := append([]string{"-s", sock, "sim", "call", "--ani", "1", "--dnis", "ivr", "--json", "--timeout", "1m30s", "--oob"}, tt.args...)
			_, stderr, code := tracectl(t, args...)
			if code != exitFail || !strings.HasPrefix(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q, want prefix %q", code, stderr, tt.wantErr)
			}
		})
	}
}

func TestSimCallRequestFields(t *testing.T) {
	d := &simDaemon{lines: simStream(nil, true)[:8]}
	sock := startDaemon(t, d)
	tracectl(t, "-s", sock, "sim", "call", "--ani", "1", "--dnis", "80000001", "--timeout", "1m30s", "--oob")
	want := simCallRequest{ANI: "1", DNIS: "80000001", Timeout: "90s", OutOfBand: true}
	if r := d.request(); r != want {
		t.Errorf("request = %+v, want %+v", r, want)
	}
}

func TestWAVDuration(t *testing.T) {
	tests := []struct {
		name   string
		wav    []byte
		want   time.Duration
		wantOK bool
	}{
		{"one second", makeWAV(8000), time.Second, true},
		{"empty data", makeWAV(0), 0, true},
		{"truncated data", makeWAV(8000)[:44+8000], 500 * time.Millisecond, true},
		{"not riff", []byte("RIFX....WAVE"), 0, false},
		{"header only", makeWAV(10)[:20], 0, false},
		{"nil", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := wavDuration(tt.wav)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("wavDuration = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// FuzzWAVDuration proves that no recording the daemon sends can crash the CLI.
func FuzzWAVDuration(f *testing.F) {
	f.Add(makeWAV(16))
	f.Add([]byte("RIFF\x00\x00\x00\x00WAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, ok := wavDuration(b); d < 0 || (!ok && d != 0) {
			t.Errorf("wavDuration = %v, %v", d, ok)
		}
	})
}

func TestSimCallInterrupted(t *testing.T) {
	sock := startDaemon(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"type":"call","call_id":"c-1"}`+"\n")
		http.NewResponseController(w).Flush()
		<-r.Context().Done() // the call goes on until tracectl leaves
	}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Interrupt once the first line is printed, as SIGINT would.
	out := &notifyWriter{wrote: make(chan struct{})}
	go func() {
		<-out.wrote
		cancel()
	}()
	var errOut bytes.Buffer
	code := runEnv(ctx, []string{"-s", sock, "sim", "call", "--ani", "1", "--dnis", "ivr"}, out, &errOut, func(string) string { return "" })
	if code != exitFail || errOut.String() != "tracectl: sim call: interrupted\n" || out.b.String() != "call c-1\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.b.String(), errOut.String())
	}
}

// notifyWriter closes wrote on the first write. Only the CLI's goroutine writes.
type notifyWriter struct {
	b     bytes.Buffer
	wrote chan struct{}
}

func (w *notifyWriter) Write(p []byte) (int, error) {
	if w.b.Len() == 0 {
		defer close(w.wrote)
	}
	return w.b.Write(p)
}
