package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// phoneStream is what the fake daemon streams for a phone that dials *21 and
// is then rung, answers and is hung up on.
var phoneStream = []string{
	`{"type":"phone","ext":"8001","answer_after":"2s"}`,
	`{"type":"dialling","call_id":"c-1","from":"8001","to":"*21","at":"2026-11-24T20:00:00+08:00"}`,
	`{"type":"answered","call_id":"c-1","from":"8001","to":"*21","at":"2026-11-24T20:00:00.1+08:00"}`,
	`{"type":"said","call_id":"c-1","text":"已签入。","lang":"zh","prompt":"agent_logged_in"}`,
	`{"type":"hangup","call_id":"c-1","from":"8001","to":"*21","by":"appliance","cause":"normal","at":"2026-11-24T20:00:01+08:00"}`,
	`{"type":"ringing","call_id":"c-2","from":"13800138000","to":"8001","at":"2026-11-24T20:01:00+08:00"}`,
	`{"type":"answered","call_id":"c-2","from":"13800138000","to":"8001","at":"2026-11-24T20:01:02+08:00"}`,
	`{"type":"hangup","call_id":"c-2","from":"13800138000","to":"8001","by":"phone","cause":"normal","at":"2026-11-24T20:01:30+08:00"}`,
}

// phoneDaemon serves POST /api/sim/phone: it streams lines, then holds the
// stream open until the client goes (Ctrl-C), or ends it with end when set.
type phoneDaemon struct {
	lines []string
	end   string
	rec   recorder
}

func (d *phoneDaemon) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/sim/phone" {
		http.NotFound(w, r)
		return
	}
	d.rec.record(r)
	w.Header().Set("Content-Type", "application/x-ndjson")
	rc := http.NewResponseController(w)
	for _, l := range d.lines {
		io.WriteString(w, l+"\n")
		rc.Flush()
	}
	if d.end != "" {
		io.WriteString(w, d.end+"\n")
		return
	}
	<-r.Context().Done()
}

// lineWriter calls done once n lines have been written to it.
type lineWriter struct {
	bytes.Buffer
	n    int
	done func()
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.Buffer.Write(p)
	if strings.Count(w.String(), "\n") >= w.n {
		w.done()
	}
	return len(p), nil
}

// runPhone runs tracectl until it has printed lines lines, then interrupts
// it as Ctrl-C would.
func runPhone(t *testing.T, d *phoneDaemon, lines int, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	sock := startDaemon(t, d)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{n: lines, done: cancel}
	var errOut bytes.Buffer
	code = runEnv(ctx, append([]string{"-s", sock}, args...), out, &errOut, func(string) string { return "" })
	return out.String(), errOut.String(), code
}

func TestSimPhoneHuman(t *testing.T) {
	d := &phoneDaemon{lines: phoneStream}
	stdout, stderr, code := runPhone(t, d, 8, "sim", "phone", "--ext", "8001", "--answer-after", "2s", "--dial", "*21")
	if code != exitOK {
		t.Fatalf("exit %d after Ctrl-C, want 0; stderr %q", code, stderr)
	}
	want := "phone 8001 up, answers after 2s; Ctrl-C to stop\n" +
		"20:00:00 dialling *21: call c-1\n" +
		"20:00:00 answered: call c-1\n" +
		"ivr said (zh): 已签入。\n" +
		"20:00:01 hangup by appliance (normal): call c-1\n" +
		"20:01:00 ringing: call c-2 from 13800138000\n" +
		"20:01:02 answered: call c-2\n" +
		"20:01:30 hangup by phone (normal): call c-2\n"
	if stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	var req simPhoneRequest
	if err := json.Unmarshal([]byte(d.rec.request().body), &req); err != nil {
		t.Fatal(err)
	}
	if want := (simPhoneRequest{Ext: "8001", AnswerAfter: "2s", Dial: "*21"}); req != want {
		t.Errorf("request %+v, want %+v", req, want)
	}
}

func TestSimPhoneJSON(t *testing.T) {
	d := &phoneDaemon{lines: phoneStream}
	stdout, stderr, code := runPhone(t, d, 8, "sim", "phone", "--ext", "8001", "--json")
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if want := strings.Join(phoneStream, "\n") + "\n"; stdout != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if body := d.rec.request().body; body != `{"ext":"8001"}` {
		t.Errorf("request body %s", body)
	}
}

func TestSimPhoneDaemonStops(t *testing.T) {
	d := &phoneDaemon{lines: phoneStream[:1], end: `{"type":"end","ok":false,"error":"tracecalld is stopping"}`}
	sock := startDaemon(t, d)
	_, stderr, code := tracectl(t, "-s", sock, "sim", "phone", "--ext", "8001")
	if code != exitFail || !strings.Contains(stderr, "tracecalld is stopping") {
		t.Errorf("exit %d, stderr %q; want 1 and the reason", code, stderr)
	}
}

func TestSimPhoneUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "no ext", args: nil, want: "--ext"},
		{name: "ext not digits", args: []string{"--ext", "80a1"}, want: "--ext"},
		{name: "bad answer after", args: []string{"--ext", "8001", "--answer-after", "soon"}, want: "--answer-after"},
		{name: "bad dial", args: []string{"--ext", "8001", "--dial", "*2x"}, want: "--dial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := tracectl(t, append([]string{"-s", "/nonexistent.sock", "sim", "phone"}, tt.args...)...)
			if code != exitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %s", code, stderr, tt.want)
			}
		})
	}
}

// TestPhoneFollowerEnds: how the phone's stream may end, and what --json
// prints on the way.
func TestPhoneFollowerEnds(t *testing.T) {
	tests := []struct {
		name    string
		json    bool
		stream  string
		wantErr string // "" for none
		wantOut string
	}{
		{"end ok", false, `{"type":"phone","ext":"8001"}` + "\n" + `{"type":"end","ok":true}` + "\n", "", "phone 8001 up; Ctrl-C to stop\n"},
		{"end failed", false, `{"type":"end","ok":false}`, "the daemon reported failure", ""},
		{"end with its error", true, `{"type":"end", "ok":false, "error":"stopping"}`, "stopping", `{"type":"end","ok":false,"error":"stopping"}` + "\n"},
		{"cut off", false, `{"type":"phone","ext":"8001"}` + "\n", "tracecalld ended the stream", "phone 8001 up; Ctrl-C to stop\n"},
		{"bad event", false, `{"type":1}`, `bad event {"type":1}`, ""},
		{"not JSON", false, `{"type"`, "read stream", ""},
		{"json lines compacted", true, "{ \"type\": \"phone\",\n \"ext\": \"8001\" }\n" + `{"type":"end","ok":true}`,
			"", `{"type":"phone","ext":"8001"}` + "\n" + `{"type":"end","ok":true}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			f := &phoneFollower{c: &cli{stdout: &out, loc: time.UTC}, json: tt.json}
			err := f.follow(strings.NewReader(tt.stream))
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("follow = %v, want %q", err, tt.wantErr)
			}
			if out.String() != tt.wantOut {
				t.Errorf("printed %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
}
