package throttle

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Config sets a Throttle's curve. Zero fields take the defaults below.
type Config struct {
	Free    int           // failures before any delay (default 3)
	Base    time.Duration // the first delay (default 1 s)
	Max     time.Duration // the longest delay (default 5 min)
	Forget  time.Duration // idle time after which a key is forgotten (default 1 h)
	MaxKeys int           // keys kept at most (default 10,000)
	// Now is the clock; nil means time.Now. Tests move it.
	Now func() time.Time
}

// Defaults.
const (
	DefaultFree    = 3
	DefaultBase    = time.Second
	DefaultMax     = 5 * time.Minute
	DefaultForget  = time.Hour
	DefaultMaxKeys = 10000
)

// Throttle counts failures per key. It is safe for concurrent use.
type Throttle struct {
	cfg Config

	mu   sync.Mutex
	keys map[string]*entry
}

type entry struct {
	failures int
	last     time.Time // the last failure
	until    time.Time // no attempt before this
	notes    []string  // what the failures were about, most recent last
}

// MaxNotes is how many distinct notes a key keeps (Record), the most recent.
const MaxNotes = 8

// New returns a Throttle with cfg's curve.
func New(cfg Config) *Throttle {
	if cfg.Free <= 0 {
		cfg.Free = DefaultFree
	}
	if cfg.Base <= 0 {
		cfg.Base = DefaultBase
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultMax
	}
	if cfg.Max < cfg.Base {
		cfg.Max = cfg.Base
	}
	if cfg.Forget <= 0 {
		cfg.Forget = DefaultForget
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Throttle{cfg: cfg, keys: make(map[string]*entry)}
}

// Wait says how long key must still wait before its next attempt is even
// looked at; zero means go ahead. A caller refuses an attempt that comes
// early without checking it, so a guess made too soon tells nothing.
func (t *Throttle) Wait(key string) time.Duration {
	now := t.cfg.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.live(key, now)
	if e == nil || !now.Before(e.until) {
		return 0
	}
	return e.until.Sub(now)
}

// Fail counts a failure against key and returns the wait it now has.
func (t *Throttle) Fail(key string) time.Duration { return t.Record(key, "").Wait }

// Failure is what one failure did to its key.
type Failure struct {
	Failures int           // the key's failures, this one included
	Wait     time.Duration // the wait the key now has
	// Began is set for the failure that started the key's first wait: the
	// one to log, once, as the key's lockout.
	Began bool
}

// Record counts a failure against key, as Fail does, and keeps note (when
// not empty) among the key's notes: what the failure was about, such as
// the account an address guessed, for an admin's view and for lifting the
// addresses that guessed an account.
func (t *Throttle) Record(key, note string) Failure {
	now := t.cfg.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.live(key, now)
	if e == nil {
		if len(t.keys) >= t.cfg.MaxKeys {
			t.evictOldest()
		}
		e = &entry{}
		t.keys[key] = e
	}
	e.failures++
	e.last = now
	d := t.delay(e.failures)
	e.until = now.Add(d)
	if note != "" {
		e.notes = addNote(e.notes, note)
	}
	return Failure{Failures: e.failures, Wait: d, Began: d > 0 && e.failures == t.cfg.Free+1}
}

// addNote puts note last in notes, once, keeping the MaxNotes most recent.
func addNote(notes []string, note string) []string {
	for i, n := range notes {
		if n == note {
			notes = append(notes[:i], notes[i+1:]...)
			break
		}
	}
	if len(notes) >= MaxNotes {
		notes = append(notes[:0], notes[len(notes)-MaxNotes+1:]...)
	}
	return append(notes, note)
}

// Failures returns key's count of failures; zero for a key with a clean
// record (never failed, forgotten, or reset).
func (t *Throttle) Failures(key string) int {
	now := t.cfg.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.live(key, now); e != nil {
		return e.failures
	}
	return 0
}

// Config returns the curve in use, defaults filled in.
func (t *Throttle) Config() Config { return t.cfg }

// Succeed forgets key: the right password clears its count.
func (t *Throttle) Succeed(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, key)
}

// Reset forgets every key (an admin lifting all delays) or, with keys,
// just those.
func (t *Throttle) Reset(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(keys) == 0 {
		clear(t.keys)
		return
	}
	for _, k := range keys {
		delete(t.keys, k)
	}
}

// delay is the wait after n failures: none for the free ones, then Base
// doubling to Max.
func (t *Throttle) delay(n int) time.Duration {
	over := n - t.cfg.Free
	if over <= 0 {
		return 0
	}
	d := t.cfg.Base
	for i := 1; i < over && d < t.cfg.Max; i++ {
		d *= 2
	}
	return min(d, t.cfg.Max)
}

// live returns key's entry, or nil (dropping it) when it has been idle
// past Forget. t.mu is held.
func (t *Throttle) live(key string, now time.Time) *entry {
	e := t.keys[key]
	if e != nil && now.Sub(e.last) >= t.cfg.Forget && !now.Before(e.until) {
		delete(t.keys, key)
		return nil
	}
	return e
}

// evictOldest drops expired keys, or failing that the least recent one.
// t.mu is held.
func (t *Throttle) evictOldest() {
	now := t.cfg.Now()
	var oldest string
	var at time.Time
	for k, e := range t.keys {
		if now.Sub(e.last) >= t.cfg.Forget && !now.Before(e.until) {
			delete(t.keys, k)
			continue
		}
		if oldest == "" || e.last.Before(at) {
			oldest, at = k, e.last
		}
	}
	if len(t.keys) >= t.cfg.MaxKeys && oldest != "" {
		delete(t.keys, oldest)
	}
}

// Entry is one key's state, for an admin's view.
type Entry struct {
	Key      string    `json:"key"`
	Failures int       `json:"failures"`
	Last     time.Time `json:"last"`            // the last failure
	Until    time.Time `json:"until"`           // attempts wait until then (zero or past: none)
	Notes    []string  `json:"notes,omitempty"` // Record's notes, most recent last
}

// Snapshot lists the keys with failures, most failures first.
func (t *Throttle) Snapshot() []Entry {
	now := t.cfg.Now()
	t.mu.Lock()
	out := make([]Entry, 0, len(t.keys))
	for k := range t.keys {
		if e := t.live(k, now); e != nil {
			out = append(out, Entry{Key: k, Failures: e.failures, Last: e.last, Until: e.until, Notes: slices.Clone(e.notes)})
		}
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Failures != out[j].Failures {
			return out[i].Failures > out[j].Failures
		}
		return out[i].Key < out[j].Key
	})
	return out
}
