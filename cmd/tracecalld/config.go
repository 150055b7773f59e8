package main

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"tracecall/acd"
	"tracecall/config"
	"tracecall/drivers/sim"
	sipdriver "tracecall/drivers/sip"
	"tracecall/ivr"
	"tracecall/ivr/tts"
	"tracecall/trace"
)

// configFile is /etc/tracecall/tracecall.toml: one section per package, each
// the package's own Config, whose keys, defaults and validation it owns
// (config/doc.go says why the list is here and not in config).
type configFile struct {
	Daemon daemonConfig     `toml:"daemon"`
	Trace  trace.Config     `toml:"trace"`
	Sim    sim.Config       `toml:"sim"`
	SIP    sipdriver.Config `toml:"sip"`
	TTS    tts.Config       `toml:"tts"`
	IVR    ivr.Config       `toml:"ivr"`
	ACD    acd.Config       `toml:"acd"`
}

// loadConfig reads and checks the file at path.
func loadConfig(path string) (configFile, error) {
	var c configFile
	if err := config.Load(path, &c); err != nil {
		return configFile{}, err
	}
	// An IVR queue node may name a queue the file does not define: queues
	// run from the store and may be created in the panel. The daemon warns
	// at start about those that do not exist (warnMissingQueues).
	return c, nil
}

// daemonConfig is the [daemon] section: tracecalld's own settings. The zero
// value is the default.
type daemonConfig struct {
	// Timezone is the IANA zone of call records, prompts and the panel;
	// default Asia/Shanghai.
	Timezone string `toml:"timezone"`
	// Language is the IVR's and the panel's default language, zh (default)
	// or en.
	Language string `toml:"language"`
}

// Defaults of [daemon].
const (
	defaultTimezone = "Asia/Shanghai"
	defaultLanguage = "zh"
)

// Location is the configured time zone.
func (d daemonConfig) Location() (*time.Location, error) {
	tz := d.Timezone
	if tz == "" {
		tz = defaultTimezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("daemon.timezone: %q: %w", tz, err)
	}
	return loc, nil
}

// Lang is the configured language, the default applied.
func (d daemonConfig) Lang() string {
	if d.Language == "" {
		return defaultLanguage
	}
	return d.Language
}

// Validate checks [daemon], naming the key at fault.
func (d daemonConfig) Validate() error {
	var errs []error
	if _, err := d.Location(); err != nil {
		errs = append(errs, err)
	}
	if !slices.Contains([]string{"zh", "en"}, d.Lang()) {
		errs = append(errs, fmt.Errorf("daemon.language: %q: want zh or en", d.Language))
	}
	return errors.Join(errs...)
}
