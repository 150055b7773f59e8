package ivr_test

import (
	"tracecall/acd"
	"tracecall/config"
	"tracecall/ivr"
)

// shippedConfig is what the ivr tests take from the shipped config file:
// its [ivr] and [acd] sections.
type shippedConfig struct {
	IVR ivr.Config `toml:"ivr"`
	ACD acd.Config `toml:"acd"`
}

// loadShipped reads the shipped file's [ivr] and [acd], checked.
func loadShipped() (shippedConfig, error) {
	var c shippedConfig
	err := config.LoadSections("../rootfs/etc/tracecall/tracecall.toml", &c)
	return c, err
}
