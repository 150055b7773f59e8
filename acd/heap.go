package acd

import "math/bits"

// minHeap is a binary heap that tells each item its index (through at), so an
// item can be removed or re-placed from the middle in O(log n).
type minHeap[T any] struct {
	items []T
	less  func(a, b T) bool
	at    func(t T, i int) // records t's index; -1 when it leaves
}

func (h *minHeap[T]) len() int { return len(h.items) }

func (h *minHeap[T]) top() (T, bool) {
	if len(h.items) == 0 {
		var zero T
		return zero, false
	}
	return h.items[0], true
}

func (h *minHeap[T]) push(t T) {
	h.items = append(h.items, t)
	h.at(t, len(h.items)-1)
	h.up(len(h.items) - 1)
}

// remove takes out the item at index i and returns it.
func (h *minHeap[T]) remove(i int) T {
	n := len(h.items) - 1
	t := h.items[i]
	if i != n {
		h.swap(i, n)
	}
	var zero T
	h.items[n] = zero
	h.items = h.items[:n]
	if i != n {
		if !h.down(i) {
			h.up(i)
		}
	}
	h.at(t, -1)
	return t
}

func (h *minHeap[T]) pop() T { return h.remove(0) }

// init restores the heap order after keys changed wholesale.
func (h *minHeap[T]) init() {
	for i := len(h.items)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *minHeap[T]) swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	h.at(h.items[i], i)
	h.at(h.items[j], j)
}

func (h *minHeap[T]) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *minHeap[T]) down(i0 int) bool {
	i, n := i0, len(h.items)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		j := l
		if r := l + 1; r < n && h.less(h.items[r], h.items[l]) {
			j = r
		}
		if !h.less(h.items[j], h.items[i]) {
			break
		}
		h.swap(i, j)
		i = j
	}
	return i > i0
}

// bitset is a set of small non-negative integers with a fast "next member at or
// after i": a scan of 64-bit words, 16 of them for 1,000 agents.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) clear(i int)    { b[i>>6] &^= 1 << (i & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(i&63)) != 0 }

// next returns the smallest member ≥ i, or -1.
func (b bitset) next(i int) int {
	w := i >> 6
	if w >= len(b) {
		return -1
	}
	if x := b[w] >> (i & 63); x != 0 {
		return i + bits.TrailingZeros64(x)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w<<6 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}
