package dht

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// Contact health is shared by all lookups of a node.
const (
	maxHealthEntries = 8192
	// skipAfterTimeouts: a contact that timed out this many times in a row
	// is skipped by lookups until it answers again or the entry expires.
	skipAfterTimeouts = 2
	healthTTL         = 15 * time.Minute
)

type healthEntry struct {
	timeouts int
	srtt     time.Duration // smoothed round-trip time; 0 = never measured
	// base is the least round-trip time seen since baseAt: the path's own
	// delay, without the queueing and scheduling delays that inflate
	// single samples (on either host) when a machine is busy.
	base    time.Duration
	baseAt  time.Time
	touched time.Time
}

// baseWindow: a contact's base RTT is the least sample over about this
// long, so that a route that got longer is noticed.
const baseWindow = 10 * time.Minute

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

// A class's base RTT is the median of the base RTTs of the last classRing
// contacts of the class that were measured. One contact is enough to use
// it: a base RTT is a minimum, seldom far above the class's own delay,
// and an estimate that comes out low costs at most one query more.
const classRing = 16

// classBases holds the base RTTs of a class's recently measured contacts.
type classBases struct {
	aps   [classRing]netip.AddrPort
	bases [classRing]time.Duration
	n     int // entries used
	next  int // the entry to replace next once full
}

// note records ap's base RTT.
func (cb *classBases) note(ap netip.AddrPort, base time.Duration) {
	for i := range cb.n {
		if cb.aps[i] == ap {
			cb.bases[i] = base
			return
		}
	}
	i := cb.n
	if cb.n < classRing {
		cb.n++
	} else {
		i, cb.next = cb.next, (cb.next+1)%classRing
	}
	cb.aps[i], cb.bases[i] = ap, base
}

// median returns the median base RTT, or false with no contacts.
func (cb *classBases) median() (time.Duration, bool) {
	if cb.n == 0 {
		return 0, false
	}
	b := cb.bases
	s := b[:cb.n]
	slices.Sort(s)
	return s[cb.n/2], true
}

// health records per-contact timeouts and round-trip times, and the base
// round-trip times of contacts alike for latency (rttClass), which stand
// in for contacts never measured.
type health struct {
	now     func() time.Time
	mu      sync.Mutex
	m       map[netip.AddrPort]*healthEntry
	classes map[rttClass]*classBases
}

func newHealth(now func() time.Time) *health {
	return &health{now: now, m: make(map[netip.AddrPort]*healthEntry), classes: make(map[rttClass]*classBases)}
}

func (h *health) entry(ap netip.AddrPort) *healthEntry {
	e := h.m[ap]
	if e == nil {
		if len(h.m) >= maxHealthEntries {
			h.evictLocked()
		}
		e = &healthEntry{}
		h.m[ap] = e
	}
	e.touched = h.now()
	return e
}

// evictLocked drops expired entries, or an arbitrary half when none expired.
func (h *health) evictLocked() {
	now := h.now()
	n := 0
	for ap, e := range h.m {
		if now.Sub(e.touched) > healthTTL {
			delete(h.m, ap)
			n++
		}
	}
	if n > 0 {
		return
	}
	for ap := range h.m {
		delete(h.m, ap)
		if len(h.m) <= maxHealthEntries/2 {
			return
		}
	}
}

// replied records that ap answered a lookup query.
func (h *health) replied(ap netip.AddrPort) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entry(ap).timeouts = 0
}

// sample records a round-trip time to ap, at distance d from us: ap
// answered a query, so it is alive.
func (h *health) sample(ap netip.AddrPort, d proximity.Distance, rtt time.Duration) {
	rtt = max(rtt, time.Microsecond)
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	e := h.entry(ap)
	e.timeouts = 0
	if e.srtt == 0 {
		e.srtt = rtt
	} else {
		e.srtt = (7*e.srtt + rtt) / 8
	}
	if e.base == 0 || rtt <= e.base || now.Sub(e.baseAt) > baseWindow {
		e.base, e.baseAt = rtt, now
	}
	c := classOfDistance(d)
	for _, k := range []rttClass{c, {tier: c.tier, prefix: -1}} {
		cb := h.classes[k]
		if cb == nil {
			cb = &classBases{}
			h.classes[k] = cb // at most 3·130 classes
		}
		cb.note(ap, e.base)
	}
}

// expected returns the base round-trip time to expect from ap, at distance
// d from us: ap's own when measured, else the median of its class's, else
// of its tier's; ok is false when none is known.
func (h *health) expected(ap netip.AddrPort, d proximity.Distance) (rtt time.Duration, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.m[ap]; e != nil && e.base > 0 {
		return e.base, true
	}
	c := classOfDistance(d)
	for _, k := range []rttClass{c, {tier: c.tier, prefix: -1}} {
		if cb := h.classes[k]; cb != nil {
			if m, ok := cb.median(); ok {
				return m, true
			}
		}
	}
	return 0, false
}

// timedOut records a query that got no answer.
func (h *health) timedOut(ap netip.AddrPort) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entry(ap).timeouts++
}

// skip reports whether lookups should leave ap alone.
func (h *health) skip(ap netip.AddrPort) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.m[ap]
	return e != nil && e.timeouts >= skipAfterTimeouts && h.now().Sub(e.touched) < healthTTL
}

// rtt returns the smoothed round-trip time to ap, or 0 when unknown.
func (h *health) rtt(ap netip.AddrPort) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.m[ap]; e != nil {
		return e.srtt
	}
	return 0
}

// skipped counts contacts currently skipped.
func (h *health) skipped() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	n := 0
	for _, e := range h.m {
		if e.timeouts >= skipAfterTimeouts && now.Sub(e.touched) < healthTTL {
			n++
		}
	}
	return n
}
