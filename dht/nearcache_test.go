package dht

import (
	"net/netip"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

func TestNearCache(t *testing.T) {
	now := time.Unix(0, 0)
	loc := proximity.LoopbackTable(15)
	me := netip.MustParseAddr("127.1.0.2")
	// Near: our ASN (127.1) or our region (127.0–3 share 14 bits with us).
	nc := newNearCache(loc, func() time.Time { return now }, func(_ netip.AddrPort, d proximity.Distance) bool {
		return d.SameASN || d.Prefix >= 14
	})
	ap := func(as byte, i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, as, byte(i >> 8), byte(i)}), 1)
	}
	id := func(i int) (x [20]byte) { x[0], x[1] = byte(i>>8), byte(i); return x }

	nc.heard(me, ap(9, 1), id(1)) // far: not admitted
	nc.heard(netip.Addr{}, ap(1, 1), id(1))
	nc.heard(me, ap(1, 2), [20]byte{})
	if got := nc.closest([20]byte{}, true, 10); len(got) != 0 {
		t.Fatalf("admitted %v", got)
	}
	// Fill with region contacts, then ASN contacts push them out, never the
	// reverse.
	for i := range nearCacheSize {
		nc.heard(me, ap(2, i), id(1000+i))
	}
	for i := 1; i <= nearCacheSize/2; i++ {
		nc.heard(me, ap(1, i), id(i))
	}
	nc.heard(me, ap(3, 9999), id(9999))
	same := 0
	for _, c := range nc.closest([20]byte{}, true, nearCacheSize) {
		if c.Addr.Addr().As4()[1] == 1 {
			same++
		}
		if c.Addr == ap(3, 9999) {
			t.Fatal("a region contact pushed out an ASN one")
		}
	}
	if same != nearCacheSize/2 || len(nc.m) != nearCacheSize {
		t.Fatalf("%d ASN contacts of %d", same, len(nc.m))
	}
	// XOR order to the target, one family.
	got := nc.closest(id(5), true, 3)
	if len(got) != 3 || got[0].ID != id(5) || got[0].Addr != ap(1, 5) {
		t.Fatalf("closest to id 5: %v", got)
	}
	if got := nc.closest(id(5), false, 3); len(got) != 0 {
		t.Fatalf("IPv6 contacts: %v", got)
	}
	// Expired contacts are not returned and give way to newcomers.
	now = now.Add(nearCacheTTL + time.Second)
	nc.heard(me, ap(1, 300), id(300))
	if got := nc.closest(id(5), true, 10); len(got) != 1 || got[0].Addr != ap(1, 300) {
		t.Fatalf("after expiry: %v", got)
	}
}

// A contact is near when in our ASN, or expected within half the median
// RTT of contacts outside it.
func TestHealthNear(t *testing.T) {
	now := time.Unix(0, 0)
	h := newHealth(func() time.Time { return now })
	loc := proximity.LoopbackTable(15)
	me := netip.MustParseAddr("127.1.0.2")
	d := func(ap netip.AddrPort) proximity.Distance { return proximity.Measure(loc, me, ap.Addr(), 0) }
	region := netip.MustParseAddrPort("127.2.0.1:1")
	far := netip.MustParseAddrPort("127.9.0.1:1")
	same := netip.MustParseAddrPort("127.1.5.1:1")
	if h.near(region, d(region)) || !h.near(same, d(same)) {
		t.Fatal("with no RTTs: only our ASN is near")
	}
	h.sample(region, d(region), 25*time.Millisecond)
	for i := range 3 {
		ap := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 9, 1, byte(i)}), 1)
		h.sample(ap, d(ap), 120*time.Millisecond)
	}
	if !h.near(region, d(region)) || h.near(far, d(far)) {
		t.Fatal("region not near or far near")
	}
}
