package main

import (
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"tracecall/config/configtest"
)

// shipped is the configuration file the appliance ships, verbatim.
const shipped = "../../rootfs/etc/tracecall/tracecall.toml"

func TestShippedConfigParses(t *testing.T) {
	c, err := loadConfig(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if c.Daemon.Timezone != "Asia/Shanghai" || c.Daemon.Language != "zh" {
		t.Errorf("daemon = %+v, want Asia/Shanghai and zh", c.Daemon)
	}
	if loc, err := c.Daemon.Location(); err != nil || loc.String() != "Asia/Shanghai" {
		t.Errorf("Location() = %v, %v", loc, err)
	}
	if !c.Trace.CheckDigit || c.Trace.RetailMin != 20 || c.Trace.DemoCount() != 3000 {
		t.Errorf("trace = %+v", c.Trace)
	}
	if c.Sim.Enabled || c.Sim.Lines != 30 || len(c.Sim.Phones) != 2 {
		t.Errorf("sim = %+v", c.Sim)
	}
	if c.SIP.Listen != "" || c.SIP.TrunkUser != "" || c.SIP.TrunkPassword != "" || c.SIP.SourceRate != 1000 || c.SIP.CompletedWait != 5*time.Second {
		t.Errorf("sip = %+v: want SIP off, no trunk credentials, source_rate 1000, completed_wait 5s", c.SIP)
	}
	if c.TTS.Speed != 160 || c.TTS.Speeds["zh"] != 200 || c.TTS.Voices["zh"] != "cmn" {
		t.Errorf("tts = %+v", c.TTS)
	}
	if c.IVR.MenuTimeout != 6*time.Second || c.IVR.CodeTries != 3 {
		t.Errorf("ivr timing = %v, %d tries", c.IVR.MenuTimeout, c.IVR.CodeTries)
	}
	routed := map[string]bool{}
	for _, r := range c.IVR.Routes {
		for _, n := range r.Numbers {
			routed[n] = true
		}
	}
	if !routed["ivr"] || !routed["96315"] {
		t.Errorf("routes %v: want ivr and the demo hotline 96315", routed)
	}
	for _, lang := range []string{"zh", "en"} {
		if c.IVR.Prompts[lang]["welcome"] == "" {
			t.Errorf("no %s welcome prompt", lang)
		}
	}
	if len(c.ACD.Queues) != 1 || len(c.ACD.Agents) != 2 {
		t.Errorf("acd = %d queues, %d agents", len(c.ACD.Queues), len(c.ACD.Agents))
	}
}

// TestBadConfigNamesTheKey: an edit of the shipped file that breaks it is
// refused at start naming the key, each section checked by its own package.
func TestBadConfigNamesTheKey(t *testing.T) {
	base, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	const trunk = "trunk = \"\"\n"
	tests := []struct {
		name  string
		edits []string // old, new, ...; an odd last one is appended
		want  string
	}{
		{"syntax error has a line", []string{"[daemon]", "[daemon"}, ".toml:8: toml: line 8"},
		{"unknown key", []string{"lines = 30", "linez = 30"}, "sim.linez: unknown key"},
		{"bad duration", []string{`menu_timeout = "6s"`, `menu_timeout = "six"`}, "menu_timeout"},
		{"bad zone", []string{`timezone = "Asia/Shanghai"`, `timezone = "Mars/Olympus"`}, "daemon.timezone"},
		{"bad language", []string{`language = "zh"` + "\n\n[trace]", `language = "fr"` + "\n\n[trace]"}, "daemon.language"},
		{"digits range", []string{"retail_min_digits = 20", "retail_min_digits = 40"}, "trace.retail_min_digits"},
		{"too many lines", []string{"lines = 30", "lines = 20000"}, "sim.lines"},
		{"bad listen", []string{`listen = ""`, `listen = "127.0.0.1:99999"`}, "sip.listen"},
		{"phone without password", []string{"\n[[sip.phones]]\nuser = \"8001\"\n"}, `sip.phones[0].password: missing for user "8001"`},
		{"phone twice", []string{"\n[[sip.phones]]\nuser = \"8001\"\npassword = \"x\"\n[[sip.phones]]\nuser = \"8001\"\npassword = \"y\"\n"}, `sip.phones[1].user: "8001": listed twice`},
		{"bad trunk", []string{trunk, "trunk = \"nohost\"\n"}, "sip.trunk"},
		{"expiry range", []string{`min_expires = "60s"`, `min_expires = "2h"`}, "sip.min_expires"},
		{"credentials without a trunk", []string{`trunk_user = ""`, `trunk_user = "tracecall"`}, "sip.trunk_user/trunk_password"},
		{"password without a user", []string{trunk, "trunk = \"192.0.2.10:5060\"\n", `trunk_password = ""`, `trunk_password = "s3cret"`}, "sip.trunk_password"},
		{"completed_wait under a second", []string{`completed_wait = "5s"`, `completed_wait = "500ms"`}, "sip.completed_wait"},
		{"completed_wait that is no duration", []string{`completed_wait = "5s"`, `completed_wait = "soon"`}, "completed_wait"},
		{"tts too fast", []string{"speed = 160", "speed = 1000"}, "tts.speed"},
		{"dangling node link", []string{`found = "result"`, `found = "resutl"`}, `ivr.flows.trace.nodes.query.found: no node "resutl"`},
		{"missing prompt", []string{"goodbye = \"Thank you for calling. Goodbye.\"\n", ""}, `prompt "goodbye" missing from ivr.prompts.en`},
		{"bad menu key", []string{`options = { "1" = "query", "0" = "agent", "9" = "english" }`, `options = { "12" = "query" }`}, `key "12"`},
		{"bad strategy", []string{`strategy = "linear"`, `strategy = "longest"`}, "acd.queues[0].strategy"},
		{"bad hold music", []string{`music = "melody"`, `music = "jazz"`}, "ivr.flows.trace.nodes.agent.music"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := string(base)
			for i := 0; i+1 < len(tt.edits); i += 2 {
				if !strings.Contains(text, tt.edits[i]) {
					t.Fatalf("shipped config lacks %q", tt.edits[i])
				}
				text = strings.Replace(text, tt.edits[i], tt.edits[i+1], 1)
			}
			if len(tt.edits)%2 == 1 {
				text += tt.edits[len(tt.edits)-1]
			}
			path := t.TempDir() + "/tracecall.toml"
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := loadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v, want it to name %s and %q", err, path, tt.want)
			}
		})
	}
}

