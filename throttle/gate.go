package throttle

import "sync"

// Gate admits one attempt per key at a time. A Throttle counts a failure
// only once the attempt has been checked, so attempts sent at once all pass
// its Wait before any of them is counted: 100 logins posted together from
// one address all had their password checked. Held from before Wait until
// after Record, a Gate makes a key's attempts take turns, and the caller
// refuses the ones that find it busy at once (as it refuses one that must
// wait), so that sending guesses concurrently buys nothing, and one key
// never has more than one slow check queued to crowd out everyone else's.
// The zero Gate is ready to use; it is safe for concurrent use.
type Gate struct {
	mu   sync.Mutex
	busy map[string]struct{}
}

// Enter admits an attempt for key unless another is in progress: ok, and
// leave to call when the attempt is over (its failure recorded).
func (g *Gate) Enter(key string) (leave func(), ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, held := g.busy[key]; held {
		return nil, false
	}
	if g.busy == nil {
		g.busy = map[string]struct{}{}
	}
	g.busy[key] = struct{}{}
	return sync.OnceFunc(func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		delete(g.busy, key)
	}), true
}
