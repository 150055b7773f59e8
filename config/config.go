package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// Validator is a section that checks itself. Its errors name the key at
// fault in full, as in the file ("sip.listen: ..."), one error per problem,
// joined with errors.Join.
type Validator interface {
	Validate() error
}

// Load reads the file at path into file, which points to a struct whose
// fields are the file's sections: each tagged with its TOML table name
// (`toml:"sip"`), each the Config of the package the section belongs to. A
// key no section declares is an error; so is every problem a section's
// Validate finds (see Validator). Each problem is an *Error naming the file,
// the key and, where the file has it, the line; Load returns them joined.
func Load(path string, file any) error {
	return load(path, file, true)
}

// LoadSections is Load for a program that needs only some of the sections,
// a test or a tool: file's struct declares those, and the file's other
// top-level sections are skipped, unchecked. Keys unknown inside the
// sections it declares are errors, as with Load.
func LoadSections(path string, file any) error {
	return load(path, file, false)
}

// Parse is Load of a file's text; name stands for the file in errors.
func Parse(name, text string, file any) error {
	return parse(name, text, file, true)
}

func load(path string, file any, strict bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return parse(path, string(b), file, strict)
}

func parse(name, text string, file any, strict bool) error {
	v := reflect.ValueOf(file)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: %T: want a pointer to a struct of sections", file)
	}
	sections := sectionsOf(v.Elem())
	md, err := toml.Decode(text, file)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return &Error{File: name, Line: pe.Position.Line, Err: err}
		}
		return &Error{File: name, Err: err}
	}
	lines := keyLines(text)
	var errs []error
	reported := map[string]bool{}
	for _, k := range md.Undecoded() {
		key := k.String()
		if !strict && sections[k[0]] == nil {
			continue
		}
		if reported[parentOf(k).String()] {
			reported[key] = true // inside an unknown table: said once, there
			continue
		}
		reported[key] = true
		errs = append(errs, &Error{File: name, Line: lines.find(key), Err: fmt.Errorf("%s: unknown key", key)})
	}
	for _, s := range sortedSections(sections) {
		for _, err := range leaves(s.Validate()) {
			errs = append(errs, &Error{File: name, Line: lines.find(keyOf(err)), Err: err})
		}
	}
	return errors.Join(errs...)
}

// Error is one problem with the file.
type Error struct {
	File string
	Line int // 0 when the file does not have the key (a default is at fault)
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("config %s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("config %s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// section is one field of the file's struct that checks itself.
type section struct {
	name string
	Validator
}

// sectionsOf returns file's sections by TOML name; a field that has no
// Validate method is listed with a nil Validator.
func sectionsOf(file reflect.Value) map[string]*section {
	out := map[string]*section{}
	t := file.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		s := &section{name: name}
		if v, ok := file.Field(i).Addr().Interface().(Validator); ok {
			s.Validator = v
		}
		out[name] = s
	}
	return out
}

// sortedSections returns the sections that check themselves, by name, so
// errors come in the same order each time.
func sortedSections(m map[string]*section) []*section {
	var out []*section
	for _, s := range m {
		if s.Validator != nil {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *section) int { return strings.Compare(a.name, b.name) })
	return out
}

// leaves returns the errors joined in err, or err alone.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, leaves(e)...)
	}
	return out
}

// keyOf is the key an error from Validate names: the text before its first
// ": ", up to a "/" that pairs two keys ("sip.rtp_port_min/rtp_port_max").
func keyOf(err error) string {
	key, _, ok := strings.Cut(err.Error(), ": ")
	if !ok || strings.ContainsAny(key, " \t\n") {
		return ""
	}
	key, _, _ = strings.Cut(key, "/")
	return key
}

func parentOf(k toml.Key) toml.Key {
	if len(k) <= 1 {
		return nil
	}
	return k[:len(k)-1]
}
