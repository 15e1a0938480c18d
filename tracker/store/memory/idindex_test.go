package memory

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// TestIDIndex puts and removes random peers in a set and checks after every
// step that the index finds exactly the peers present, at their positions.
// A tiny id space makes ids come back after removal, and key 0 plus ids
// that differ in one byte exercise long probe runs.
func TestIDIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, key := range []uint64{0, rng.Uint64()} {
		ps := peerSet{v4: true, key: key}
		model := map[store.PeerID]bool{}
		idOf := func(n int) store.PeerID {
			var id store.PeerID
			id[19] = byte(n)
			id[0] = byte(n >> 8)
			return id
		}
		for step := range 20000 {
			n := rng.IntN(600)
			id := idOf(n)
			if rng.IntN(3) == 0 {
				_, ok := ps.remove(id)
				if ok != model[id] {
					t.Fatalf("step %d: remove %d: found %v, model %v", step, n, ok, model[id])
				}
				delete(model, id)
			} else {
				ip := netip.AddrFrom4([4]byte{10, 0, byte(n >> 8), byte(n)}).As16()
				existed, _, _ := ps.put(entry{id: id, ip: ip, port: uint16(n)})
				if existed != model[id] {
					t.Fatalf("step %d: put %d: existed %v, model %v", step, n, existed, model[id])
				}
				model[id] = true
			}
			if step%97 != 0 {
				continue
			}
			if ps.len() != len(model) || ps.index.n != len(model) {
				t.Fatalf("step %d: %d peers, index counts %d, model %d", step, ps.len(), ps.index.n, len(model))
			}
			for i := range ps.len() {
				if got := ps.index.get(&ps.cold[i].id, key, ps.cold); got != int32(i) {
					t.Fatalf("step %d: peer at %d indexed at %d", step, i, got)
				}
				if a := ps.addrPort(i); a.Port() != uint16(a.Addr().As4()[3])|uint16(a.Addr().As4()[2])<<8 {
					t.Fatalf("step %d: peer at %d has address %v", step, i, a)
				}
			}
			for m := range 600 {
				id := idOf(m)
				if got := ps.index.get(&id, key, ps.cold); (got >= 0) != model[id] {
					t.Fatalf("step %d: id %d found at %d, model %v", step, m, got, model[id])
				}
			}
		}
	}
}
