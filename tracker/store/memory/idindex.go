package memory

import (
	"encoding/binary"
	"math/bits"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// idIndex finds a peer set's positions by peer id: an open-addressing
// table of positions (linear probing, backward-shift deletion) whose
// keys live in the set itself, so that it costs 6–16 bytes per peer where
// a Go map of ids cost about 50. The hash is keyed by a per-store secret,
// so that clients cannot choose ids that collide.
type idIndex struct {
	slots []int32 // position+1; 0 is empty
	n     int
	shift uint
}

func (x *idIndex) home(id *store.PeerID, key uint64) int {
	a := binary.LittleEndian.Uint64(id[0:8])
	b := binary.LittleEndian.Uint64(id[8:16])
	c := uint64(binary.LittleEndian.Uint32(id[16:20]))
	h := mix64(a^key) ^ mix64(b+key) ^ mix64(c^bits.RotateLeft64(key, 32))
	return int(h >> x.shift)
}

// sameID is a == b in three loads a side, where == on a 20-byte array
// calls memequal.
func sameID(a, b *store.PeerID) bool {
	return binary.LittleEndian.Uint64(a[0:8]) == binary.LittleEndian.Uint64(b[0:8]) &&
		binary.LittleEndian.Uint64(a[8:16]) == binary.LittleEndian.Uint64(b[8:16]) &&
		binary.LittleEndian.Uint32(a[16:20]) == binary.LittleEndian.Uint32(b[16:20])
}

func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// find returns the slot holding id's position, or the empty slot where it
// would go, and whether id is there.
func (x *idIndex) find(id *store.PeerID, key uint64, cs []cold) (slot int, ok bool) {
	if len(x.slots) == 0 {
		return -1, false
	}
	mask := len(x.slots) - 1
	for i := x.home(id, key); ; i = (i + 1) & mask {
		p := x.slots[i]
		if p == 0 {
			return i, false
		}
		if sameID(&cs[p-1].id, id) {
			return i, true
		}
	}
}

// get returns id's position, or -1.
func (x *idIndex) get(id *store.PeerID, key uint64, cs []cold) int32 {
	if s, ok := x.find(id, key, cs); ok {
		return x.slots[s] - 1
	}
	return -1
}

// insert records that id (not present) is at pos of cs, which holds it
// and every indexed peer.
func (x *idIndex) insert(id *store.PeerID, pos int32, key uint64, cs []cold) {
	if 4*(x.n+1) > 3*len(x.slots) { // at most 3/4 full
		x.rebuild(key, cs)
		return
	}
	s, _ := x.find(id, key, cs)
	x.slots[s] = pos + 1
	x.n++
}

// move records that id's position is now pos.
func (x *idIndex) move(id *store.PeerID, pos int32, key uint64, cs []cold) {
	if s, ok := x.find(id, key, cs); ok {
		x.slots[s] = pos + 1
	}
}

// delete forgets id, which cs still holds.
func (x *idIndex) delete(id *store.PeerID, key uint64, cs []cold) {
	s, ok := x.find(id, key, cs)
	if !ok {
		return
	}
	mask := len(x.slots) - 1
	x.slots[s] = 0
	x.n--
	// Backward shift: pull later entries of the probe run into the hole
	// when their home allows it.
	for j := (s + 1) & mask; x.slots[j] != 0; j = (j + 1) & mask {
		h := x.home(&cs[x.slots[j]-1].id, key)
		if (j-h)&mask >= (j-s)&mask {
			x.slots[s], x.slots[j] = x.slots[j], 0
			s = j
		}
	}
}

// renumber adds d to every indexed position at or after from: a sorted set
// moved those peers by d.
func (x *idIndex) renumber(from int32, d int32) {
	for i, p := range x.slots {
		if p > from { // p is position+1
			x.slots[i] = p + d
		}
	}
}

// rebuild indexes every position of cs, in a table of at least 16 slots
// and at least two per peer.
func (x *idIndex) rebuild(key uint64, cs []cold) {
	size := 1 << bits.Len(uint(max(16, 2*len(cs))-1))
	if len(x.slots) == size {
		clear(x.slots)
	} else {
		x.slots = make([]int32, size)
	}
	x.shift = uint(64 - bits.TrailingZeros(uint(size)))
	x.n = len(cs)
	mask := size - 1
	for p := range cs {
		i := x.home(&cs[p].id, key)
		for x.slots[i] != 0 {
			i = (i + 1) & mask
		}
		x.slots[i] = int32(p) + 1
	}
}
