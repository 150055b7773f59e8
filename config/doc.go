// Package config reads the appliance's one configuration file (TOML; the shipped
// default is rootfs/etc/tracecall/tracecall.toml) into typed sections that each
// package takes as its own Config. Errors name the key and, for syntax errors, the
// line; unknown keys are errors too, so a typo never passes silently.
package config
