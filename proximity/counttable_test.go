package proximity

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestCountTable checks the table against a map, across resets (including
// a wrapped generation) and with keys that collide in their home slot.
func TestCountTable(t *testing.T) {
	var tab countTable
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 300 {
		n := 1 + r.IntN(200)
		tab.reset(n)
		if round == 150 {
			tab.gen = ^uint32(0) // the next reset wraps
		}
		want := map[uint64]int32{}
		for range n {
			k := r.Uint64N(uint64(n)) << 40 // few distinct keys, same low bits
			if r.IntN(4) == 0 {
				k = 0
			}
			if len(want) < n || want[k] > 0 {
				tab.add(k)
				want[k]++
			}
		}
		for k, c := range want {
			if got := tab.get(k); got != c {
				t.Fatalf("round %d: key %x counted %d, want %d", round, k, got, c)
			}
		}
		if got := tab.get(1); want[1] == 0 && got != 0 {
			t.Fatalf("round %d: absent key counted %d", round, got)
		}
	}
}

// TestSortKeyOrder: the class decides first, then a known RTT (smaller
// first) before an unknown one; the position comes back out of the key.
func TestSortKeyOrder(t *testing.T) {
	type cand struct {
		rankCand
		tie uint64
	}
	mk := func(d Distance, tie uint64) cand {
		return cand{rankCand{score: d.score()}, tie}
	}
	cs := []cand{
		mk(Distance{Prefix: 8}, ^uint64(0)),                               // 0: far, unknown RTT, big tie
		mk(Distance{Prefix: 8, RTT: 50 * time.Millisecond}, 0),            // 1: far, slow
		mk(Distance{Prefix: 8, RTT: time.Millisecond}, 0),                 // 2: far, fast
		mk(Distance{SameASN: true, Prefix: 16}, 0),                        // 3: same AS
		mk(Distance{SameNet: true, SameASN: true, Prefix: 24}, 1),         // 4: same net
		mk(Distance{SameNet: true, SameASN: true, Prefix: 24, RTT: 1}, 0), // 5: same net, RTT known
	}
	var keys []uint64
	for i := range cs {
		keys = append(keys, cs[i].sortKey(i, cs[i].tie))
	}
	slices.Sort(keys)
	var got []uint64
	for k := len(keys) - 1; k >= 0; k-- {
		got = append(got, keys[k]&atMask)
	}
	if want := []uint64{5, 4, 3, 2, 1, 0}; !slices.Equal(got, want) {
		t.Fatalf("nearest-first order %v, want %v", got, want)
	}
}
