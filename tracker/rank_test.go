package tracker_test

import (
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"testing"

	"github.com/shoal-p2p/shoal/tracker"
	"github.com/shoal-p2p/shoal/tracker/store"
	"github.com/shoal-p2p/shoal/tracker/store/storetest"
)

// TestPack4RoundTrip: a packed IPv4 peer unpacks to its address and
// seeder flag.
func TestPack4RoundTrip(t *testing.T) {
	for _, seeder := range []bool{false, true} {
		ip, port := [4]byte{192, 0, 2, 200}, uint16(51413)
		if a, s := store.Unpack4(store.Pack4(ip, port, seeder)); a != netip.AddrPortFrom(netip.AddrFrom4(ip), port) || s != seeder {
			t.Fatalf("Unpack4(Pack4(%v, %d, %v)) gives %v, %v", ip, port, seeder, a, s)
		}
	}
}

// TestProximityRankingIPv4: IPv4 swarms without an ASN table, ranked from
// the memory store's sorted peers, and the same swarm ranked by the
// tracker from a store that does not pick (peers offered one by one) give
// lists of the documented order: the requester's /24 first (at most 8),
// then the rest nearest by common prefix, with ceil(25 %) of each list
// drawn from outside the requester's /24 at evenly spread places, never
// the requester, never a seeder to a seeder, at most 8 per /24.
func TestProximityRankingIPv4(t *testing.T) {
	for _, picks := range []bool{true, false} {
		tr := newTracker(t, func(c *tracker.Config) {
			if !picks {
				c.Store = noPicker{c.Store}
			}
		})
		ih := storetest.Hash(1)
		addr := func(k int) string { return fmt.Sprintf("127.10.%d.%d:%d", k%8, 1+k%3, 10000+k) }
		for k := range 100 {
			announce(t, tr, ih, k, addr(k), int64(k%3), 0) // every third a seeder
		}
		for k := range 100 {
			self := netip.MustParseAddrPort(addr(k))
			r := announce(t, tr, ih, k, addr(k), int64(k%3), 50)
			checkIPv4List(t, fmt.Sprintf("store picks %v, requester %v", picks, self), self, k%3 == 0, r.Peers, 100)
		}
	}
}

// checkIPv4List checks a list for self out of the swarm of addr-style
// peers (every third a seeder) of swarm size m.
func checkIPv4List(t *testing.T, name string, self netip.AddrPort, seeder bool, ps []tracker.Peer, m int) {
	t.Helper()
	selfNet, _ := self.Addr().Prefix(24)
	eligible, pool, inNet := 0, 0, 0
	byNet := map[netip.Prefix]int{}
	for k := range m {
		a := netip.MustParseAddrPort(fmt.Sprintf("127.10.%d.%d:%d", k%8, 1+k%3, 10000+k))
		if a == self || (seeder && k%3 == 0) {
			continue
		}
		eligible++
		n, _ := a.Addr().Prefix(24)
		byNet[n]++
		if n == selfNet {
			inNet++
		} else {
			pool++
		}
	}
	admissible := 0
	for _, c := range byNet {
		admissible += min(c, 8)
	}
	l := min(50, eligible)
	q := min(int(math.Ceil(0.25*float64(l))), pool)
	if want := min(50, admissible); len(ps) != want {
		t.Fatalf("%s: %d peers, want %d", name, len(ps), want)
	}
	quotaAt := map[int]bool{}
	for j := range q {
		quotaAt[(j+1)*len(ps)/q-1] = true
	}
	s4 := self.Addr().As4()
	prev := 33
	perNet := map[netip.Prefix]int{}
	for i, p := range ps {
		a := p.Addr
		n, _ := a.Addr().Prefix(24)
		if perNet[n]++; perNet[n] > 8 {
			t.Fatalf("%s: more than 8 peers from %v", name, n)
		}
		if a == self || (seeder && p.Seeder) {
			t.Fatalf("%s: position %d is itself or a seeder: %v", name, i, p)
		}
		if quotaAt[i] {
			if selfNet.Contains(a.Addr()) {
				t.Fatalf("%s: quota place %d holds %v, in its /24", name, i, a)
			}
			continue
		}
		b := a.Addr().As4()
		pl := bits.LeadingZeros32(uint32(b[0]^s4[0])<<24 | uint32(b[1]^s4[1])<<16 | uint32(b[2]^s4[2])<<8 | uint32(b[3]^s4[3]))
		if pl > prev {
			t.Fatalf("%s: position %d (%v, prefix %d) is nearer than an earlier one (prefix %d): %v", name, i, a, pl, prev, ps)
		}
		prev = pl
	}
	if got := perNet[selfNet]; got != min(inNet, 8) {
		t.Fatalf("%s: %d peers from its /24, want %d", name, got, min(inNet, 8))
	}
}

// TestProximityOffIPv4: with proximity off, a small IPv4 swarm's lists
// are uniform: the requester's /24 gets its share, not the front.
func TestProximityOffIPv4(t *testing.T) {
	tr := newTracker(t, func(c *tracker.Config) { c.Rank.Off = true })
	ih := storetest.Hash(1)
	for k := range 80 {
		announce(t, tr, ih, k, fmt.Sprintf("127.10.%d.1:%d", k%8, 10000+k), 1, 0)
	}
	first := map[int]int{}
	for range 400 {
		r := announce(t, tr, ih, 0, "127.10.0.1:10000", 1, 20)
		if len(r.Peers) != 20 {
			t.Fatalf("%d peers", len(r.Peers))
		}
		first[int(r.Peers[0].Addr.Addr().As4()[2])]++
	}
	for n := range 8 {
		if first[n] < 20 { // 50 expected (8 of 79 are in 127.10.0.0/24: 9 %)
			t.Fatalf("first peers by /24: %v, not uniform", first)
		}
	}
}
