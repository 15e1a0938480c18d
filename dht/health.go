package dht

import (
	"net/netip"
	"sync"
	"time"
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
	rtt      time.Duration // smoothed; 0 = never measured
	touched  time.Time
}

// health records per-contact timeouts and round-trip times.
type health struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[netip.AddrPort]*healthEntry
}

func newHealth(now func() time.Time) *health {
	return &health{now: now, m: make(map[netip.AddrPort]*healthEntry)}
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

// replied records an answer after rtt.
func (h *health) replied(ap netip.AddrPort, rtt time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.entry(ap)
	e.timeouts = 0
	if e.rtt == 0 {
		e.rtt = rtt
	} else {
		e.rtt = (3*e.rtt + rtt) / 4
	}
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
		return e.rtt
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
