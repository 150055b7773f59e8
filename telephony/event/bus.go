package event

import (
	"errors"
	"log/slog"
	"sync"
)

// ErrSlow is returned by Subscriber.Err when the subscriber was cut off because its
// queue was full.
var ErrSlow = errors.New("event: subscriber too slow, cut off")

// ErrClosed is returned by Subscriber.Err after Close or after the bus closed.
var ErrClosed = errors.New("event: subscriber closed")

// DefaultQueue is the queue length of a subscriber that asks for none.
const DefaultQueue = 1024

// Bus delivers events from publishers to subscribers.
type Bus struct {
	log *slog.Logger

	// mu guards subs; Publish holds it for reading only.
	mu   sync.RWMutex
	subs map[*sub]struct{}
}

// New returns an empty bus. log may be nil.
func New(log *slog.Logger) *Bus {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Bus{log: log, subs: make(map[*sub]struct{})}
}

// Client returns a named client of the bus. Names appear in logs when a client's
// subscriber is cut off.
func (b *Bus) Client(name string) *Client { return &Client{bus: b, name: name} }

// Close cuts off every subscriber.
func (b *Bus) Close() {
	b.mu.Lock()
	subs := b.subs
	b.subs = make(map[*sub]struct{})
	b.mu.Unlock()
	for s := range subs {
		s.stop(ErrClosed)
	}
}

// Client publishes and subscribes on behalf of one named part of the daemon.
type Client struct {
	bus  *Bus
	name string
}

// Name returns the client's name.
func (c *Client) Name() string { return c.name }

// Publish delivers e to every subscriber whose type matches. It never blocks.
func (c *Client) Publish(e Event) {
	b := c.bus
	var slow []*sub
	b.mu.RLock()
	for s := range b.subs {
		if !s.offer(e) {
			slow = append(slow, s)
		}
	}
	b.mu.RUnlock()
	for _, s := range slow {
		b.remove(s)
		b.log.Warn("event subscriber cut off", "client", s.client, "queue", s.size)
		s.stop(ErrSlow)
	}
}

func (b *Bus) remove(s *sub) {
	b.mu.Lock()
	delete(b.subs, s)
	b.mu.Unlock()
}

// sub is the untyped part of a subscriber, kept by the bus.
type sub struct {
	client string
	size   int
	// offer tries a non-blocking send of e if it matches; false means the queue is full.
	offer func(e Event) bool

	once sync.Once
	done chan struct{}
	err  error // set once before done closes
}

func (s *sub) stop(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.done)
	})
}

// Subscriber receives the events of type T (an interface type such as Event
// receives every event).
type Subscriber[T any] struct {
	s   *sub
	bus *Bus
	ch  chan T
}

// Option tunes a subscription.
type Option func(*options)

type options struct {
	queue  int
	filter func(Event) bool
}

// WithQueue sets the subscriber's queue length.
func WithQueue(n int) Option { return func(o *options) { o.queue = n } }

// WithFilter delivers only events for which keep returns true. keep runs on the
// publisher's goroutine and must be quick.
func WithFilter(keep func(Event) bool) Option { return func(o *options) { o.filter = keep } }

// Subscribe returns a subscriber to events of type T published on c's bus.
func Subscribe[T any](c *Client, opts ...Option) *Subscriber[T] {
	o := options{queue: DefaultQueue}
	for _, f := range opts {
		f(&o)
	}
	if o.queue < 1 {
		o.queue = 1
	}
	ch := make(chan T, o.queue)
	s := &sub{client: c.name, size: o.queue, done: make(chan struct{})}
	s.offer = func(e Event) bool {
		v, ok := e.(T)
		if !ok || (o.filter != nil && !o.filter(e)) {
			return true
		}
		select {
		case <-s.done:
			return true
		default:
		}
		select {
		case ch <- v:
			return true
		default:
			return false
		}
	}
	c.bus.mu.Lock()
	c.bus.subs[s] = struct{}{}
	c.bus.mu.Unlock()
	return &Subscriber[T]{s: s, bus: c.bus, ch: ch}
}

// Events returns the queue to receive from.
func (s *Subscriber[T]) Events() <-chan T { return s.ch }

// Done is closed when the subscriber was cut off or closed.
func (s *Subscriber[T]) Done() <-chan struct{} { return s.s.done }

// Err says why Done closed: ErrSlow or ErrClosed.
func (s *Subscriber[T]) Err() error {
	select {
	case <-s.s.done:
		return s.s.err
	default:
		return nil
	}
}

// Close stops the subscription. Events already queued stay readable.
func (s *Subscriber[T]) Close() {
	s.bus.remove(s.s)
	s.s.stop(ErrClosed)
}
