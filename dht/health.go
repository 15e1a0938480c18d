package dht

import (
	"net/netip"
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

// health records per-contact timeouts and round-trip times, and the base
// round-trip times of contacts alike for latency (rttClass), which stand
// in for contacts never measured.
type health struct {
	now     func() time.Time
	mu      sync.Mutex
	m       map[netip.AddrPort]*healthEntry
	classes map[rttClass]*classStats
}

func newHealth(now func() time.Time) *health {
	return &health{now: now, m: make(map[netip.AddrPort]*healthEntry), classes: make(map[rttClass]*classStats)}
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

// replied records that ap answered a query.
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
		cs := h.classes[k]
		if cs == nil {
			cs = &classStats{}
			h.classes[k] = cs // at most 3·130 classes
		}
		cs.note(ap, e.base, rtt)
	}
}

// restore records a base round-trip time to ap saved by an earlier run
// (State), at distance d from us; class says whether d is known (our
// own address may not be yet). Samples taken since win.
func (h *health) restore(ap netip.AddrPort, d proximity.Distance, class bool, base time.Duration) {
	if base <= 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entry(ap)
	if e.base > 0 {
		return
	}
	e.base, e.baseAt = base, h.now()
	if e.srtt == 0 {
		e.srtt = base
	}
	if !class {
		return
	}
	c := classOfDistance(d)
	for _, k := range []rttClass{c, {tier: c.tier, prefix: -1}} {
		cs := h.classes[k]
		if cs == nil {
			cs = &classStats{}
			h.classes[k] = cs
		}
		cs.setBase(ap, base)
	}
}

// near reports whether ap, at distance d from us, is near: in our network
// or ASN, or expected (see expected) within half the median base RTT of
// the contacts outside our ASN — nearer than most of the world.
func (h *health) near(ap netip.AddrPort, d proximity.Distance) bool {
	if d.SameNet || d.SameASN {
		return true
	}
	rtt, _, ok := h.expected(ap, d)
	if !ok {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := h.classes[rttClass{tier: 2, prefix: -1}]
	if cs == nil {
		return false
	}
	med, _, ok := cs.median()
	return ok && 2*rtt <= med
}

// lookup returns a copy of ap's entry, the zero entry when unknown.
func (h *health) lookup(ap netip.AddrPort) healthEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	if e := h.m[ap]; e != nil {
		return *e
	}
	return healthEntry{}
}

// base returns the base round-trip time to ap, or 0 when unknown.
func (h *health) base(ap netip.AddrPort) time.Duration { return h.lookup(ap).base }

// minPrefixClass: a class narrower than a tier is consulted once it holds
// this many contacts; with fewer, one late sample would be its median.
const minPrefixClass = 3

// expected returns the base round-trip time to expect from ap, at distance
// d from us, and how far an answer may deviate from it: the median base of
// ap's class (with at least minPrefixClass contacts; else of its tier, or
// of the nearest tier that has one, see classKeys) — or
// ap's own base when measured, unless that exceeds twice the class's plus
// devFactor times the spread of the class's bases (a single sample taken
// while a host was busy can be late by hundreds of milliseconds, and a
// base is the least sample). The deviation is the class's jitter,
// plus the spread of the class's bases when ap's own base is not used.
// ok is false when nothing is known.
func (h *health) expected(ap netip.AddrPort, d proximity.Distance) (rtt, dev time.Duration, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var own time.Duration
	if e := h.m[ap]; e != nil && e.base > 0 {
		own = e.base
	}
	for _, k := range classKeys(classOfDistance(d)) {
		cs := h.classes[k]
		if cs == nil || k.prefix >= 0 && cs.n < minPrefixClass {
			continue
		}
		med, spread, ok := cs.median()
		if !ok {
			continue
		}
		if own > 0 && own <= 2*med+devFactor*spread {
			return own, cs.jitter(), true
		}
		return med, cs.jitter() + spread, true
	}
	return own, 0, own > 0
}

// timedOut records a query that got no answer: any of the node's queries,
// the library's table upkeep and bootstrap as well as our lookups (see
// rttMeter.sweep).
func (h *health) timedOut(ap netip.AddrPort) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.entry(ap).timeouts++
}

// recentTimeouts is ap's count of unanswered queries in a row, 0 when it
// is unknown or was last heard of more than healthTTL ago.
func (h *health) recentTimeouts(ap netip.AddrPort) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[ap].recentTimeouts(h.now())
}

// recentTimeouts is e's timeouts if e (possibly nil) was touched within
// healthTTL of now, else 0.
func (e *healthEntry) recentTimeouts(now time.Time) int {
	if e == nil || now.Sub(e.touched) >= healthTTL {
		return 0
	}
	return e.timeouts
}

// skip reports whether lookups should leave ap alone.
func (h *health) skip(ap netip.AddrPort) bool {
	return h.recentTimeouts(ap) >= skipAfterTimeouts
}

// suspect reports whether ap's last query went unanswered, recently: it is
// probably gone, and lookups give it little time (walk.slowAfter) and
// prefer others to it.
func (h *health) suspect(ap netip.AddrPort) bool {
	return h.recentTimeouts(ap) > 0
}

// rtt returns the smoothed round-trip time to ap, or 0 when unknown.
func (h *health) rtt(ap netip.AddrPort) time.Duration { return h.lookup(ap).srtt }

// skipped counts contacts currently skipped.
func (h *health) skipped() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	n := 0
	for _, e := range h.m {
		if e.recentTimeouts(now) >= skipAfterTimeouts {
			n++
		}
	}
	return n
}
