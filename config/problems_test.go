package config_test

import (
	"errors"
	"strings"
	"testing"

	"tracecall/config"
)

// TestProblems: each problem is one error naming its key in full, as Load
// expects of a section's Validate; none is nil.
func TestProblems(t *testing.T) {
	p := config.Problems{Section: "lines"}
	if err := p.Err(); err != nil {
		t.Fatalf("no problems: Err() = %v, want nil", err)
	}
	p.Add("listen", "%q: want host:port", "x")
	p.Add("phones[0].password", "missing")
	err := p.Err()
	var leaves []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		leaves = append(leaves, e.Error())
	}
	want := []string{`lines.listen: "x": want host:port`, "lines.phones[0].password: missing"}
	if strings.Join(leaves, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors %q, want %q", leaves, want)
	}
}

// TestProblemsLines: Load places a problem Add recorded on its key's line.
func TestProblemsLines(t *testing.T) {
	var file struct {
		S checked `toml:"s"`
	}
	err := config.Parse("f.toml", "[s]\nname = \"\"\n", &file)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(ce.Error(), "s.name: empty") {
		t.Errorf("Parse = %v, want s.name: empty on line 2", err)
	}
}

// checked is a section that reports through Problems.
type checked struct {
	Name string `toml:"name"`
}

func (c checked) Validate() error {
	p := config.Problems{Section: "s"}
	if c.Name == "" {
		p.Add("name", "empty")
	}
	return p.Err()
}
