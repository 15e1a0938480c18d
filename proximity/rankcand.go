package proximity

import (
	"net/netip"
	"time"
)

// rankCand is one candidate under consideration by Rank.
type rankCand struct {
	idx    int32 // index into the caller's candidates
	asn    ASN
	score  uint64 // Distance.score: larger is nearer
	tie    uint64 // random tie-breaker
	rtt    time.Duration
	net    uint64 // netKey of the address
	remote bool   // eligible for the diversity quota
	taken  bool   // already picked by the quota
}

// nearer orders candidates by distance, ties broken by the random key.
func (c *rankCand) nearer(d *rankCand) bool {
	if c.score != d.score {
		return c.score > d.score
	}
	return c.tie > d.tie
}

// distance rebuilds the candidate's Distance from its score.
func (c *rankCand) distance() Distance {
	return Distance{
		SameNet: c.score&(1<<63) != 0,
		SameASN: c.score&(1<<62) != 0,
		Prefix:  int(c.score >> 54 & 0xff),
		RTT:     c.rtt,
	}
}

// netKey identifies the /24 (IPv4) or /48 (IPv6) of an unmapped address.
func netKey(ip netip.Addr) uint64 { return netKeyOf(key(ip)) }

// netKeyOf is netKey for an address given as a number.
func netKeyOf(k u128, is4 bool) uint64 {
	if is4 {
		return 1<<63 | k.lo>>8
	}
	return k.hi >> 16
}

// heapify arranges cs as a max-heap by nearness.
func heapify(cs []rankCand) {
	for i := len(cs)/2 - 1; i >= 0; i-- {
		siftDown(cs, i)
	}
}

// popNearest removes and returns the nearest candidate of the heap cs.
func popNearest(cs []rankCand) (rankCand, []rankCand) {
	top := cs[0]
	last := len(cs) - 1
	cs[0] = cs[last]
	cs = cs[:last]
	siftDown(cs, 0)
	return top, cs
}

func siftDown(cs []rankCand, i int) {
	n := len(cs)
	for {
		best := i
		if l := 2*i + 1; l < n && cs[l].nearer(&cs[best]) {
			best = l
		}
		if r := 2*i + 2; r < n && cs[r].nearer(&cs[best]) {
			best = r
		}
		if best == i {
			return
		}
		cs[i], cs[best] = cs[best], cs[i]
		i = best
	}
}
