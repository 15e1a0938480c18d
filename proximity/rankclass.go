package proximity

import (
	"math/bits"
	"slices"
)

// Nearness picks. Without RTTs, candidates differ in nearness only by
// class — the score's top ten bits: same net, same ASN, common prefix —
// and few classes occur in one round, so nearByClass buckets the
// candidates by class and draws each bucket in random order, instead of
// sorting random tie-breakers as nearBySort must once RTTs order a class.

// classBits is the width of a class (score >> 54).
const classBits = 10

// classSet counts candidates per class for nearByClass.
type classSet struct {
	present [1 << classBits / 64]uint64 // bitmap of the classes seen
	count   [1 << classBits]int32       // candidates per class, then bucket ends
}

// nearByClass appends to r.near[:0] the positions of up to need admissible
// candidates the quota left, nearest class first, each class in uniformly
// random order.
func (r *Ranker) nearByClass(need int) []int32 {
	near := r.near[:0]
	cs, cl := r.cs, &r.classes
	left := 0
	for i := range cs {
		if !cs[i].taken {
			c := cs[i].score >> (64 - classBits)
			cl.present[c>>6] |= 1 << (c & 63)
			cl.count[c]++
			left++
		}
	}
	// Bucket ends, nearest class first: count[c] becomes the end of c's
	// bucket in members.
	end := int32(0)
	for w := len(cl.present) - 1; w >= 0; w-- {
		for m := cl.present[w]; m != 0; m &^= 1 << (63 - bits.LeadingZeros64(m)) {
			c := w<<6 | (63 - bits.LeadingZeros64(m))
			end += cl.count[c]
			cl.count[c] = end
		}
	}
	members := slices.Grow(r.members[:0], left)[:left]
	for i := len(cs) - 1; i >= 0; i-- {
		if !cs[i].taken {
			c := cs[i].score >> (64 - classBits)
			cl.count[c]--
			members[cl.count[c]] = int32(i)
		}
	}
	// count[c] is now the start of c's bucket; walk the buckets in order,
	// drawing each at random (a partial Fisher–Yates shuffle).
	x := r.seed
	for w := len(cl.present) - 1; w >= 0; w-- {
		for m := cl.present[w]; m != 0; m &^= 1 << (63 - bits.LeadingZeros64(m)) {
			c := w<<6 | (63 - bits.LeadingZeros64(m))
			lo := int(cl.count[c])
			hi := left
			if nxt := nextClassStart(cl, w, m); nxt >= 0 {
				hi = nxt
			}
			for k := lo; k < hi && len(near) < need; k++ {
				x += 0x9e3779b97f4a7c15
				j := k + bounded(mix(x), hi-k)
				members[k], members[j] = members[j], members[k]
				if adm := &r.adm; adm.admit(&cs[members[k]]) {
					near = append(near, members[k])
				}
			}
		}
	}
	r.members = members
	for w, m := range cl.present {
		for ; m != 0; m &= m - 1 {
			cl.count[w<<6|bits.TrailingZeros64(m)] = 0
		}
	}
	cl.present = [len(cl.present)]uint64{}
	return near
}

// nextClassStart returns the start of the bucket after the class whose
// bit is the highest of m (in word w), or -1 when it is the last bucket.
func nextClassStart(cl *classSet, w int, m uint64) int {
	m &^= 1 << (63 - bits.LeadingZeros64(m))
	for {
		if m != 0 {
			c := w<<6 | (63 - bits.LeadingZeros64(m))
			return int(cl.count[c])
		}
		if w--; w < 0 {
			return -1
		}
		m = cl.present[w]
	}
}

// bounded maps a random x to 0…n-1 (n > 0), as uniformly as 64 bits allow.
func bounded(x uint64, n int) int {
	hi, _ := bits.Mul64(x, uint64(n))
	return int(hi)
}

// nearBySort is nearByClass for rounds where RTTs order candidates within
// a class: one integer sort of keys carrying random tie-breakers.
func (r *Ranker) nearBySort(need int) []int32 {
	near := r.near[:0]
	cs := r.cs
	order := r.order[:0]
	for i := range cs {
		if !cs[i].taken {
			order = append(order, cs[i].sortKey(i, mix(r.seed+uint64(i)*0x9e3779b97f4a7c15)))
		}
	}
	r.order = order
	// The nearest go last; only as many as likely needed are sorted (caps
	// may refuse some: then the rest is sorted too).
	top := min(len(order), need+need/4+8)
	selectLargest(order, top)
	sorted := len(order) - top
	slices.Sort(order[sorted:])
	for k := len(order) - 1; k >= 0 && len(near) < need; k-- {
		if k < sorted {
			slices.Sort(order[:sorted])
			sorted = 0
		}
		if at := int32(order[k] & atMask); r.adm.admit(&cs[at]) {
			near = append(near, at)
		}
	}
	return near
}
