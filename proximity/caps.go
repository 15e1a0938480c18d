package proximity

import "net/netip"

// admission enforces Rank's per-net and per-ASN caps and drops duplicate
// candidates. Its maps hold only picked peers, so they stay small.
type admission struct {
	maxPerNet, maxPerASN int // <= 0: no cap
	seen                 map[netip.AddrPort]struct{}
	perNet               map[uint64]int
	perASN               map[ASN]int
}

func newAdmission(n, maxPerNet, maxPerASN int) *admission {
	a := &admission{maxPerNet: maxPerNet, maxPerASN: maxPerASN, seen: make(map[netip.AddrPort]struct{}, n)}
	if maxPerNet > 0 {
		a.perNet = make(map[uint64]int, n)
	}
	if maxPerASN > 0 {
		a.perASN = make(map[ASN]int)
	}
	return a
}

// admit reports whether c (whose address is ap) may join the result and,
// if so, counts it.
func (a *admission) admit(c *rankCand, ap netip.AddrPort) bool {
	if _, dup := a.seen[ap]; dup {
		return false
	}
	if a.perNet != nil && a.perNet[c.net] >= a.maxPerNet {
		return false
	}
	if a.perASN != nil && c.asn != 0 && a.perASN[c.asn] >= a.maxPerASN {
		return false
	}
	a.seen[ap] = struct{}{}
	if a.perNet != nil {
		a.perNet[c.net]++
	}
	if a.perASN != nil && c.asn != 0 {
		a.perASN[c.asn]++
	}
	return true
}
