package memory

import (
	"cmp"
	"slices"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// An IPv4 set of up to sortedMax peers keeps h4 (and cold beside it)
// sorted by address and port, so that a store.SortedPicker4 can rank the
// whole set without looking at every peer (see proximity.Ranker.PickSorted4).
// Keeping the order costs an insertion or removal a move of the peers after
// it and a pass over the id index to renumber them: cheap for the small
// sets that are offered whole, too dear for large ones, which are sampled
// anyway. A set that outgrows sortedMax stays unsorted until it falls to
// sortedMax/2.
const sortedMax = 1024

// scanMax is the largest sorted set findAt scans rather than searches.
const scanMax = 256

// sorted reports whether the set is an IPv4 set kept sorted.
func (ps *peerSet) sorted() bool { return ps.v4 && !ps.unsorted }

// order4 compares packed IPv4 peers by address and port (not flags).
func order4(a, b uint64) int { return cmp.Compare(a>>16, b>>16) }

// insertSorted adds e (an IPv4 peer whose id is not in the set) after the
// peers at or before its address and port, and returns its position.
func (ps *peerSet) insertSorted(e entry) int {
	k := store.Pack4([4]byte(e.ip[12:]), e.port, e.seeder)
	at := search4(ps.h4, k>>16+1) // after the peers at k's address and port
	ps.h4 = slices.Insert(ps.h4, at, k)
	ps.cold = slices.Insert(ps.cold, at, cold{id: e.id, seen: e.seen})
	ps.index.renumber(int32(at), 1)
	ps.index.insert(&e.id, int32(at), ps.key, ps.cold)
	return at
}

// touch reads one word of each cache line of a sorted set's h4 and
// returns their sum: loads that do not wait on one another, so that the
// processor fetches the lines at once instead of one miss after another
// as findAt and ranking walk them. A caller keeps the sum (see shard.sink)
// so that the compiler keeps the loads.
func (ps *peerSet) touch() uint64 {
	var x uint64
	if ps.sorted() {
		for i := 0; i < len(ps.h4); i += 8 {
			x += ps.h4[i]
		}
	}
	return x
}

// search4 returns the position of the first peer of h4 at or after
// address and port k (a packed peer >> 16).
func search4(h4 []uint64, k uint64) int {
	lo, hi := 0, len(h4)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if h4[m]>>16 < k {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// findAt returns the position of e's peer in a sorted set if it is at e's
// address and port, else -1. A peer that announces again mostly comes
// from where it was: then finding it reads the part of h4 that ranking is
// about to read, where the id index would cost cache misses of its own.
// Small sets are scanned in order, which the processor fetches ahead,
// rather than searched by halves, each a miss waiting on the one before.
func (ps *peerSet) findAt(e *entry) int {
	k := store.Pack4([4]byte(e.ip[12:]), e.port, false) >> 16
	h4 := ps.h4
	i := 0
	if len(h4) > scanMax {
		i = search4(h4, k)
	}
	for i < len(h4) && h4[i]>>16 < k {
		i++
	}
	for ; i < len(h4) && h4[i]>>16 == k; i++ {
		if sameID(&ps.cold[i].id, &e.id) {
			return i
		}
	}
	return -1
}

// removeSorted removes the peer at i, keeping the order.
func (ps *peerSet) removeSorted(i int) {
	ps.index.delete(&ps.cold[i].id, ps.key, ps.cold)
	ps.h4 = slices.Delete(ps.h4, i, i+1)
	ps.cold = slices.Delete(ps.cold, i, i+1)
	ps.index.renumber(int32(i+1), -1)
}

// removeSortedIf is removeIf for a sorted set: one pass that keeps the
// order, then one index rebuild.
func (ps *peerSet) removeSortedIf(drop func(seen uint32, seeder bool) bool) {
	w := 0
	for i := range ps.len() {
		if !drop(ps.cold[i].seen, ps.h4[i]&store.Seeder4 != 0) {
			ps.h4[w], ps.cold[w] = ps.h4[i], ps.cold[i]
			w++
		}
	}
	if w == ps.len() {
		return
	}
	clear(ps.h4[w:])
	clear(ps.cold[w:])
	ps.h4, ps.cold = ps.h4[:w], ps.cold[:w]
	ps.index.rebuild(ps.key, ps.cold)
}

// sort orders an unsorted IPv4 set and keeps it sorted from now on.
func (ps *peerSet) sort() {
	n := ps.len()
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortStableFunc(perm, func(a, b int32) int { return order4(ps.h4[a], ps.h4[b]) })
	h4, cs := make([]uint64, n, 2*n), make([]cold, n, 2*n)
	for i, p := range perm {
		h4[i], cs[i] = ps.h4[p], ps.cold[p]
	}
	ps.h4, ps.cold, ps.unsorted = h4, cs, false
	ps.index.rebuild(ps.key, ps.cold)
}
