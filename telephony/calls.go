package telephony

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"tracecall/telephony/event"
)

// Dialer places outbound legs. The core's Calls is the one apps use: a leg
// dialled with DialOptions.CallID joins that call, and the call's lifecycle
// is the core's to publish.
type Dialer interface {
	Dial(ctx context.Context, to Address, o DialOptions) (Leg, error)
}

// Calls is the core's switch: it serves every driver's inbound legs, dials
// outbound ones by the driver an Address names, and owns every call. See the
// package doc, "Calls".
type Calls struct {
	drivers map[string]Driver
	order   []string // driver names, as given
	pub     *event.Client
	log     *slog.Logger

	// mu guards calls; it is never held across I/O or a driver call.
	mu    sync.Mutex
	calls map[CallID]*call
}

// NewCalls returns the core over drivers; pub publishes the calls' lifecycle.
func NewCalls(drivers []Driver, pub *event.Client, log *slog.Logger) (*Calls, error) {
	c := &Calls{drivers: make(map[string]Driver), pub: pub, log: log, calls: make(map[CallID]*call)}
	for _, d := range drivers {
		if _, dup := c.drivers[d.Name()]; dup {
			return nil, fmt.Errorf("telephony: two drivers named %q", d.Name())
		}
		c.drivers[d.Name()] = d
		c.order = append(c.order, d.Name())
	}
	return c, nil
}

// Drivers returns the drivers' names, in the order given.
func (c *Calls) Drivers() []string { return slices.Clone(c.order) }

// Dial places an outbound leg through the driver to names.
func (c *Calls) Dial(ctx context.Context, to Address, o DialOptions) (Leg, error) {
	d, ok := c.drivers[to.Driver]
	if !ok {
		return nil, fmt.Errorf("telephony: dial %s: no driver %q: %w", to, to.Driver, ErrUnavailable)
	}
	return d.Dial(ctx, to, o)
}

// Serve runs every driver's Serve with h as the handler of their inbound legs,
// until ctx ends; it returns once every driver has stopped.
func (c *Calls) Serve(ctx context.Context, h Handler) error {
	var wg sync.WaitGroup
	errs := make([]error, len(c.order))
	for i, name := range c.order {
		d := c.drivers[name]
		wg.Go(func() {
			if err := d.Serve(ctx, h); err != nil {
				errs[i] = fmt.Errorf("driver %s: %w", name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Lines lists every driver's lines, drivers in the order given.
func (c *Calls) Lines() []LineState {
	var out []LineState
	for _, name := range c.order {
		if ll, ok := c.drivers[name].(LineLister); ok {
			out = append(out, ll.Lines()...)
		}
	}
	return out
}

// call is one call the core owns.
type call struct{}

var (
	_ Dialer     = (*Calls)(nil)
	_ LineLister = (*Calls)(nil)
)
