package proximity

import (
	"bytes"
	"cmp"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// sortedCands returns m sorted Key4 candidates drawn from a few /24s
// around 127.10.0.0/16 (and one far /24), with repeated addresses, some
// exact duplicates and flag 1 on about a third of them.
func sortedCands(rng *rand.Rand, m int) []uint64 {
	nets := [][3]byte{{127, 10, 0}, {127, 10, 1}, {127, 10, 2}, {127, 10, 3}, {127, 10, 6}, {127, 10, 200}, {127, 11, 0}, {127, 200, 5}}
	out := make([]uint64, 0, m)
	for len(out) < m {
		if len(out) > 0 && rng.IntN(10) == 0 { // an exact duplicate, other flags
			out = append(out, out[rng.IntN(len(out))]&^0xffff|uint64(rng.IntN(2)))
			continue
		}
		n := nets[rng.IntN(len(nets))]
		ip := [4]byte{n[0], n[1], n[2], byte(1 + rng.IntN(4))}
		var flags uint16
		if rng.IntN(3) == 0 {
			flags = 1
		}
		out = append(out, Key4(ip, uint16(6881+rng.IntN(3)), flags))
	}
	slices.SortStableFunc(out, func(a, b uint64) int { return cmp.Compare(a>>16, b>>16) })
	return out
}

func unkey4(c uint64) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{byte(c >> 56), byte(c >> 48), byte(c >> 40), byte(c >> 32)}), uint16(c>>16))
}

// pickEach is PickSorted4's reference: Add for each candidate, then Pick.
func pickEach(r *Ranker, cands []uint64, skip uint16, omit netip.AddrPort, n int) []int32 {
	for i, c := range cands {
		if uint16(c)&skip == 0 && unkey4(c) != omit {
			r.Add(unkey4(c), 0, int32(i))
		}
	}
	return r.Pick(n)
}

// TestPickSorted4LikePick: on the same seed, PickSorted4 gives the list
// Add and Pick give up to the order within a class: the same length, the
// same quota picks in the same places, and the same class (common prefix
// length) at every other place, since a /24 lies within one class below
// /24 and the quota draws come first. With proximity off the lists are
// equal. Without an IPv4 self, or with a Locator, it is Add and Pick.
func TestPickSorted4LikePick(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var a, b Ranker
	for round := range 400 {
		cands := sortedCands(rng, 1+rng.IntN(150))
		self := unkey4(cands[rng.IntN(len(cands))])
		if round%5 == 0 {
			self = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 10, byte(rng.IntN(8)), 9}), 1)
		}
		cfg := RankConfig{Off: round%7 == 3, MaxPerNet: []int{0, 3, -1, 1}[round%4], RemoteShare: []float64{0, 0.5, 1}[round%3]}
		var loc Locator
		if round%11 == 5 {
			loc = LoopbackTable(16)
		}
		if round%13 == 7 {
			self = addrPort("[2001:db8::1]:1")
		}
		skip, omit := uint16(round%2), self
		if round%3 == 1 {
			omit = netip.AddrPort{}
		}
		n := 1 + rng.IntN(60)
		name := fmt.Sprintf("round %d (%d cands, self %v, n %d, %+v, loc %v)", round, len(cands), self, n, cfg, loc != nil)
		cfg.Rand = rand.New(rand.NewPCG(uint64(round), 9))
		a.Reset(loc, self.Addr(), cfg)
		want := slices.Clone(pickEach(&a, cands, skip, omit, n))
		cfg.Rand = rand.New(rand.NewPCG(uint64(round), 9))
		b.Reset(loc, self.Addr(), cfg)
		got := b.PickSorted4(cands, skip, omit, n)
		checkSortedPicks(t, name, cands, got, skip, omit, n, cfg)
		if len(got) != len(want) {
			t.Fatalf("%s: %d picks, Add and Pick give %d", name, len(got), len(want))
		}
		if cfg.Off || loc != nil || !self.Addr().Is4() || len(want) == 0 {
			if !slices.Equal(got, want) {
				t.Fatalf("%s: picks %v, Add and Pick give %v", name, got, want)
			}
			continue
		}
		quota := map[int32]bool{}
		for _, i := range a.quota {
			quota[a.cs[i].idx] = true
		}
		s4 := uint32(Key4(self.Addr().As4(), 0, 0) >> 32)
		for k := range got {
			if quota[want[k]] {
				if got[k] != want[k] {
					t.Fatalf("%s: position %d is quota pick %v, Add and Pick give %v", name, k, unkey4(cands[got[k]]), unkey4(cands[want[k]]))
				}
				continue
			}
			pg := bits.LeadingZeros32(uint32(cands[got[k]]>>32) ^ s4)
			pw := bits.LeadingZeros32(uint32(cands[want[k]]>>32) ^ s4)
			if pg != pw {
				t.Fatalf("%s: position %d has prefix %d (%v), Add and Pick give %d (%v)", name, k, pg, unkey4(cands[got[k]]), pw, unkey4(cands[want[k]]))
			}
		}
	}
}

