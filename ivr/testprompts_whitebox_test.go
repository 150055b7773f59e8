package ivr

import (
	"os"
	"testing"

	"github.com/BurntSushi/toml"
)

// testPrompts reads the [ivr] section of the shipped config file (package config
// imports ivr, so the whitebox tests decode it themselves).
func testPrompts(t *testing.T) Config {
	t.Helper()
	b, err := os.ReadFile("../rootfs/etc/tracecall/tracecall.toml")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		IVR Config `toml:"ivr"`
	}
	if _, err := toml.Decode(string(b), &file); err != nil {
		t.Fatal(err)
	}
	return file.IVR.withDefaults()
}
