package memory

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// TestSortedSet grows an IPv4 set past sortedMax and shrinks it again with
// puts (new peers, peers that move, peers that change flag), removals and
// expiry sweeps, checking after each step that a set not marked unsorted
// is in address and port order, that it is sorted again once small, and
// that the index finds every peer at its position with its own address.
func TestSortedSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ps := peerSet{v4: true, key: rng.Uint64()}
	addrOf := map[store.PeerID]netip.AddrPort{}
	idOf := func(n int) store.PeerID {
		var id store.PeerID
		id[0], id[1], id[19] = byte(n), byte(n>>8), 7
		return id
	}
	check := func(step int) {
		t.Helper()
		if ps.len() != len(addrOf) || ps.index.n != len(addrOf) {
			t.Fatalf("step %d: %d peers, index %d, model %d", step, ps.len(), ps.index.n, len(addrOf))
		}
		if ps.sorted() {
			for i := 1; i < ps.len(); i++ {
				if ps.h4[i-1]>>16 > ps.h4[i]>>16 {
					t.Fatalf("step %d: set of %d out of order at %d", step, ps.len(), i)
				}
			}
		} else if ps.len() <= sortedMax/2 {
			t.Fatalf("step %d: %d peers left unsorted", step, ps.len())
		}
		for i := range ps.len() {
			id := ps.cold[i].id
			if got := ps.index.get(&id, ps.key, ps.cold); got != int32(i) {
				t.Fatalf("step %d: peer at %d indexed at %d", step, i, got)
			}
			if ps.addrPort(i) != addrOf[id] {
				t.Fatalf("step %d: peer at %d has %v, model %v", step, i, ps.addrPort(i), addrOf[id])
			}
		}
	}
	put := func(n int) {
		id := idOf(n)
		a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(rng.IntN(4)), byte(rng.IntN(3)), byte(rng.IntN(4))}), uint16(1+rng.IntN(3)))
		if old, ok := addrOf[id]; ok && rng.IntN(2) == 0 {
			a = old // announcing again from where it was
		}
		_, _, at := ps.put(entry{id: id, ip: a.Addr().As16(), port: a.Port(), seeder: rng.IntN(2) == 0})
		if ps.addrPort(at) != a || ps.cold[at].id != id {
			t.Fatalf("put %d at %v: position %d holds %v", n, a, at, ps.addrPort(at))
		}
		addrOf[id] = a
	}
	step := 0
	for phase, target := range []int{300, sortedMax + 200, 100, sortedMax + 50, 0} {
		for len(addrOf) != target {
			step++
			switch {
			case len(addrOf) < target:
				put(rng.IntN(4000))
			case rng.IntN(20) == 0: // an expiry sweep takes about a tenth
				ps.removeIf(func(uint32, bool) bool { return rng.IntN(10) == 0 })
				for id := range addrOf {
					if ps.index.get(&id, ps.key, ps.cold) < 0 {
						delete(addrOf, id)
					}
				}
			default:
				for id := range addrOf {
					if _, ok := ps.remove(id); !ok {
						t.Fatalf("phase %d: remove found no peer", phase)
					}
					delete(addrOf, id)
					break
				}
			}
			if rng.IntN(4) == 0 {
				for id := range addrOf { // a known peer again: it may move
					put(int(id[0]) | int(id[1])<<8)
					break
				}
			}
			if step%31 == 0 || len(addrOf) == target {
				check(step)
			}
		}
	}
}
