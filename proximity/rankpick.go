package proximity

import (
	"math/rand/v2"
	"net/netip"
	"slices"
)

// pickQuota draws up to q admissible candidates uniformly at random from
// those at the positions pool (a partial Fisher–Yates shuffle of pool),
// marks them taken and appends their positions to out[:0] in the order
// drawn.
func pickQuota(cs []rankCand, q int, pool []int32, adm *admission, rng *rand.Rand, out []int32) []int32 {
	out = out[:0]
	for k := 0; k < len(pool) && len(out) < q; k++ {
		j := k + rng.IntN(len(pool)-k)
		pool[k], pool[j] = pool[j], pool[k]
		if c := &cs[pool[k]]; adm.admit(c) {
			c.taken = true
			out = append(out, pool[k])
		}
	}
	return out
}

// rankOff appends the positions of up to n admissible candidates in
// uniformly random order (perm is scratch).
func rankOff(out []int32, cs []rankCand, n int, adm *admission, rng *rand.Rand, perm []int32) ([]int32, []int32) {
	perm = perm[:0]
	for i := range cs {
		perm = append(perm, int32(i))
	}
	for k := 0; k < len(perm) && len(out) < n; k++ {
		j := k + rng.IntN(len(perm)-k)
		perm[k], perm[j] = perm[j], perm[k]
		if adm.admit(&cs[perm[k]]) {
			out = append(out, perm[k])
		}
	}
	return out, perm
}

// interleave appends to out the nearness picks (in order) with the quota
// picks, placing quota pick j at position floor((j+1)·T/Q)−1 of the
// T-long result, so that the quota picks are evenly spread and the nearest
// peer comes first.
func interleave(out []int32, near, quota []int32) []int32 {
	total := len(near) + len(quota)
	j, next := 0, -1 // next: quota pick j's position
	if len(quota) > 0 {
		next = total/len(quota) - 1
	}
	at := len(out)
	out = slices.Grow(out, total)[:at+total]
	for i := range total {
		if j < len(quota) && (len(near) == i-j || i == next) {
			out[at+i] = quota[j]
			if j++; j < len(quota) {
				next = (j+1)*total/len(quota) - 1
			}
		} else {
			out[at+i] = near[i-j]
		}
	}
	return out
}

// ranked turns a picked candidate of cands into the result type; quota
// picks are the taken ones.
func ranked(c *rankCand, cands []netip.AddrPort) Ranked {
	d := c.distance()
	class := classOf(d)
	if c.taken {
		class = ClassRemote
	}
	return Ranked{Addr: cands[c.idx], Index: int(c.idx), ASN: c.asn, Class: class, Distance: d}
}

// apKey is the identity of a candidate for duplicate detection: mapped and
// plain IPv4 forms of one address are the same peer.
func apKey(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
}
