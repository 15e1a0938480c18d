package proximity

import "net/netip"

// admission enforces Rank's per-net and per-ASN caps and drops duplicate
// candidates. Its maps hold only picked peers, so they stay small, and are
// reused across calls (see rankScratch).
type admission struct {
	maxPerNet, maxPerASN int // <= 0: no cap
	seen                 map[netip.AddrPort]struct{}
	perNet               map[uint64]int
	perASN               map[ASN]int
}

// reset readies a for another Rank call, keeping its maps' storage.
func (a *admission) reset(maxPerNet, maxPerASN int) {
	a.maxPerNet, a.maxPerASN = maxPerNet, maxPerASN
	if a.seen == nil {
		a.seen = map[netip.AddrPort]struct{}{}
		a.perNet = map[uint64]int{}
		a.perASN = map[ASN]int{}
	}
	clear(a.seen)
	clear(a.perNet)
	clear(a.perASN)
}

func (a *admission) capNet() bool { return a.maxPerNet > 0 }
func (a *admission) capASN() bool { return a.maxPerASN > 0 }

// admit reports whether c (whose address is ap) may join the result and,
// if so, counts it.
func (a *admission) admit(c *rankCand, ap netip.AddrPort) bool {
	if _, dup := a.seen[ap]; dup {
		return false
	}
	if a.capNet() && a.perNet[c.net] >= a.maxPerNet {
		return false
	}
	if a.capASN() && c.asn != 0 && a.perASN[c.asn] >= a.maxPerASN {
		return false
	}
	a.seen[ap] = struct{}{}
	if a.capNet() {
		a.perNet[c.net]++
	}
	if a.capASN() && c.asn != 0 {
		a.perASN[c.asn]++
	}
	return true
}
