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

// The layers of DESIGN.md ("Data flow"), from the bottom up: the core, the
// drivers that turn lines into legs, the store, the apps that own behaviour,
// and the surfaces that show them to people. config composes the sections
// of every layer.
var (
	// The core: legs, calls, media, events.
	core = []string{module + "/telephony"}
	// Drivers turn their world into legs and events and nothing else.
	drivers = module + "/drivers"
	// The store is the only package that touches bbolt; crm and the apps
	// keep their data through it.
	store = module + "/store"
	// config parses the file into the sections each package owns and says
	// how a section reports its problems (config.Problems). It imports
	// nothing of this module, so every layer, drivers included, may use it.
	config = module + "/config"
	// trace is the trace code and chain model the store caches ("store:
	// trace cache"), so it sits below the store, not among the apps; it
	// imports neither (its lookups take the store as an interface).
	traceModel = module + "/trace"
	// Apps own behaviour (DESIGN.md "Apps"): the IVR, the ACD with its
	// offers, call control (switchboard) and the desk's actions, the
	// recorder, the CDR writer, the customer book and the screen pop.
	apps = []string{module + "/ivr", module + "/acd", module + "/switchboard", module + "/desk",
		module + "/recorder", module + "/cdr", module + "/crm", module + "/screenpop"}
	// Surfaces show the apps to people: the web panel, the daemon and tracectl.
	surfaces = []string{module + "/web", module + "/cmd"}
)

// TestDependencies proves the architecture of STYLE.md and DESIGN.md: bbolt
// stays inside store, the core imports nothing above it, store and config
// import no app, drivers know nothing of the apps and surfaces above them,
// and apps reach lines only through the core. A rule that binds no package
// fails: it would prove nothing.
func TestDependencies(t *testing.T) {
	pkgs := listPackages(t)
	above := func(layers ...[]string) func(dep string) bool {
		roots := slices.Concat(layers...)
		return func(dep string) bool { return within(dep, roots...) }
	}
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
			name:    "the core imports nothing above it",
			subject: func(pkg string) bool { return within(pkg, core...) },
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  above([]string{drivers, store, config, traceModel}, apps, surfaces),
			verb:    "depends on",
		},
		{
			name:    "store and config import no app",
			subject: func(pkg string) bool { return within(pkg, store, config) },
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  above(apps, surfaces),
			verb:    "depends on",
		},
		{
			name:    "config imports nothing of this module",
			subject: func(pkg string) bool { return pkg == config },
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  func(dep string) bool { return within(dep, module) },
			verb:    "depends on",
		},
		{
			name:    "trace imports neither the store nor an app",
			subject: func(pkg string) bool { return within(pkg, traceModel) },
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  above([]string{drivers, store, config}, apps, surfaces),
			verb:    "depends on",
		},
		{
			name:    "drivers import no app and no surface",
			subject: func(pkg string) bool { return within(pkg, drivers) },
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  above(apps, surfaces),
			verb:    "depends on",
		},
		{
			name: "apps never import a driver",
			subject: func(pkg string) bool {
				return within(pkg, slices.Concat(apps, []string{module + "/web", traceModel})...)
			},
			imports: func(p listedPackage) []string { return p.Deps },
			banned:  func(dep string) bool { return within(dep, drivers) },
			verb:    "depends on",
		},
		{
			// The ACD hands its offers out (acd.ACD.Offers); the switchboard,
			// which rings them, is built over it. Nothing the ACD needs may
			// need the ACD back.
			name:    "the acd depends on no app that rings or holds callers",
			subject: func(pkg string) bool { return pkg == module+"/acd" },
			imports: func(p listedPackage) []string { return p.Deps },
			banned: func(dep string) bool {
				return within(dep, module+"/switchboard", module+"/ivr", module+"/web", module+"/cdr")
			},
			verb: "depends on",
		},
	}
	byPath := make(map[string]listedPackage, len(pkgs))
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	// via names the direct import of p that brings dep, so a failure says
	// which line to change.
	via := func(p listedPackage, dep string) string {
		for _, i := range p.Imports {
			if i == dep {
				return ""
			}
		}
		for _, i := range p.Imports {
			if slices.Contains(byPath[i].Deps, dep) {
				return " (through its import of " + i + ")"
			}
		}
		return ""
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
						t.Errorf("%s %s %s%s", p.ImportPath, tt.verb, dep, via(p, dep))
					}
				}
			}
			if n == 0 {
				t.Error("no package this rule binds exists: the rule proves nothing")
			}
		})
	}
}