// TestQueueNodeMayNameAPanelQueue: queues run from the store and may be
// created in the panel after the flows are written, so a queue node naming a
// queue the file does not define is accepted (the daemon warns at start).
func TestQueueNodeMayNameAPanelQueue(t *testing.T) {
	base, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(base), `queue = "trace"`, `queue = "hotline"`, 1)
	if text == string(base) {
		t.Fatal(`the shipped config has no queue = "trace" to change`)
	}
	path := t.TempDir() + "/tracecall.toml"
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path); err != nil {
		t.Errorf("loadConfig: %v", err)
	}
}

// TestShippedConfigDocumentsEverySetting: every key a section declares is
// named in the shipped file within its section (set, or in a comment), so
// the file is the installer's whole reference.
func TestShippedConfigDocumentsEverySetting(t *testing.T) {
	base, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	text := string(base)
	for _, key := range fileKeys(reflect.TypeFor[configFile](), "") {
		section, _, _ := strings.Cut(key, ".")
		leaf := key[strings.LastIndexAny(key, ".")+1:]
		if !regexp.MustCompile(`\b` + leaf + `\b`).MatchString(sectionText(text, section)) {
			t.Errorf("%s: not in the shipped file's [%s]", key, section)
		}
	}
}

// fileKeys lists the keys t declares, as "section.key.key"; a map's keys
// are written "*", an array's elements are not numbered.
func fileKeys(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() == reflect.Map {
		return fileKeys(t.Elem(), prefix+".*")
	}
	if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Duration]() {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		switch {
		case !f.IsExported() || name == "-":
			continue
		case f.Anonymous && name == "":
			keys = append(keys, fileKeys(f.Type, prefix)...)
			continue
		case name == "":
			name = f.Name + "_has_no_toml_tag" // decoded by its Go name: a key nobody documented
		}
		key := strings.TrimPrefix(prefix+"."+name, ".")
		keys = append(keys, key)
		keys = append(keys, fileKeys(f.Type, key)...)
	}
	return keys
}

// sectionText is the part of the file from the first header of section to
// the first header of another top-level section after it.
func sectionText(text, section string) string {
	header := regexp.MustCompile(`(?m)^\[\[?([A-Za-z_]+)`)
	var b strings.Builder
	in := false
	for _, line := range strings.SplitAfter(text, "\n") {
		if m := header.FindStringSubmatch(line); m != nil {
			if in && m[1] != section {
				break
			}
			in = m[1] == section
		}
		if in {
			b.WriteString(line)
		}
	}
	return b.String()
}

// TestDaemonConfigValidate: [daemon] is the daemon's own section; zero is
// Asia/Shanghai in Mandarin.
func TestDaemonConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  daemonConfig
		want string // a key the error names; "" for none
	}{
		{"zero", daemonConfig{}, ""},
		{"english in UTC", daemonConfig{Timezone: "UTC", Language: "en"}, ""},
		{"no such zone", daemonConfig{Timezone: "Mars/Olympus"}, "daemon.timezone"},
		{"french", daemonConfig{Language: "fr"}, "daemon.language"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			configtest.Check(t, err, tt.want)
		})
	}
	if loc, err := (daemonConfig{}).Location(); err != nil || loc.String() != defaultTimezone {
		t.Errorf("zero Location() = %v, %v", loc, err)
	}
	if l := (daemonConfig{}).Lang(); l != defaultLanguage {
		t.Errorf("zero Lang() = %q", l)
	}
}
