package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tracecall/config"
)

// The sections here stand for packages' own: config knows none of them.

type phone struct {
	User     string `toml:"user"`
	Password string `toml:"password"`
}

type lines struct {
	Listen string        `toml:"listen"`
	Wait   time.Duration `toml:"wait"`
	Phones []phone       `toml:"phones"`
	Mode   string        `toml:"mode"` // default "fast"
}

func (l lines) Validate() error {
	var errs []error
	if l.Listen != "" && !strings.Contains(l.Listen, ":") {
		errs = append(errs, fmt.Errorf("lines.listen: %q: want host:port", l.Listen))
	}
	for i, p := range l.Phones {
		if p.Password == "" {
			errs = append(errs, fmt.Errorf("lines.phones[%d].password: missing", i))
		}
	}
	if l.Mode != "" && l.Mode != "fast" {
		errs = append(errs, fmt.Errorf("lines.mode: %q: want fast", l.Mode))
	}
	return errors.Join(errs...)
}

type flows struct {
	Start string                       `toml:"start"`
	Nodes map[string]map[string]string `toml:"nodes"`
}

func (f *flows) Validate() error { // a pointer receiver is found too
	if f.Start != "" && f.Nodes[f.Start] == nil {
		return fmt.Errorf("flows.start: no node %q", f.Start)
	}
	return nil
}

type plain struct {
	Name string `toml:"name"`
}

type file struct {
	Lines lines  `toml:"lines"`
	Flows flows  `toml:"flows"`
	Plain plain  `toml:"plain"` // no Validate: decoded, not checked
	Skip  string `toml:"-"`
}

const good = `# a file
[lines]
listen = "127.0.0.1:5060"
wait = "5s"

[[lines.phones]]
user = "8001"
password = "a"

[[lines.phones]]
user = "8002"
password = "b"

[flows]
start = "welcome"
[flows.nodes.welcome]
type = "menu"
"say it" = 'yes'

[plain]
name = "x"
`

func TestParse(t *testing.T) {
	var f file
	if err := config.Parse("t.toml", good, &f); err != nil {
		t.Fatal(err)
	}
	if f.Lines.Wait != 5*time.Second || len(f.Lines.Phones) != 2 || f.Flows.Nodes["welcome"]["say it"] != "yes" || f.Plain.Name != "x" {
		t.Errorf("decoded %+v", f)
	}
}

// TestParseErrors: every problem is an *Error naming the file, the key and
// the line the key is on (or, for a key left out, its table's line).
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, old, new string
		want           []string // each error, in order: "line: text it contains"
	}{
		{"syntax error", "[flows]", "[flows", []string{"15: line 15"}},
		{"value of the wrong type", `wait = "5s"`, `wait = "soon"`, []string{"4: wait"}},
		{"unknown key", `listen =`, `lissen =`, []string{"3: lines.lissen: unknown key"}},
		{"unknown table, said once", "[plain]", "[plane]", []string{"20: plane: unknown key"}},
		{"unknown key in an array element", `user = "8002"`, `usr = "8002"`, []string{"11: lines.phones.usr: unknown key"}},
		{"a section's problem", `"127.0.0.1:5060"`, `"nowhere"`, []string{`3: lines.listen: "nowhere": want host:port`}},
		{"two problems", "listen = \"127.0.0.1:5060\"", "listen = \"x\"\nmode = \"slow\"",
			[]string{"3: lines.listen", "4: lines.mode"}},
		{"a key left out: its table's line", "password = \"b\"\n", "", []string{"10: lines.phones[1].password: missing"}},
		{"pointer receiver", `start = "welcome"`, `start = "hello"`, []string{`15: flows.start: no node "hello"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := strings.Replace(good, tt.old, tt.new, 1)
			if text == good {
				t.Fatalf("%q is not in the file", tt.old)
			}
			var f file
			err := config.Parse("t.toml", text, &f)
			var got []*config.Error
			for _, e := range unjoin(err) {
				var ce *config.Error
				if !errors.As(e, &ce) {
					t.Fatalf("%v: not a *config.Error", e)
				}
				got = append(got, ce)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("Parse = %v, want %d errors: %q", err, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				line, text, _ := strings.Cut(w, ": ")
				msg := got[i].Error()
				if prefix := "config t.toml:" + line + ": "; !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, text) {
					t.Errorf("error %d = %q, want %q… naming %q", i, msg, prefix, text)
				}
			}
		})
	}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// TestLoadNamesTheFile: Load names the file it read, and its line.
func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tracecall.toml")
	if err := os.WriteFile(path, []byte("[lines]\nmode = \"slow\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var f file
	err := config.Load(path, &f)
	if want := "config " + path + ":2: lines.mode"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Load = %v, want %s…", err, want)
	}
	if err := config.Load(filepath.Join(t.TempDir(), "missing.toml"), &f); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file = %v, want os.ErrNotExist", err)
	}
}

// TestLoadSections: a program that needs part of the file declares that
// part; the rest is skipped, but its own sections are still checked.
func TestLoadSections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tracecall.toml")
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	var part struct {
		Flows flows `toml:"flows"`
	}
	if err := config.LoadSections(path, &part); err != nil || part.Flows.Start != "welcome" {
		t.Errorf("LoadSections = %v, flows %+v", err, part.Flows)
	}
	if err := config.Load(path, &part); err == nil || !strings.Contains(err.Error(), "lines: unknown key") {
		t.Errorf("Load of part = %v, want lines refused", err)
	}
	bad := strings.Replace(good, `start = "welcome"`, `start = "hello"`+"\nstrat = 1", 1)
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err := config.LoadSections(path, &part)
	for _, want := range []string{"flows.strat: unknown key", `flows.start: no node "hello"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadSections = %v, want it to say %s", err, want)
		}
	}
}

func TestParseWantsAStructPointer(t *testing.T) {
	for _, v := range []any{file{}, (*file)(nil), new(int), nil} {
		if err := config.Parse("t.toml", good, v); err == nil {
			t.Errorf("Parse into %T: no error", v)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(good)
	f.Add("[lines]\nphones = [{user=\"1\"}]\n")
	f.Add("[flows.nodes.a]\n\"x.y\" = 1\n[[lines.phones]]\n")
	f.Add("a = '''\n[x]\n'''\n[lines]\nmode = 1\n")
	f.Fuzz(func(t *testing.T, text string) {
		var v file
		_ = config.Parse("f.toml", text, &v) // must not panic
	})
}
