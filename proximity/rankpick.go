package proximity

import (
	"math/rand/v2"
	"net/netip"
	"time"
)

// prepare measures every usable candidate. It drops invalid addresses and
// self, moves the quota-eligible ("remote") candidates to the front and
// returns how many there are. Unless off, each candidate gets a random
// tie-breaker.
func prepare(loc Locator, self netip.Addr, cands []netip.AddrPort, rtt func(netip.AddrPort) time.Duration, rng *rand.Rand, off bool, buf []rankCand) (cs []rankCand, pool int) {
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
	cs = buf[:0]
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
			remote: !d.SameASN && !d.SameNet, // unknown never matches unknown
		}
		if !off {
			rc.tie = rng.Uint64()
		}
		cs = append(cs, rc)
		if rc.remote {
			last := len(cs) - 1
			cs[pool], cs[last] = cs[last], cs[pool]
			pool++
		}
	}
	return cs, pool
}

// pickQuota draws up to q admissible candidates uniformly at random from
// cs[:pool] (a partial Fisher–Yates shuffle), marks them taken and returns
// copies in the order drawn.
func pickQuota(cs []rankCand, cands []netip.AddrPort, q, pool int, adm *admission, rng *rand.Rand, out []rankCand) []rankCand {
	out = out[:0]
	for k := 0; k < pool && len(out) < q; k++ {
		j := k + rng.IntN(pool-k)
		cs[k], cs[j] = cs[j], cs[k]
		if adm.admit(&cs[k], apKey(cands[cs[k].idx])) {
			cs[k].taken = true
			out = append(out, cs[k])
		}
	}
	return out
}

// rankOff returns up to n admissible candidates in uniformly random order.
func rankOff(cs []rankCand, cands []netip.AddrPort, n int, adm *admission, rng *rand.Rand) []Ranked {
	out := make([]Ranked, 0, min(n, len(cs)))
	for k := 0; k < len(cs) && len(out) < n; k++ {
		j := k + rng.IntN(len(cs)-k)
		cs[k], cs[j] = cs[j], cs[k]
		if adm.admit(&cs[k], apKey(cands[cs[k].idx])) {
			out = append(out, ranked(&cs[k], cands, false))
		}
	}
	return out
}

// interleave merges the nearness picks (in order) with the quota picks,
// placing quota pick j at position floor((j+1)·T/Q)−1 of the T-long result,
// so that the quota picks are evenly spread and the nearest peer comes
// first.
func interleave(near, quota []rankCand, cands []netip.AddrPort) []Ranked {
	total := len(near) + len(quota)
	out := make([]Ranked, 0, total)
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
