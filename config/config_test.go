package config_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"tracecall/config"
)

const shipped = "../rootfs/etc/tracecall/tracecall.toml"

func TestShippedConfigParses(t *testing.T) {
	c, err := config.Load(shipped)
	if err != nil {
		t.Fatal(err)
	}
	if c.Daemon.Timezone != "Asia/Shanghai" || c.Daemon.Language != "zh" {
		t.Errorf("daemon = %+v, want Asia/Shanghai and zh", c.Daemon)
	}
	if !c.Trace.CheckDigit || c.Trace.RetailMinDigits != 20 {
		t.Errorf("trace = %+v", c.Trace)
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
	if loc, err := c.Location(); err != nil || loc.String() != "Asia/Shanghai" {
		t.Errorf("Location() = %v, %v", loc, err)
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	base, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, edit, want string
	}{
		{"syntax error has a line", "[daemon\n", "line"},
		{"unknown key", strings.Replace(string(base), "lines = 30", "linez = 30", 1), "sim.linez"},
		{"bad duration", strings.Replace(string(base), `menu_timeout = "6s"`, `menu_timeout = "six"`, 1), "menu_timeout"},
		{"bad zone", strings.Replace(string(base), `timezone = "Asia/Shanghai"`, `timezone = "Mars/Olympus"`, 1), "daemon.timezone"},
		{"bad language", strings.Replace(string(base), `language = "zh"`+"\n\n[trace]", `language = "fr"`+"\n\n[trace]", 1), "daemon.language"},
		{"dangling node link", strings.Replace(string(base), `found = "result"`, `found = "resutl"`, 1), `ivr.flows.trace.nodes.query.found: no node "resutl"`},
		{"missing prompt", strings.Replace(string(base), "goodbye = \"Thank you for calling. Goodbye.\"\n", "", 1), `prompt "goodbye" missing from ivr.prompts.en`},
		{"digits range", strings.Replace(string(base), "retail_min_digits = 20", "retail_min_digits = 40", 1), "retail_min_digits"},
		{"phone without password", "\n[[sip.phones]]\nuser = \"8001\"\n", `sip.phones[0].password: missing for user "8001"`},
		{"phone twice", "\n[[sip.phones]]\nuser = \"8001\"\npassword = \"x\"\n[[sip.phones]]\nuser = \"8001\"\npassword = \"y\"\n", `sip.phones[1].user: "8001": listed twice`},
		{"bad trunk", strings.Replace(string(base), `trunk = ""`, `trunk = "nohost"`, 1), "sip.trunk"},
		{"expiry range", strings.Replace(string(base), `min_expires = "60s"`, `min_expires = "2h"`, 1), "sip.min_expires"},
		{"bad menu key", strings.Replace(string(base), `options = { "1" = "query", "0" = "agent", "9" = "english" }`, `options = { "12" = "query" }`, 1), `key "12"`},
		{"bad strategy", strings.Replace(string(base), `strategy = "linear"`, `strategy = "longest"`, 1), "acd.queues[0].strategy"},
		{"bad hold music", strings.Replace(string(base), `music = "melody"`, `music = "jazz"`, 1), "ivr.flows.trace.nodes.agent.music"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.edit
			if !strings.Contains(text, "[ivr]") {
				text = string(base) + tt.edit
			}
			_, err := config.Parse(text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	base, err := os.ReadFile(shipped)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(base))
	f.Add("[ivr]\nroutes = [{numbers=[\"1\"], flow=\"x\"}]\n")
	f.Add("[ivr.flows.a]\nstart=\"b\"\n[ivr.flows.a.nodes.b]\ntype=\"menu\"\n")
	f.Fuzz(func(t *testing.T, text string) {
		_, _ = config.Parse(text) // must not panic
	})
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
	if _, err := config.Parse(text); err != nil {
		t.Errorf("Parse: %v", err)
	}
}
