package dht

import (
	"net/netip"
	"slices"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// rttClass groups contacts that are alike for latency: the tier (0 same
// network, 1 same ASN, 2 otherwise) and the common prefix length with us;
// prefix -1 stands for the whole tier.
type rttClass struct {
	tier   uint8
	prefix int16
}

func classOfDistance(d proximity.Distance) rttClass {
	c := rttClass{tier: 2, prefix: int16(d.Prefix)}
	switch {
	case d.SameNet:
		c.tier = 0
	case d.SameASN:
		c.tier = 1
	}
	return c
}

// classKeys returns the classes to consult for a contact of class c, most
// specific first: its own, its tier, then the farther tiers — a contact in
// our own network is no farther than one elsewhere in our ASN, so a tier
// with no measurement yet borrows the next one's.
func classKeys(c rttClass) []rttClass {
	keys := []rttClass{c, {tier: c.tier, prefix: -1}}
	for t := c.tier + 1; t <= 2; t++ {
		keys = append(keys, rttClass{tier: t, prefix: -1})
	}
	return keys
}

// A class's base RTT is the median of the base RTTs of the last classRing
// contacts of the class that were measured. One contact is enough to use
// it: a base RTT is a minimum, seldom far above the class's own delay,
// and an estimate that comes out low costs at most one query more.
const classRing = 16

// classStats holds the base RTTs of a class's recently measured contacts
// and the class's jitter.
type classStats struct {
	aps   [classRing]netip.AddrPort
	bases [classRing]time.Duration
	n     int // entries used
	next  int // the entry to replace next once full
	// jitter is the smoothed deviation of the class's samples from their
	// contact's base RTT (gain 1/4, as TCP's RTTVAR): the queueing and
	// scheduling delay on top of the path's own.
	jitter time.Duration
}

// note records a sample of rtt from ap, whose base RTT is now base.
func (cs *classStats) note(ap netip.AddrPort, base, rtt time.Duration) {
	dev := rtt - base
	if dev < 0 {
		dev = -dev
	}
	cs.jitter = (3*cs.jitter + dev) / 4
	cs.setBase(ap, base)
}

// setBase records ap's base RTT.
func (cs *classStats) setBase(ap netip.AddrPort, base time.Duration) {
	for i := range cs.n {
		if cs.aps[i] == ap {
			cs.bases[i] = base
			return
		}
	}
	i := cs.n
	if cs.n < classRing {
		cs.n++
	} else {
		i, cs.next = cs.next, (cs.next+1)%classRing
	}
	cs.aps[i], cs.bases[i] = ap, base
}

// median returns the median base RTT and the mean absolute deviation of
// the bases from it (how much the class's contacts differ), or false with
// no contacts.
func (cs *classStats) median() (med, spread time.Duration, ok bool) {
	if cs.n == 0 {
		return 0, 0, false
	}
	b := cs.bases
	s := b[:cs.n]
	slices.Sort(s)
	med = s[cs.n/2]
	var sum time.Duration
	for _, x := range s {
		sum += max(x-med, med-x)
	}
	return med, sum / time.Duration(cs.n), true
}
