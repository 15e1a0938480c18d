package dht

import (
	"bytes"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// Bounds of the near-contact cache.
const (
	nearCacheSize = 256
	// nearCacheTTL: a contact not heard from for this long is dropped.
	nearCacheTTL = 15 * time.Minute
	// nearSeeds: a proximity walk adds this many of the cached contacts
	// XOR-closest to its target to the frontier.
	nearSeeds = 16
)

// nearCache remembers the contacts nearest to us by proximity that the
// node has heard from — every query and reply that reaches it names its
// sender's ID — whether or not the library's routing table has room for
// them (proximity neighbour selection beside a proximity-blind table). A
// Kademlia table keeps a handful of contacts per ID range whatever their
// latency, so a walk starting from it seldom has a nearby contact about
// as close to the target as its best; from the cache it often does, and
// then a nearby holder of peers is one or two short round trips away.
type nearCache struct {
	loc  proximity.Locator
	now  func() time.Time
	near func(ap netip.AddrPort, d proximity.Distance) bool // admission

	mu sync.Mutex
	m  map[netip.AddrPort]*nearEntry
}

type nearEntry struct {
	id   [20]byte
	dist proximity.Distance // from us, without RTT
	seen time.Time
}

// newNearCache returns a cache admitting the contacts for which near
// reports true.
func newNearCache(loc proximity.Locator, now func() time.Time, near func(netip.AddrPort, proximity.Distance) bool) *nearCache {
	return &nearCache{loc: loc, now: now, near: near, m: make(map[netip.AddrPort]*nearEntry)}
}

// heard records that the node with id at ap sent us a message, if it is
// near; self is our address (invalid when unknown: nothing is recorded).
func (nc *nearCache) heard(self netip.Addr, ap netip.AddrPort, id [20]byte) {
	if !self.IsValid() || id == ([20]byte{}) {
		return
	}
	now := nc.now()
	nc.mu.Lock()
	if e := nc.m[ap]; e != nil {
		e.id, e.seen = id, now
		nc.mu.Unlock()
		return
	}
	nc.mu.Unlock()
	d := proximity.Measure(nc.loc, self, ap.Addr(), 0)
	if !nc.near(ap, d) {
		return
	}
	nc.mu.Lock()
	defer nc.mu.Unlock()
	if len(nc.m) >= nearCacheSize {
		// Make room: an expired entry, else the farthest if the newcomer is
		// nearer than it.
		var worst netip.AddrPort
		var we *nearEntry
		for k, e := range nc.m {
			if now.Sub(e.seen) > nearCacheTTL {
				worst, we = k, e
				break
			}
			if we == nil || we.dist.Nearer(e.dist) {
				worst, we = k, e
			}
		}
		if now.Sub(we.seen) <= nearCacheTTL && !d.Nearer(we.dist) {
			return
		}
		delete(nc.m, worst)
	}
	nc.m[ap] = &nearEntry{id: id, dist: d, seen: now}
}

// closest returns up to n unexpired cached contacts of one family, in XOR
// order to target.
func (nc *nearCache) closest(target [20]byte, four bool, n int) []Contact {
	now := nc.now()
	type cand struct {
		c    Contact
		dist [20]byte
	}
	nc.mu.Lock()
	cs := make([]cand, 0, len(nc.m))
	for ap, e := range nc.m {
		if ap.Addr().Is4() == four && now.Sub(e.seen) <= nearCacheTTL {
			cs = append(cs, cand{Contact{ID: e.id, Addr: ap}, xorDist(e.id, target)})
		}
	}
	nc.mu.Unlock()
	slices.SortFunc(cs, func(a, b cand) int { return bytes.Compare(a.dist[:], b.dist[:]) })
	out := make([]Contact, 0, min(n, len(cs)))
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.c)
	}
	return out
}
