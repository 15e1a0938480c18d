package dht

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func randID(r *rand.Rand) (id [20]byte) {
	for i := range id {
		id[i] = byte(r.UintN(256))
	}
	return id
}

// A simulated network where every node knows every other: the walk must
// end at the true K closest nodes whether it picks by proximity or not,
// and the XOR slot guarantees progress even when "proximity" always
// prefers the farthest candidate.
func TestFrontierConverges(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const N, K = 500, 8
	ids := make([][20]byte, N)
	addrs := make([]netip.AddrPort, N)
	for i := range ids {
		ids[i] = randID(r)
		addrs[i] = netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)}), 1000)
	}
	// A node answers with the three nodes just closer to the target than
	// itself (Kademlia's guarantee that the neighbourhood is known) and the
	// closest of a random quarter of the network (a partial table).
	answer := func(target [20]byte, self [20]byte) [][20]byte {
		all := make([]int, N)
		for i := range all {
			all[i] = i
		}
		sortByDist(all, ids, target)
		out := make([][20]byte, 0, K)
		for p, i := range all {
			if ids[i] == self {
				for q := max(p-3, 0); q < p; q++ {
					out = append(out, ids[all[q]])
				}
			}
		}
		var some []int
		for i := range ids {
			if r.IntN(4) == 0 {
				some = append(some, i)
			}
		}
		sortByDist(some, ids, target)
		for _, i := range some[:K-len(out)] {
			out = append(out, ids[i])
		}
		return out
	}
	index := make(map[[20]byte]int)
	for i, id := range ids {
		index[id] = i
	}
	for trial := range 10 {
		target := randID(r)
		for _, mode := range []string{"xor", "adversarial"} {
			f := newFrontier(target, K, 4, 256)
			for _, i := range r.Perm(N)[:K] {
				f.add(ids[i], addrs[i])
			}
			farthest := func(a, b *candidate) bool { return string(a.dist[:]) > string(b.dist[:]) }
			queries := 0
			for !f.done() && queries < 400 {
				c := f.nextXOR()
				if mode == "adversarial" && queries%3 != 0 {
					c = f.nextNear(farthest, nearSlackBits)
				}
				if c == nil {
					t.Fatal("not done but nothing eligible and nothing in flight")
				}
				f.start(c)
				queries++
				f.finish(c, true, "tok")
				for _, id := range answer(target, c.id) {
					f.add(id, addrs[index[id]])
				}
			}
			all := make([]int, N)
			for i := range all {
				all[i] = i
			}
			sortByDist(all, ids, target)
			got := f.closestReplied(K)
			for k := range K {
				if got[k].id != ids[all[k]] {
					t.Fatalf("trial %d %s: %d-th closest responder is not the true %d-th closest", trial, mode, k, k)
				}
			}
		}
	}
}

func sortByDist(idx []int, ids [][20]byte, target [20]byte) {
	less := func(a, b int) bool {
		da, db := xorDist(ids[a], target), xorDist(ids[b], target)
		return string(da[:]) < string(db[:])
	}
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && less(idx[j], idx[j-1]); j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

func TestFrontierFailedAndCapacity(t *testing.T) {
	target := [20]byte{}
	f := newFrontier(target, 2, 4, 3)
	a := func(i byte) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, i}), 1) }
	f.add([20]byte{0: 1}, a(1))
	f.add([20]byte{0: 2}, a(2))
	f.add([20]byte{0: 3}, a(3))
	if f.add([20]byte{0: 4}, a(4)) {
		t.Fatal("farther candidate added beyond capacity")
	}
	if !f.add([20]byte{0: 0, 1: 1}, a(5)) {
		t.Fatal("closer candidate refused at capacity")
	}
	if f.add([20]byte{0: 9}, a(5)) {
		t.Fatal("duplicate address added")
	}
	c := f.nextXOR()
	f.start(c)
	f.finish(c, false, "")
	// The failed node no longer counts toward K: the third closest is now eligible.
	e := f.eligible(4)
	if len(e) != 2 {
		t.Fatalf("eligible after a failure: %d, want 2", len(e))
	}
}

// A query past its slow limit gives up its place among the k closest, so
// the walk goes on past a dead node instead of stalling until it times
// out; if it answers after all it counts again.
func TestFrontierSlowGivesWay(t *testing.T) {
	var target [20]byte
	a := func(i byte) netip.AddrPort { return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, i}), 1) }
	f := newFrontier(target, 2, 4, 16)
	for i := byte(1); i <= 3; i++ {
		f.add([20]byte{0: i}, a(i))
	}
	c1, c2 := f.nextXOR(), (*candidate)(nil)
	f.start(c1)
	c2 = f.nextXOR()
	f.start(c2)
	if f.nextXOR() != nil {
		t.Fatal("third candidate eligible with k=2 and two in flight")
	}
	f.markSlow(c1)
	c3 := f.nextXOR()
	if c3 == nil || c3.addr != a(3) {
		t.Fatalf("after a slow query: %v, want the third candidate", c3)
	}
	f.start(c3)
	f.finish(c1, true, "t") // the slow one answers after all
	f.finish(c2, true, "t")
	f.finish(c3, true, "t")
	if !f.done() {
		t.Fatal("not done")
	}
	if got := f.closestReplied(2); got[0] != c1 || got[1] != c2 {
		t.Fatal("late answer not counted among the closest")
	}
}
