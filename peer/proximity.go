package peer

import (
	"net/netip"

	"github.com/shoal-p2p/shoal/proximity"
)

// Connection choice with proximity (DESIGN.md §4): candidates from every
// source — trackers, DHT, PEX, --peer — are dialed nearest first (same
// /24, same AS, longest common prefix), except for a quota of slots filled
// at random from other ASes so that the swarm never splits into islands.

// selfAddr is our own address as far as we know it: the bound listen IP,
// the announce IP, or the address a peer told us it sees (BEP 10 yourip).
func (t *torrent) selfAddr() netip.Addr {
	if ip := t.cl.bindIP; ip.IsValid() {
		return ip
	}
	if ip := t.cfg.AnnounceIP; ip.IsValid() {
		return ip
	}
	return t.yourIP
}

// orderCandidates ranks ready candidates for up to n dials.
func (t *torrent) orderCandidates(ready []netip.AddrPort, n int) []proximity.Ranked {
	return proximity.Rank(t.cfg.Locator, t.selfAddr(), ready, nil, n, proximity.RankConfig{
		Off:  t.cfg.ProximityOff,
		Rand: t.rng,
	})
}

// classify describes an incoming or already-ranked peer for Stats.
func (t *torrent) classify(a netip.Addr) (proximity.ASN, proximity.Distance) {
	var asn proximity.ASN
	if t.cfg.Locator != nil {
		asn = t.cfg.Locator.ASN(a)
	}
	return asn, proximity.Measure(t.cfg.Locator, t.selfAddr(), a, 0)
}

// proximityReason is the Peers tab's "why this peer" column.
func proximityReason(src Source, class string) string {
	if class == "" {
		return src.String()
	}
	return src.String() + ", " + class
}

// classOf names the proximity class of a peer we did not rank ourselves
// (incoming connections).
func classOf(d proximity.Distance) string {
	switch {
	case d.SameNet:
		return proximity.ClassSameNet.String()
	case d.SameASN:
		return proximity.ClassSameASN.String()
	case d.Prefix > 0:
		return proximity.ClassNear.String()
	}
	return "other"
}
