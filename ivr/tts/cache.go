package tts

// lru is a bounded map that evicts the least recently used entry. It is not safe
// for concurrent use: the Engine guards it with its mutex. Lookups do not allocate.
type lru[K comparable, V any] struct {
	max   int
	items map[K]*lruNode[K, V]
	head  lruNode[K, V] // sentinel: head.next is the most recently used
}

type lruNode[K comparable, V any] struct {
	key        K
	val        V
	prev, next *lruNode[K, V]
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	c := &lru[K, V]{max: max, items: make(map[K]*lruNode[K, V])}
	c.head.prev, c.head.next = &c.head, &c.head
	return c
}

func (c *lru[K, V]) get(k K) (V, bool) {
	n, ok := c.items[k]
	if !ok {
		var zero V
		return zero, false
	}
	c.unlink(n)
	c.pushFront(n)
	return n.val, true
}

// add inserts or replaces k, evicting the oldest entries beyond max.
func (c *lru[K, V]) add(k K, v V) {
	if n, ok := c.items[k]; ok {
		n.val = v
		c.unlink(n)
		c.pushFront(n)
		return
	}
	n := &lruNode[K, V]{key: k, val: v}
	c.items[k] = n
	c.pushFront(n)
	for len(c.items) > c.max {
		old := c.head.prev
		c.unlink(old)
		delete(c.items, old.key)
	}
}

func (c *lru[K, V]) len() int { return len(c.items) }

func (c *lru[K, V]) unlink(n *lruNode[K, V]) {
	n.prev.next, n.next.prev = n.next, n.prev
}

func (c *lru[K, V]) pushFront(n *lruNode[K, V]) {
	n.prev, n.next = &c.head, c.head.next
	c.head.next.prev = n
	c.head.next = n
}
