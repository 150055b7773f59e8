package tracecall_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// goFile is one parsed Go source file of the repository.
type goFile struct {
	rel  string // slash-separated, relative to the repository root
	test bool   // a _test.go file
	ast  *ast.File
}

// goDir is a folder the go tool builds a package from.
type goDir struct {
	rel   string
	files []goFile
}

// pkgName is the package the folder's non-test files declare.
func (d *goDir) pkgName() string {
	for _, f := range d.files {
		if !f.test {
			return f.ast.Name.Name
		}
	}
	return ""
}

// goDirs parses every Go file the go tool would see: it skips testdata,
// vendor, folders starting with "." or "_", and nested modules. Files that do
// not parse are reported and left out.
func goDirs(t *testing.T) []*goDir {
	t.Helper()
	fset := token.NewFileSet()
	byDir := map[string]*goDir{}
	var dirs []*goDir
	err := filepath.WalkDir(".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := e.Name()
		if e.IsDir() {
			if p == "." {
				return nil
			}
			if name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
				return filepath.SkipDir
			}
			if fileExists(filepath.Join(p, "go.mod")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			t.Errorf("%s: does not parse: %v", p, err)
			return nil
		}
		rel := filepath.ToSlash(filepath.Dir(p))
		d := byDir[rel]
		if d == nil {
			d = &goDir{rel: rel}
			byDir[rel] = d
			dirs = append(dirs, d)
		}
		d.files = append(d.files, goFile{rel: filepath.ToSlash(p), test: strings.HasSuffix(name, "_test.go"), ast: f})
		return nil
	})
	if err != nil {
		t.Fatalf("walk the repository: %v", err)
	}
	return dirs
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestPackageDocs: every package has a doc.go carrying its package comment,
// which for a library starts "Package name ".
func TestPackageDocs(t *testing.T) {
	for _, d := range goDirs(t) {
		name := d.pkgName()
		if name == "" {
			continue // tests only: not a package anything imports
		}
		i := slices.IndexFunc(d.files, func(f goFile) bool { return path.Base(f.rel) == "doc.go" })
		if i < 0 {
			t.Errorf("%s: package %s has no doc.go", d.rel, name)
			continue
		}
		doc := d.files[i].ast.Doc
		switch {
		case doc == nil || strings.TrimSpace(doc.Text()) == "":
			t.Errorf("%s/doc.go: no package comment", d.rel)
		case name != "main" && !strings.HasPrefix(doc.Text(), "Package "+name+" "):
			t.Errorf("%s/doc.go: package comment should start %q", d.rel, "Package "+name+" ")
		}
	}
}

// TestFileNames: Go file names are snake_case, never hyphenated.
func TestFileNames(t *testing.T) {
	for _, d := range goDirs(t) {
		for _, f := range d.files {
			if strings.Contains(path.Base(f.rel), "-") {
				t.Errorf("%s: hyphen in a Go file name; use an underscore", f.rel)
			}
		}
	}
}

// TestTestingImports: only tests, and the test kits (packages named *test,
// such as storetest or telephonytest), import "testing".
func TestTestingImports(t *testing.T) {
	for _, d := range goDirs(t) {
		if strings.HasSuffix(d.pkgName(), "test") {
			continue
		}
		for _, f := range d.files {
			if f.test {
				continue
			}
			for _, imp := range f.ast.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if p == "testing" || strings.HasPrefix(p, "testing/") {
					t.Errorf("%s: imports %q outside a test; move the code to a _test.go file or a *test package", f.rel, p)
				}
			}
		}
	}
}

// globalLoggers are the functions of the standard loggers that write through
// (or change) a process-wide logger. Code takes an injected *slog.Logger
// instead; only cmd/*/main.go may set one up.
var globalLoggers = map[string][]string{
	"log/slog": {"Default", "SetDefault", "SetLogLoggerLevel",
		"Debug", "Info", "Warn", "Error", "Log", "LogAttrs",
		"DebugContext", "InfoContext", "WarnContext", "ErrorContext"},
	"log": {"Default", "SetOutput", "SetFlags", "SetPrefix", "Writer", "Output",
		"Print", "Printf", "Println", "Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"},
}

// TestNoGlobalLoggers: no slog.Default(), slog.Info(...) or log.Printf(...)
// outside cmd/*/main.go, in code or tests.
func TestNoGlobalLoggers(t *testing.T) {
	for _, d := range goDirs(t) {
		for _, f := range d.files {
			if ok, _ := path.Match("cmd/*/main.go", f.rel); ok {
				continue
			}
			// The names the file gives the logging packages.
			local := map[string]string{}
			for _, imp := range f.ast.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if _, ok := globalLoggers[p]; !ok {
					continue
				}
				name := path.Base(p)
				if imp.Name != nil {
					name = imp.Name.Name
				}
				local[name] = p
			}
			if len(local) == 0 {
				continue
			}
			ast.Inspect(f.ast, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				id, ok := sel.X.(*ast.Ident)
				// A resolved Obj is a local variable (log *slog.Logger), not the package.
				if !ok || id.Obj != nil {
					return true
				}
				if p, ok := local[id.Name]; ok && slices.Contains(globalLoggers[p], sel.Sel.Name) {
					t.Errorf("%s: %s.%s uses the process-wide logger; take a *slog.Logger instead",
						f.rel, id.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// TestCallLifecycleOnlyFromCore: a call's start, answer and end are the
// core's to publish (telephony.Calls), once each per call. No other package's
// code builds those events; tests may, to feed a subscriber.
func TestCallLifecycleOnlyFromCore(t *testing.T) {
	lifecycle := map[string]bool{"CallStarted": true, "CallAnswered": true, "CallEnded": true}
	for _, d := range goDirs(t) {
		if d.rel == "telephony" {
			continue
		}
		for _, f := range d.files {
			if f.test {
				continue
			}
			ast.Inspect(f.ast, func(n ast.Node) bool {
				lit, ok := n.(*ast.CompositeLit)
				if !ok {
					return true
				}
				sel, ok := lit.Type.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "event" && lifecycle[sel.Sel.Name] {
					t.Errorf("%s builds event.%s: only the core (telephony.Calls) publishes a call's lifecycle", f.rel, sel.Sel.Name)
				}
				return true
			})
		}
	}
}
