// Package config reads the appliance's one configuration file (TOML; the
// shipped default is rootfs/etc/tracecall/tracecall.toml) into the sections
// of the packages it configures. It owns the file format and the way errors
// are reported, nothing else.
//
// # One place per setting
//
// Each package owns its section: the Go type (its Config, whose toml tags are
// the section's keys), the defaults (a zero field means the default, applied
// by the package's constructor) and the validation (a Validate method that
// applies the defaults and names every key at fault in full, as in the file:
// "sip.listen: ..."; Problems collects them so). The constructor and the
// file are checked by that one Validate, so what the file accepts the
// constructor accepts. The sections are:
//
//	[daemon]  cmd/tracecalld (time zone, language)
//	[trace]   trace.Config
//	[sim]     sim.Config (drivers/sim)
//	[sip]     sip.Config (drivers/sip)
//	[tts]     tts.Config (ivr/tts)
//	[ivr]     ivr.Config
//	[acd]     acd.Config
//
// # Why config does not list them
//
// config imports no app (deps_test.go), yet most sections belong to apps:
// trace, ivr, ivr/tts, acd. So config does not declare the file's struct;
// the daemon does (cmd/tracecalld/config.go), one field per section, each
// the package's own type, and hands it to Load. Load decodes the file into
// it, refuses keys no section declares, and calls each section's Validate
// (Validator). The other ways out were worse: moving the app sections'
// types into leaf packages (acd/acdconfig, ...) would split each app's
// config from the code that reads it for the sake of an import rule, and
// config importing the apps would make the bottom of the tree depend on the
// top. The daemon is where everything is wired by hand anyway.
//
// # Errors
//
// Every problem is an *Error naming the file, the key and, where the file
// has the key (or the table a missing key belongs in), the line: a syntax
// error, a value of the wrong type, an unknown key (a typo never passes
// silently), or whatever a section's Validate finds. Load returns them all,
// joined, so one start shows everything wrong with the file.
package config
