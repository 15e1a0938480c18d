package proximity

import "math/bits"

// countTable counts small numbers per uint64 key: an open-addressing hash
// table with linear probing, emptied in O(1) by bumping a generation. Rank
// needs a few such counts per call (duplicates, per-net and per-ASN caps)
// and Go maps cost it more than the ranking itself.
type countTable struct {
	keys   []uint64
	counts []int32
	gens   []uint32 // slot i is in use when gens[i] == gen
	gen    uint32
	shift  uint
}

// reset empties t and sizes it for up to n keys.
func (t *countTable) reset(n int) {
	size := 16
	for size < 2*n {
		size <<= 1
	}
	if len(t.keys) < size {
		t.keys = make([]uint64, size)
		t.counts = make([]int32, size)
		t.gens = make([]uint32, size)
		t.gen = 0
	}
	t.shift = uint(64 - bits.TrailingZeros(uint(len(t.keys))))
	t.gen++
	if t.gen == 0 { // wrapped: every stale stamp must go
		clear(t.gens)
		t.gen = 1
	}
}

// slot returns where k is, or the empty slot where it would go.
func (t *countTable) slot(k uint64) int {
	mask := len(t.keys) - 1
	i := int((k * 0x9e3779b97f4a7c15) >> t.shift)
	for t.gens[i] == t.gen && t.keys[i] != k {
		i = (i + 1) & mask
	}
	return i
}

// used reports whether slot i holds a key.
func (t *countTable) used(i int) bool { return t.gens[i] == t.gen }

// at returns the count in slot i (0 when it is empty).
func (t *countTable) at(i int) int32 {
	if t.used(i) {
		return t.counts[i]
	}
	return 0
}

// get returns k's count (0 when absent).
func (t *countTable) get(k uint64) int32 { return t.at(t.slot(k)) }

// add counts one more k. The table must have room (see reset).
func (t *countTable) add(k uint64) { t.addAt(t.slot(k), k) }

// addAt is add for k at slot i (from slot(k), with no add since).
func (t *countTable) addAt(i int, k uint64) {
	if !t.used(i) {
		t.gens[i], t.keys[i], t.counts[i] = t.gen, k, 0
	}
	t.counts[i]++
}