// checkSortedPicks checks what every list must be: positions of distinct,
// unskipped, unomitted addresses within the caps and n.
func checkSortedPicks(t *testing.T, name string, cands []uint64, got []int32, skip uint16, omit netip.AddrPort, n int, cfg RankConfig) {
	t.Helper()
	if len(got) > n {
		t.Fatalf("%s: %d picks", name, len(got))
	}
	seen := map[netip.AddrPort]bool{}
	perNet := map[uint64]int{}
	for _, i := range got {
		c := cands[i]
		ap := unkey4(c)
		if seen[ap] || uint16(c)&skip != 0 || ap == omit {
			t.Fatalf("%s: picked %v (flags %d) twice, skipped or omitted: %v", name, ap, uint16(c), got)
		}
		seen[ap] = true
		perNet[c>>40]++
		if m := cfg.maxPerNet(); m > 0 && perNet[c>>40] > m {
			t.Fatalf("%s: more than %d peers from the /24 of %v", name, m, ap)
		}
	}
}

// TestPickSorted4Uniform: within a class, and in the quota, every
// candidate is equally likely to come first.
func TestPickSorted4Uniform(t *testing.T) {
	var cands []uint64
	for p := range 10 { // one class: same /24 as self, prefix 29
		cands = append(cands, Key4([4]byte{127, 1, 0, 5}, uint16(1+p), 0))
	}
	for a := range 10 { // other /24s, other classes
		cands = append(cands, Key4([4]byte{127, byte(2 + a), 0, 1}, 1, 0))
	}
	slices.Sort(cands)
	rng := newRand()
	var r Ranker
	first := make([]int, 10)
	quota := make([]int, 10)
	for range 20000 {
		r.Reset(nil, addr("127.1.0.1"), RankConfig{Rand: rng, MaxPerNet: -1})
		got := r.PickSorted4(cands, 0, netip.AddrPort{}, 4)
		if len(got) != 4 || got[0] >= 10 || got[3] < 10 {
			t.Fatalf("got %v", got)
		}
		first[got[0]]++
		quota[got[3]-10]++
	}
	if x := chiSquare(first); x > chi9 {
		t.Errorf("first position not uniform: chi² = %.1f, counts %v", x, first)
	}
	if x := chiSquare(quota); x > chi9 {
		t.Errorf("quota pick not uniform: chi² = %.1f, counts %v", x, quota)
	}
}

// TestPickSorted4Order: the documented order on a small swarm: same /24
// first, then longer common prefixes, every 4th a remote quota pick.
func TestPickSorted4Order(t *testing.T) {
	cands := []uint64{
		Key4([4]byte{127, 1, 0, 5}, 1, 0),   // same /24
		Key4([4]byte{127, 1, 0, 6}, 1, 0),   // same /24
		Key4([4]byte{127, 1, 7, 1}, 1, 0),   // prefix 21
		Key4([4]byte{127, 1, 200, 1}, 1, 0), // prefix 16
		Key4([4]byte{127, 3, 0, 1}, 1, 0),   // prefix 14
		Key4([4]byte{127, 9, 0, 1}, 1, 0),   // prefix 12
		Key4([4]byte{127, 200, 0, 1}, 1, 0), // prefix 8
	}
	var r Ranker
	for seed := range uint64(50) {
		r.Reset(nil, addr("127.1.0.1"), RankConfig{Rand: rand.New(rand.NewPCG(seed, 1))})
		got := r.PickSorted4(cands, 0, netip.AddrPort{}, len(cands))
		if len(got) != len(cands) {
			t.Fatalf("seed %d: %v", seed, got)
		}
		// q = ceil(0.25·7) = 2 quota picks at positions 2 and 6; the rest nearest first.
		if got[0] > 1 || got[1] > 1 || got[2] < 2 || got[6] < 2 {
			t.Fatalf("seed %d: %v", seed, got)
		}
		var near []int32
		for k, i := range got {
			if k != 2 && k != 6 {
				near = append(near, i)
			}
		}
		if slices.Sort(near[:2]); !slices.IsSorted(near) { // 0 and 1 tie (prefix 29)
			t.Fatalf("seed %d: nearness picks %v out of order", seed, near)
		}
	}
}

