package dht

import (
	"net/netip"
	"testing"
	"time"

	"github.com/shoal-p2p/shoal/proximity"
)

// A proximity walk's slow limit is the expected RTT plus four deviations
// (at least minSlowMargin, at least minSlowAfter, at most SlowAfter); a
// suspect contact gets minSlowAfter; a plain walk always SlowAfter.
func TestSlowAfter(t *testing.T) {
	now := time.Unix(0, 0)
	h := newHealth(func() time.Time { return now })
	loc := proximity.LoopbackTable(4)
	me := netip.MustParseAddr("127.1.0.2")
	n := &Node{cfg: Config{Locator: loc, SlowAfter: 300 * time.Millisecond}, health: h}
	w := &walk{n: n, me: me}
	ap := func(as, i byte) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, as, 1, i}), 1) }
	cand := func(a netip.AddrPort) *candidate { return &candidate{addr: a} }
	sample := func(a netip.AddrPort, rtt time.Duration) {
		h.sample(a, proximity.Measure(loc, me, a.Addr(), 0), rtt)
	}
	check := func(name string, c *candidate, want time.Duration) {
		t.Helper()
		if got, _ := w.slowAfter(c); got != want {
			t.Errorf("%s: limit %v, want %v", name, got, want)
		}
	}
	check("unknown latency", cand(ap(3, 1)), 300*time.Millisecond)
	sample(ap(3, 1), 120*time.Millisecond)
	sample(ap(3, 1), 130*time.Millisecond)
	sample(ap(3, 1), 130*time.Millisecond) // deviations 0, 10, 10: jitter 10 ms
	check("measured far", cand(ap(3, 1)), 160*time.Millisecond)
	check("unmeasured far, one contact in the class", cand(ap(3, 2)), 160*time.Millisecond)
	sample(ap(1, 1), 4*time.Millisecond)
	check("near: the margin", cand(ap(1, 1)), 15*time.Millisecond)
	sample(ap(1, 2), 2*time.Millisecond)
	sample(ap(1, 2), 2*time.Millisecond)
	check("nearer still: the floor", cand(ap(1, 2)), minSlowAfter)
	sample(ap(2, 1), 400*time.Millisecond)
	check("the ceiling", cand(ap(2, 1)), 300*time.Millisecond)
	h.timedOut(ap(3, 1))
	check("suspect", cand(ap(3, 1)), minSlowAfter)
	w.plain = true
	check("plain walk", cand(ap(1, 1)), 300*time.Millisecond)
}

// A suspect contact comes after every other in the proximity choice.
func TestNearerSuspectLast(t *testing.T) {
	now := time.Unix(0, 0)
	h := newHealth(func() time.Time { return now })
	loc := proximity.LoopbackTable(4)
	me := netip.MustParseAddr("127.1.0.2")
	w := &walk{n: &Node{cfg: Config{Locator: loc}, health: h}, me: me}
	near := &candidate{addr: netip.MustParseAddrPort("127.1.1.1:1")}
	far := &candidate{addr: netip.MustParseAddrPort("127.3.1.1:1")}
	if !w.nearer(near, far) || w.nearer(far, near) {
		t.Fatal("same AS not nearer than another AS")
	}
	h.timedOut(near.addr)
	if w.nearer(near, far) || !w.nearer(far, near) {
		t.Fatal("suspect contact still preferred")
	}
}
