package proximity

import (
	"math/rand/v2"
	"net/netip"
	"time"
)

// prepare measures every usable candidate. It drops invalid addresses and
// appends to remote (from remote[:0]) the positions in cs of the
// quota-eligible candidates. Unless off, each candidate gets a random
// tie-breaker.
func prepare(loc Locator, self netip.Addr, cands []netip.AddrPort, rtt func(netip.AddrPort) time.Duration, rng *rand.Rand, off bool, buf []rankCand, remote []int32) (cs []rankCand, pool []int32) {
	self = self.Unmap().WithZone("")
	var selfKey u128
	var selfIs4 bool
	if self.IsValid() {
		selfKey, selfIs4 = key(self)
	}
	tab, _ := loc.(*Table) // fast path: look up by number
	var selfASN ASN
	if loc != nil && self.IsValid() {
		selfASN = loc.ASN(self)
	}
	cs, pool = buf[:0], remote[:0]
	for i, c := range cands {
		ip := c.Addr().Unmap()
		if !ip.IsValid() {
			continue
		}
		k, is4 := key(ip)
		var asn ASN
		if tab != nil {
			asn = tab.lookupKey(k, is4)
		} else if loc != nil {
			asn = loc.ASN(ip)
		}
		var d Distance
		if self.IsValid() && is4 == selfIs4 {
			d.Prefix = prefixLen(selfKey, k, is4)
			d.SameNet = d.Prefix >= sameNetBits6 || (is4 && d.Prefix >= sameNetBits4)
		}
		d.SameASN = selfASN != 0 && selfASN == asn
		if rtt != nil {
			d.RTT = max(rtt(c), 0)
		}
		rc := rankCand{
			idx:    int32(i),
			asn:    asn,
			score:  d.score(),
			rtt:    d.RTT,
			net:    netKeyOf(k, is4),
			ap4:    ap4Of(k, is4, c.Port()),
			remote: !d.SameASN && !d.SameNet, // unknown never matches unknown
		}
		if !off {
			rc.tie = rng.Uint64()
		}
		if rc.remote {
			pool = append(pool, int32(len(cs)))
		}
		cs = append(cs, rc)
	}
	return cs, pool
}

// pickQuota draws up to q admissible candidates uniformly at random from
// those at the positions pool (a partial Fisher–Yates shuffle of pool),
// marks them taken and returns copies in the order drawn.
func pickQuota(cs []rankCand, cands []netip.AddrPort, q int, pool []int32, adm *admission, rng *rand.Rand, out []rankCand) []rankCand {
	out = out[:0]
	for k := 0; k < len(pool) && len(out) < q; k++ {
		j := k + rng.IntN(len(pool)-k)
		pool[k], pool[j] = pool[j], pool[k]
		if c := &cs[pool[k]]; adm.admit(c, cands) {
			c.taken = true
			out = append(out, *c)
		}
	}
	return out
}

// rankOff returns up to n admissible candidates in uniformly random order.
func rankOff(out []Ranked, cs []rankCand, cands []netip.AddrPort, n int, adm *admission, rng *rand.Rand) []Ranked {
	for k := 0; k < len(cs) && len(out) < n; k++ {
		j := k + rng.IntN(len(cs)-k)
		cs[k], cs[j] = cs[j], cs[k]
		if adm.admit(&cs[k], cands) {
			out = append(out, ranked(&cs[k], cands, false))
		}
	}
	return out
}

// interleave appends to out the nearness picks (in order) with the quota picks,
// placing quota pick j at position floor((j+1)·T/Q)−1 of the T-long result,
// so that the quota picks are evenly spread and the nearest peer comes
// first.
func interleave(out []Ranked, near, quota []rankCand, cands []netip.AddrPort) []Ranked {
	total := len(near) + len(quota)
	j := 0
	for i := range total {
		useQuota := j < len(quota) && (len(near) == i-j || i == (j+1)*total/len(quota)-1)
		if useQuota {
			out = append(out, ranked(&quota[j], cands, true))
			j++
		} else {
			out = append(out, ranked(&near[i-j], cands, false))
		}
	}
	return out
}

// ranked turns a picked candidate into the result type.
func ranked(c *rankCand, cands []netip.AddrPort, quota bool) Ranked {
	d := c.distance()
	class := classOf(d)
	if quota {
		class = ClassRemote
	}
	return Ranked{Addr: cands[c.idx], Index: int(c.idx), ASN: c.asn, Class: class, Distance: d}
}

// apKey is the identity of a candidate for duplicate detection: mapped and
// plain IPv4 forms of one address are the same peer.
func apKey(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
}

// ap4Of is key4 for an IPv4 candidate, 0 for an IPv6 one.
func ap4Of(k u128, is4 bool, port uint16) uint64 {
	if !is4 {
		return 0
	}
	return key4(k, port)
}
