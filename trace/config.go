package trace

import (
	"errors"
	"fmt"
)

// Config is the [trace] section of the config file: how trace codes are read
// (Options, whose tagged fields are its keys) and how much demo data
// tracecalld -demo loads. The zero value is Options' production default and
// DefaultDemoChains; Validate is the one check of it.
type Config struct {
	Options
	// DemoChains is how many demo chains tracecalld -demo loads into an empty
	// store (see DemoCount): zero means DefaultDemoChains, negative none.
	DemoChains int `toml:"demo_chains"`
}

// DefaultDemoChains is what a zero Config.DemoChains loads.
const DefaultDemoChains = 3000

// Limits of a retail code's length that Validate accepts: the city
// platforms' codes are 20 digits; anything outside these is a typo.
const (
	minRetailDigits = 8
	maxRetailDigits = 32
)

// DemoCount is how many demo chains to load, the default applied.
func (c Config) DemoCount() int {
	switch {
	case c.DemoChains == 0:
		return DefaultDemoChains
	case c.DemoChains < 0:
		return 0
	}
	return c.DemoChains
}

// Validate checks the [trace] section and returns every problem found, each
// naming its key ("trace.retail_min_digits").
func (c Config) Validate() error {
	var errs []error
	o := c.Options
	if o.RetailMin < 0 || o.RetailMax < 0 {
		errs = append(errs, fmt.Errorf("trace.retail_min_digits/retail_max_digits: %d..%d: must not be negative", o.RetailMin, o.RetailMax))
	} else if lo, hi := o.retailRange(); lo < minRetailDigits || hi > maxRetailDigits || (o.RetailMax > 0 && o.RetailMin > o.RetailMax) {
		errs = append(errs, fmt.Errorf("trace.retail_min_digits/retail_max_digits: %d..%d: want %d ≤ min ≤ max ≤ %d (0: 16 and 24)",
			o.RetailMin, o.RetailMax, minRetailDigits, maxRetailDigits))
	}
	return errors.Join(errs...)
}
