package picker

import "github.com/shoal-p2p/shoal/peer/bitfield"

// Availability buckets.
//
// arr holds every piece index once, ordered by key:
//
//	key = (MaxPriority-prio)*width + avail   for wanted pieces
//	key = MaxPriority*width                  for had or skipped pieces
//
// so wanted pieces come first, higher priority first, rarer first within a
// priority, and pieces we no longer want collect in a tail that Pick never
// scans. ends[k] is one past the last position holding key k, so the
// bucket of key k is arr[ends[k-1]:ends[k]]. Seeds are a separate counter
// added to every piece and never touch the array.
//
// A piece whose key grows by one swaps with the last element of its bucket
// and the bucket shrinks by one: it is now the first element of the next
// bucket. Shrinking by one is the mirror image. Both are O(1), and the moved
// piece lands at a bucket edge; the initial order within a bucket is a
// shuffle from Config.Rand, so ties between equally rare pieces are broken
// at random without ever re-sorting.

const initialWidth = 8

func (p *Picker) removedKey() int { return MaxPriority * p.width }

func (p *Picker) key(piece int) int {
	if !p.wanted(piece) {
		return p.removedKey()
	}
	return (MaxPriority-int(p.prio[piece]))*p.width + int(p.avail[piece])
}

// wantedEnd is the length of the prefix of arr holding wanted pieces.
func (p *Picker) wantedEnd() int {
	if k := p.removedKey(); k > 0 {
		return int(p.ends[k-1])
	}
	return 0
}

func (p *Picker) initBuckets() {
	p.width = initialWidth
	perm := p.rng.Perm(p.n)
	p.arr = make([]int32, p.n)
	p.pos = make([]int32, p.n)
	for i, v := range perm {
		p.arr[i] = int32(v)
	}
	p.sortByKey()
}

// sortByKey orders arr by key, keeping the current relative order of
// pieces with equal keys (a stable counting sort), and rebuilds pos and
// ends. Used at start and when the bucket layout widens; in the latter
// case the order is already right and only ends change.
func (p *Picker) sortByKey() {
	nk := p.removedKey() + 1
	counts := make([]int32, nk)
	for _, v := range p.arr {
		counts[p.key(int(v))]++
	}
	p.ends = make([]int32, nk)
	next := make([]int32, nk)
	var sum int32
	for k, c := range counts {
		next[k] = sum
		sum += c
		p.ends[k] = sum
	}
	sorted := make([]int32, p.n)
	for _, v := range p.arr {
		k := p.key(int(v))
		sorted[next[k]] = v
		p.pos[v] = next[k]
		next[k]++
	}
	p.arr = sorted
}

// ensureWidth widens the layout so that a wanted piece may have
// availability avail+1. Widening keeps the order of arr (the order by
// priority then availability is the same for any width) and only rebuilds
// ends; it doubles, so it happens O(log peers) times.
func (p *Picker) ensureWidth(avail int) {
	if avail+1 < p.width {
		return
	}
	for avail+1 >= p.width {
		p.width *= 2
	}
	p.sortByKey()
}

func (p *Picker) swap(i, j int32) {
	a, b := p.arr[i], p.arr[j]
	p.arr[i], p.arr[j] = b, a
	p.pos[b], p.pos[a] = i, j
}

// move relocates piece from bucket from to bucket to, one swap per bucket
// boundary crossed.
func (p *Picker) move(piece, from, to int) {
	for k := from; k < to; k++ {
		last := p.ends[k] - 1
		p.swap(p.pos[piece], last)
		p.ends[k] = last
	}
	for k := from; k > to; k-- {
		first := p.ends[k-1]
		p.swap(p.pos[piece], first)
		p.ends[k-1] = first + 1
	}
}

func (p *Picker) incAvail(piece int) {
	if p.wanted(piece) {
		p.ensureWidth(int(p.avail[piece]))
		k := p.key(piece)
		p.avail[piece]++
		p.move(piece, k, k+1)
		return
	}
	p.avail[piece]++
}

func (p *Picker) decAvail(piece int) {
	if p.avail[piece] == 0 {
		panic("picker: availability of piece below zero: PeerLost without PeerHave")
	}
	if p.wanted(piece) {
		k := p.key(piece)
		p.avail[piece]--
		p.move(piece, k, k-1)
		return
	}
	p.avail[piece]--
}

// PeerHave records that one more peer has piece (a HAVE message).
func (p *Picker) PeerHave(piece int) {
	p.check(piece)
	p.incAvail(piece)
}

// PeerLost records that one peer fewer has piece.
func (p *Picker) PeerLost(piece int) {
	p.check(piece)
	p.decAvail(piece)
}

// PeerBitfield adds one holder to every piece set in bf (a BITFIELD
// message). For a peer with every piece, SeedJoined is O(1) instead.
func (p *Picker) PeerBitfield(bf *bitfield.Bitfield) {
	p.checkBitfield(bf)
	bf.Indexes(func(i int) bool {
		p.incAvail(i)
		return true
	})
}

// PeerBitfieldLost removes one holder from every piece set in bf (the peer
// disconnected; bf is everything it announced).
func (p *Picker) PeerBitfieldLost(bf *bitfield.Bitfield) {
	p.checkBitfield(bf)
	bf.Indexes(func(i int) bool {
		p.decAvail(i)
		return true
	})
}

// SeedJoined adds a holder of every piece in O(1).
func (p *Picker) SeedJoined() { p.seeds++ }

// SeedLeft removes a holder of every piece added by SeedJoined.
func (p *Picker) SeedLeft() {
	if p.seeds == 0 {
		panic("picker: SeedLeft without SeedJoined")
	}
	p.seeds--
}

// Availability is the number of peers that have piece, seeds included.
func (p *Picker) Availability(piece int) int {
	p.check(piece)
	return int(p.avail[piece]) + p.seeds
}

// Histogram returns h where h[k] is the number of pieces with availability
// k (seeds included), for the UI. It is O(NumPieces) and allocates.
func (p *Picker) Histogram() []int {
	var top int32
	for _, a := range p.avail {
		top = max(top, a)
	}
	h := make([]int, int(top)+p.seeds+1)
	for _, a := range p.avail {
		h[int(a)+p.seeds]++
	}
	return h
}
