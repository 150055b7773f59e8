package config

import (
	"errors"
	"fmt"
)

// Problems collects what a section's Validate finds, in the form Validator
// asks for: one error per problem, each naming its key in full ("sip.listen:
// ..."), so that Load can put the file's line on it. The zero value of a
// Problems with its Section set is ready to use:
//
//	p := config.Problems{Section: "sip"}
//	if c.Listen == "" {
//		p.Add("listen", "missing")
//	}
//	return p.Err()
//
// It is in config, which imports nothing of this module, so that every
// package owning a section, drivers included, reports the same way.
type Problems struct {
	Section string // the section's table, as in the file: "sip"
	errs    []error
}

// Add records a problem with key, named below the section ("phones[0].user",
// "rtp_port_min/rtp_port_max" for two keys at fault together); the message
// is format's, after the key.
func (p *Problems) Add(key, format string, a ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s.%s: %s", p.Section, key, fmt.Sprintf(format, a...)))
}

// Err returns the problems recorded, joined (errors.Join), or nil when there
// are none.
func (p *Problems) Err() error {
	return errors.Join(p.errs...)
}