// TestPickSorted4AllocationFree: a reused Ranker ranks without allocating.
func TestPickSorted4AllocationFree(t *testing.T) {
	cands := sortedCands(newRand(), 100)
	var r Ranker
	cfg := RankConfig{Rand: newRand()}
	self := unkey4(cands[40])
	r.Reset(nil, self.Addr(), cfg)
	r.PickSorted4(cands, 1, self, 50)
	allocs := testing.AllocsPerRun(100, func() {
		r.Reset(nil, self.Addr(), cfg)
		r.PickSorted4(cands, 1, self, 50)
	})
	if allocs != 0 {
		t.Errorf("PickSorted4 allocates %v times", allocs)
	}
}

// BenchmarkPickSorted4 is BenchmarkRanker's swarm given sorted.
func BenchmarkPickSorted4(b *testing.B) {
	var cands []uint64
	for k := range 100 {
		cands = append(cands, Key4([4]byte{127, 10, byte(k % 8), 1}, uint16(10000+k), 0))
	}
	slices.Sort(cands)
	self := addrPort("127.10.0.1:10008")
	var r Ranker
	cfg := RankConfig{Rand: newRand()}
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(nil, self.Addr(), cfg)
		if len(r.PickSorted4(cands, 0, self, 50)) != 50 {
			b.Fatal("short list")
		}
	}
}

// FuzzPickSorted4: on any sorted IPv4 candidates (fuzzCands' IPv4 ones,
// with fuzzed flags), any self, skip, omit, caps and share, PickSorted4
// returns what every list must be (checkSortedPicks) and as many picks,
// with as many in self's /24, as Add and Pick on the same seed.
func FuzzPickSorted4(f *testing.F) {
	f.Add(uint64(1), uint8(20), uint8(0), int8(0), uint16(1), false, []byte("\x00\x01\x00\x01\x00\x00\x01\x00\x02\x01\x03\x00\x00\x02\x02\x7f\x01\x00\x02\x00\x01"))
	f.Add(uint64(7), uint8(3), uint8(255), int8(-1), uint16(0), false, bytes.Repeat([]byte("\x00\x02\x01\x05\x00\x00\x01"), 9))
	f.Add(uint64(9), uint8(8), uint8(40), int8(2), uint16(3), true, bytes.Repeat([]byte("\x02\x01\x01\x01\x01\x00\x01\x00\x03\x00\x02\x00\x00\x02"), 4))
	f.Fuzz(func(t *testing.T, seed uint64, n8, share8 uint8, maxNet int8, skip uint16, off bool, data []byte) {
		var cands []uint64
		for i, c := range fuzzCands(data) {
			if a := c.Addr().Unmap(); a.Is4() {
				cands = append(cands, Key4(a.As4(), c.Port(), uint16(i)&3))
			}
		}
		slices.SortStableFunc(cands, func(a, b uint64) int { return cmp.Compare(a>>16, b>>16) })
		self := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, 0, 1}), 1)
		if len(cands) > 0 && seed%3 == 0 {
			self = unkey4(cands[int(seed/3)%len(cands)])
		}
		omit := self
		if seed%5 == 0 {
			omit = netip.AddrPort{}
		}
		n := int(n8 % 64)
		cfg := RankConfig{RemoteShare: float64(share8) / 128, MaxPerNet: int(maxNet), Off: off}
		var a, b Ranker
		cfg.Rand = rand.New(rand.NewPCG(seed, 2))
		a.Reset(nil, self.Addr(), cfg)
		want := pickEach(&a, cands, skip, omit, n)
		cfg.Rand = rand.New(rand.NewPCG(seed, 2))
		b.Reset(nil, self.Addr(), cfg)
		got := b.PickSorted4(cands, skip, omit, n)
		checkSortedPicks(t, "fuzz", cands, got, skip, omit, n, cfg)
		inNet := func(ps []int32) (k int) {
			for _, i := range ps {
				if uint32(cands[i]>>40) == uint32(Key4(self.Addr().As4(), 0, 0)>>40) {
					k++
				}
			}
			return k
		}
		if len(got) != len(want) || inNet(got) != inNet(want) {
			t.Fatalf("%d picks, %d in self's /24; Add and Pick give %d, %d", len(got), inNet(got), len(want), inNet(want))
		}
	})
}
