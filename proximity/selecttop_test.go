package proximity

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSelectLargest(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 2000 {
		n := r.IntN(300)
		a := make([]uint64, n)
		for i := range a {
			a[i] = r.Uint64N(uint64(1 + r.IntN(50))) // many duplicates
		}
		k := r.IntN(n + 2)
		want := slices.Clone(a)
		slices.Sort(want)
		selectLargest(a, k)
		if k > 0 && k < n {
			got := slices.Clone(a[n-k:])
			slices.Sort(got)
			if !slices.Equal(got, want[n-k:]) {
				t.Fatalf("round %d: n=%d k=%d: top %v, want %v", round, n, k, got, want[n-k:])
			}
		}
		slices.Sort(a)
		if !slices.Equal(a, want) {
			t.Fatalf("round %d: elements changed", round)
		}
	}
}
