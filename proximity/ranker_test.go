package proximity

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// TestRankerLikeRank: the same candidates offered one at a time under the
// caller's refs give Rank's list (same seed), refs in place of indices;
// invalid addresses are skipped, and a Ranker is reusable.
func TestRankerLikeRank(t *testing.T) {
	loc := LoopbackTable(16)
	self := addr("127.1.0.1")
	cands := append(candGrid([]int{1, 2, 3}, 4, 5), netip.AddrPort{}, addrPort("[2001:db8::1]:1"))
	var r Ranker
	for round, off := range []bool{false, true, false} {
		want := Rank(loc, self, cands, nil, 25, RankConfig{Rand: rand.New(rand.NewPCG(7, uint64(round))), Off: off})
		r.Reset(loc, self, RankConfig{Rand: rand.New(rand.NewPCG(7, uint64(round))), Off: off})
		for i, c := range cands {
			r.Add(c, 0, int32(1000+i))
		}
		got := r.Pick(25)
		if len(got) != len(want) {
			t.Fatalf("round %d: %d picks, Rank gives %d", round, len(got), len(want))
		}
		for i := range got {
			if int(got[i])-1000 != want[i].Index {
				t.Fatalf("round %d, position %d: ref %d, Rank gives index %d", round, i, got[i], want[i].Index)
			}
		}
	}
}

// TestRankerTies: candidates equally near come in a different order for
// different seeds (the tie-breakers are random), and in the same order for
// the same seed.
func TestRankerTies(t *testing.T) {
	cands := candGrid([]int{5}, 1, 20) // one /24, all as near as each other but for the prefix
	var r Ranker
	order := func(seed uint64) []int32 {
		r.Reset(nil, addr("127.9.0.1"), RankConfig{Rand: rand.New(rand.NewPCG(seed, 0)), MaxPerNet: -1})
		for i, c := range cands {
			r.Add(c, 0, int32(i))
		}
		return append([]int32(nil), r.Pick(20)...)
	}
	firsts := map[int32]bool{}
	for seed := range uint64(40) {
		a, b := order(seed), order(seed)
		if len(a) != 20 || !slices.Equal(a, b) {
			t.Fatalf("seed %d: %v then %v", seed, a, b)
		}
		firsts[a[0]] = true
	}
	if len(firsts) < 5 {
		t.Fatalf("40 seeds put only %d distinct candidates first", len(firsts))
	}
}

// BenchmarkRanker is the tracker's ranking of a 100-peer swarm: 99
// candidates from 8 /24s (12 or 13 each, the requester's /24 included),
// numwant 50.
func BenchmarkRanker(b *testing.B) {
	var cands []netip.AddrPort
	for k := range 100 {
		if k != 8 {
			cands = append(cands, netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 10, byte(k % 8), 1}), uint16(10000+k)))
		}
	}
	self := addr("127.10.0.1")
	var r Ranker
	cfg := RankConfig{Rand: newRand()}
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(nil, self, cfg)
		for i, c := range cands {
			r.Add(c, 0, int32(i))
		}
		if len(r.Pick(50)) != 50 {
			b.Fatal("short list")
		}
	}
}

// TestRankTiesUniform: without RTTs, candidates of one class come in
// uniformly random order.
func TestRankTiesUniform(t *testing.T) {
	var cands []netip.AddrPort
	for p := range 10 {
		cands = append(cands, netip.AddrPortFrom(addr("127.1.0.5"), uint16(1+p))) // one class: same /24, prefix 29
	}
	rng := newRand()
	first := make([]int, len(cands))
	for range 20000 {
		rs := Rank(nil, addr("127.1.0.1"), cands, nil, 3, RankConfig{Rand: rng, MaxPerNet: -1})
		if len(rs) != 3 || rs[0].Class != ClassSameNet {
			t.Fatalf("got %v", rs)
		}
		first[rs[0].Index]++
	}
	if x := chiSquare(first); x > chi9 {
		t.Errorf("first position not uniform: chi² = %.1f, counts %v", x, first)
	}
}

// TestRankerAddIPv4LikeAdd: offering IPv4 candidates as bytes gives the
// same picks as offering them as addresses (same seed), with a table, with
// another Locator and with none, proximity on and off.
func TestRankerAddIPv4LikeAdd(t *testing.T) {
	cands := candGrid([]int{1, 2, 3, 7}, 5, 6)
	locs := []Locator{nil, LoopbackTable(16), locatorFunc(func(a netip.Addr) ASN { return ASN(64496 + int(a.As4()[1])%3) })}
	for li, loc := range locs {
		for _, off := range []bool{false, true} {
			var a, b Ranker
			for seed := range uint64(20) {
				cfg := RankConfig{Off: off, MaxPerASN: 30}
				cfg.Rand = rand.New(rand.NewPCG(seed, 1))
				a.Reset(loc, addr("127.2.0.1"), cfg)
				cfg.Rand = rand.New(rand.NewPCG(seed, 1))
				b.Reset(loc, addr("127.2.0.1"), cfg)
				for i, c := range cands {
					a.Add(c, 0, int32(i))
					b.AddIPv4(c.Addr().As4(), c.Port(), int32(i))
				}
				want, got := slices.Clone(a.Pick(40)), b.Pick(40)
				if len(want) != 40 || !slices.Equal(got, want) {
					t.Fatalf("locator %d, off %v, seed %d: AddIPv4 picks %v, Add picks %v", li, off, seed, got, want)
				}
			}
		}
	}
}

// locatorFunc is a Locator that is not a *Table.
type locatorFunc func(netip.Addr) ASN

func (f locatorFunc) ASN(a netip.Addr) ASN { return f(a) }
