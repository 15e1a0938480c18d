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
// and how far its recent samples deviated from their contact's base.
type classStats struct {
	aps   [classRing]netip.AddrPort
	bases [classRing]time.Duration
	n     int // entries used
	next  int // the entry to replace next once full
	// devs are the last devRing deviations of the class's samples from
	// their contact's base RTT: the queueing and scheduling delay on top of
	// the path's own.
	devs  [devRing]time.Duration
	nDev  int
	nextD int
}

// devRing: a class's jitter is the median of its last devRing deviations.
const devRing = 32

// note records a sample of rtt from ap, whose base RTT is now base.
func (cs *classStats) note(ap netip.AddrPort, base, rtt time.Duration) {
	dev := max(rtt-base, base-rtt)
	if cs.nDev < devRing {
		cs.devs[cs.nDev] = dev
		cs.nDev++
	} else {
		cs.devs[cs.nextD], cs.nextD = dev, (cs.nextD+1)%devRing
	}
	cs.setBase(ap, base)
}

// jitter returns the median deviation of the class's recent samples from
// their contact's base RTT. A median, not TCP's smoothed mean deviation:
// on a busy host the samples taken during a burst of load are late by
// hundreds of milliseconds, and a mean would carry that into every slow
// limit long after the burst.
func (cs *classStats) jitter() time.Duration {
	if cs.nDev == 0 {
		return 0
	}
	d := cs.devs
	s := d[:cs.nDev]
	slices.Sort(s)
	return s[cs.nDev/2]
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

// median returns the median base RTT and the median absolute deviation of
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
	for i, x := range s {
		s[i] = max(x-med, med-x)
	}
	slices.Sort(s)
	return med, s[cs.n/2], true
}
