package tracecall_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// module is this repository's module path.
const module = "tracecall"

// listedPackage is what `go list -e -json` says of one package.
type listedPackage struct {
	ImportPath   string
	Imports      []string // direct, non-test
	Deps         []string // transitive, non-test
	TestImports  []string
	XTestImports []string
}

// listPackages lists the module's packages with their imports. Broken or
// half-written packages are listed as far as go list can (-e).
func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal("go command not found: cannot list packages")
	}
	cmd := exec.Command(goBin, "list", "-e", "-json=ImportPath,Imports,Deps,TestImports,XTestImports", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// within reports whether pkg is one of roots or below one of them.
func within(pkg string, roots ...string) bool {
	for _, r := range roots {
		if pkg == r || strings.HasPrefix(pkg, r+"/") {
			return true
		}
	}
	return false
}

// TestDependencies proves the architecture of STYLE.md and DESIGN.md: bbolt
// stays inside store, drivers know nothing of the apps above them, and apps
// reach lines only through the telephony core.
func TestDependencies(t *testing.T) {
	pkgs := listPackages(t)
	var (
		store   = module + "/store"
		drivers = module + "/drivers"
		// Apps own behaviour; they talk to telephony, never to a driver.
		apps = []string{module + "/ivr", module + "/acd", module + "/web", module + "/cdr",
			module + "/trace", module + "/crm", module + "/recorder", module + "/switchboard"}
		// What a driver must not know about.
		aboveDrivers = []string{module + "/ivr", module + "/acd", module + "/web", module + "/switchboard", module + "/crm"}
	)
	tests := []struct {
		name    string
		subject func(pkg string) bool          // the packages the rule binds
		imports func(p listedPackage) []string // what is checked of them
		banned  func(dep string) bool
		verb    string
	}{
		{
			name:    "only store imports bbolt",
			subject: func(pkg string) bool { return pkg != store },
			imports: func(p listedPackage) []string {
				return slices.Concat(p.Imports, p.TestImports, p.XTestImports)
			},
			banned: func(dep string) bool { return within(dep, "go.etcd.io/bbolt") },
			verb:   "imports",
		},
		{
			name:    "drivers never import the apps",
			subject: func(pkg string) bool { return within(pkg, drivers) },
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  func(dep string) bool { return within(dep, aboveDrivers...) },
			verb:    "depends on",
		},
		{
			name:    "apps never import a driver",
			subject: func(pkg string) bool { return within(pkg, apps...) },
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  func(dep string) bool { return within(dep, drivers) },
			verb:    "depends on",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, p := range pkgs {
				if !tt.subject(p.ImportPath) {
					continue
				}
				n++
				for _, dep := range tt.imports(p) {
					if tt.banned(dep) {
						t.Errorf("%s %s %s", p.ImportPath, tt.verb, dep)
					}
				}
			}
			if n == 0 {
				t.Error("no package this rule binds exists: the rule checks nothing (a package was renamed?)")
			}
		})
	}
}
