package proximity

import "math/bits"

// countTable counts small numbers per uint64 key: an open-addressing hash
// table with linear probing, emptied in O(1) by bumping a generation. Rank
// needs a few such counts per call (duplicates, per-net and per-ASN caps)
// and Go maps cost it more than the ranking itself.
type countTable struct {
	slots []countSlot
	gen   uint32
	shift uint
}

// countSlot is in use when its gen is the table's.
type countSlot struct {
	key   uint64
	gen   uint32
	count int32
}

// reset empties t and sizes it for up to n keys.
func (t *countTable) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if len(t.slots) < size {
		t.slots = make([]countSlot, size)
		t.gen = 0
	}
	t.shift = uint(64 - bits.TrailingZeros(uint(len(t.slots))))
	t.gen++
	if t.gen == 0 { // wrapped: every stale stamp must go
		clear(t.slots)
		t.gen = 1
	}
}

// slot returns where k is, or the empty slot where it would go.
func (t *countTable) slot(k uint64) *countSlot {
	mask := len(t.slots) - 1
	i := int((k * 0x9e3779b97f4a7c15) >> t.shift)
	for {
		s := &t.slots[i&mask]
		if s.gen != t.gen || s.key == k {
			return s
		}
		i++
	}
}

// used reports whether s holds a key.
func (t *countTable) used(s *countSlot) bool { return s.gen == t.gen }

// at returns the count in s (0 when it is empty).
func (t *countTable) at(s *countSlot) int32 {
	if t.used(s) {
		return s.count
	}
	return 0
}

// get returns k's count (0 when absent).
func (t *countTable) get(k uint64) int32 { return t.at(t.slot(k)) }

// add counts one more k. The table must have room (see reset).
func (t *countTable) add(k uint64) { t.addAt(t.slot(k), k) }

// addAt is add for k at slot s (from slot(k), with no add since).
func (t *countTable) addAt(s *countSlot, k uint64) {
	if !t.used(s) {
		*s = countSlot{key: k, gen: t.gen}
	}
	s.count++
}
