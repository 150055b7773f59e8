package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnreachableDaemon(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "nothing-here.sock")
	_, stderr, code := tracectl(t, "-s", sock, "status")
	if code != exitFail {
		t.Errorf("exit = %d, want %d", code, exitFail)
	}
	want := "tracectl: cannot reach tracecalld at " + sock + ": is the daemon running? (connect: no such file or directory)\n"
	if stderr != want {
		t.Errorf("stderr = %q\nwant     %q", stderr, want)
	}
}

func TestUnreachableDaemonRefused(t *testing.T) {
	// A socket file left behind by a daemon that died: nobody listens.
	sock := filepath.Join(t.TempDir(), socketName)
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	_, stderr, code := tracectl(t, "-s", sock, "lines")
	if code != exitFail || !strings.Contains(stderr, "is the daemon running? (connect: connection refused)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestSocketPath(t *testing.T) {
	tests := []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"default", "", nil, "/var/lib/tracecall/tracecalld.sock"},
		{"data dir", "", map[string]string{"TRACECALL_DATA": "var"}, "var/tracecalld.sock"},
		{"socket env wins over data", "", map[string]string{"TRACECALL_DATA": "var", "TRACECALL_SOCKET": "/run/x.sock"}, "/run/x.sock"},
		{"flag wins", "/tmp/f.sock", map[string]string{"TRACECALL_DATA": "var", "TRACECALL_SOCKET": "/run/x.sock"}, "/tmp/f.sock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &cli{socket: tt.flag, getenv: func(k string) string { return tt.env[k] }}
			if got := c.socketPath(); got != tt.want {
				t.Errorf("socketPath() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSocketFromEnvironment(t *testing.T) {
	sock := startDaemon(t, serveJSON(200, `[]`))
	t.Setenv("TRACECALL_DATA", filepath.Join(t.TempDir(), "elsewhere"))
	t.Setenv("TRACECALL_SOCKET", sock)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"lines"}, &out, &errOut)
	if code != exitOK || out.String() != "no lines configured\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

func TestHelp(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in stderr
	}{
		{"help", []string{"help"}, exitOK, "sim", ""},
		{"-h", []string{"-h"}, exitOK, "Verbs:", ""},
		{"no verb", nil, exitUsage, "", "Usage: tracectl"},
		{"unknown verb", []string{"frobnicate"}, exitUsage, "", `unknown verb "frobnicate"`},
		{"verb -h", []string{"status", "-h"}, exitOK, "Usage: tracectl status", ""},
		{"help verb", []string{"help", "calls"}, exitOK, "--caller NUMBER", ""},
		{"help subverb", []string{"help", "trace", "import"}, exitOK, "--partial", ""},
		{"trace -h", []string{"trace", "-h"}, exitOK, "export", ""},
		{"sim call -h", []string{"sim", "call", "--help"}, exitOK, "--dtmf SEQ", ""},
		{"bad flag", []string{"calls", "--bogus"}, exitUsage, "", "flag provided but not defined: -bogus"},
		{"missing subverb", []string{"trace"}, exitUsage, "", "missing subcommand"},
		{"unknown subverb", []string{"sim", "fax"}, exitUsage, "", `unknown subcommand "fax"`},
		{"gen without -n", []string{"trace", "gen"}, exitUsage, "", "-n must be between 1 and"},
		{"no ani", []string{"sim", "call", "--dnis", "ivr"}, exitUsage, "", "--ani and --dnis are required"},
		{"bad dtmf", []string{"sim", "call", "--ani", "1", "--dnis", "ivr", "--dtmf", "12x#"}, exitUsage, "", `"x" at position 3`},
		{"import without format", []string{"trace", "import", "chains.txt"}, exitUsage, "", "give --format jsonl or csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := tracectl(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit = %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.wantOut) {
				t.Errorf("stdout %q does not contain %q", stdout, tt.wantOut)
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.wantErr)
			}
		})
	}
}

func TestParseFlagsInterspersed(t *testing.T) {
	tests := []struct {
		name        string
		args        []string
		wantPos     []string
		wantPartial bool
	}{
		{"flags first", []string{"--partial", "a.csv"}, []string{"a.csv"}, true},
		{"flags last", []string{"a.csv", "--partial"}, []string{"a.csv"}, true},
		{"none", []string{"a.csv", "b.csv"}, []string{"a.csv", "b.csv"}, false},
		{"double dash", []string{"--", "--partial"}, []string{"--partial"}, false},
		{"stdin", []string{"-", "--partial"}, []string{"-"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &cli{stdout: &bytes.Buffer{}}
			fs := c.newFlagSet("x", "", "")
			partial := fs.Bool("partial", false, "")
			pos, err := fs.parse(tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(pos, " ") != strings.Join(tt.wantPos, " ") || *partial != tt.wantPartial {
				t.Errorf("pos %q partial %v, want %q %v", pos, *partial, tt.wantPos, tt.wantPartial)
			}
		})
	}
}

func TestTableAlignsWideText(t *testing.T) {
	var b bytes.Buffer
	tw := newTable(&b)
	io.WriteString(tw, "CODE\tRETAILER\tHOPS\n")
	io.WriteString(tw, "1\t佳和超市（丰台店）\t5\n")
	io.WriteString(tw, "22\tSuper Market\t7\n")
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	// 佳和超市（丰台店） is 9 characters, 18 columns on a terminal.
	want := "" +
		"CODE  RETAILER            HOPS\n" +
		"1     佳和超市（丰台店）  5\n" +
		"22    Super Market        7\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}
