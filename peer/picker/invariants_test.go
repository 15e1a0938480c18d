package picker

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

// newRand is the seeded source every test uses.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// newPicker builds a picker of n pieces of pieceLen bytes (the last one
// total-(n-1)*pieceLen) and fails the test on error.
func newPicker(t testing.TB, cfg Config) *Picker {
	t.Helper()
	if cfg.Rand == nil {
		cfg.Rand = newRand()
	}
	if cfg.TotalLength == 0 {
		cfg.TotalLength = int64(cfg.NumPieces) * cfg.PieceLength
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func bits(n int, set ...int) *bitfield.Bitfield {
	bf := bitfield.New(n)
	for _, i := range set {
		bf.Set(i)
	}
	return &bf
}

// verify checks every internal invariant of the picker.
func (p *Picker) verify() error {
	if len(p.arr) != p.n || len(p.pos) != p.n {
		return fmt.Errorf("arr/pos length %d/%d", len(p.arr), len(p.pos))
	}
	if len(p.ends) != p.removedKey()+1 || int(p.ends[len(p.ends)-1]) != p.n {
		return fmt.Errorf("ends length %d (width %d), last %d", len(p.ends), p.width, p.ends[len(p.ends)-1])
	}
	k := 0
	for i, v := range p.arr {
		if int(p.pos[v]) != i {
			return fmt.Errorf("pos[%d] = %d, want %d", v, p.pos[v], i)
		}
		for int(p.ends[k]) <= i {
			k++
		}
		if got := p.key(int(v)); got != k {
			return fmt.Errorf("piece %d at %d in bucket %d, key %d (avail %d prio %d have %v)", v, i, k, got, p.avail[v], p.prio[v], p.have[v])
		}
		if k > 0 && p.ends[k-1] > p.ends[k] {
			return fmt.Errorf("ends not monotonic at %d", k)
		}
		if p.wanted(int(v)) && int(p.avail[v]) >= p.width {
			return fmt.Errorf("piece %d avail %d >= width %d", v, p.avail[v], p.width)
		}
	}
	haves, wm, unreq := 0, 0, 0
	for i := range p.n {
		if p.avail[i] < 0 {
			return fmt.Errorf("piece %d availability %d", i, p.avail[i])
		}
		if p.have[i] {
			haves++
		}
		if p.wanted(i) {
			wm++
		}
		if p.hasUnreq(i) {
			unreq++
		}
	}
	if haves != p.haveCount || wm != p.wantedMissing || unreq != p.unreqPieces {
		return fmt.Errorf("counters have %d/%d wantedMissing %d/%d unreq %d/%d", p.haveCount, haves, p.wantedMissing, wm, p.unreqPieces, unreq)
	}
	out := map[PeerID]int{}
	nparts := 0
	for i, pt := range p.parts {
		if pt == nil {
			continue
		}
		nparts++
		if pt.piece != i || p.active[pt.idx] != pt {
			return fmt.Errorf("partial of piece %d misfiled", i)
		}
		if p.have[i] {
			return fmt.Errorf("had piece %d has block state", i)
		}
		if pt.nblocks != p.BlocksIn(i) {
			return fmt.Errorf("piece %d nblocks %d", i, pt.nblocks)
		}
		unr, req, rec := 0, 0, 0
		for b := range pt.nblocks {
			rs := pt.requesters(b, p.maxDup)
			if len(rs) > p.maxDup {
				return fmt.Errorf("block %d/%d outstanding %d times", i, b, len(rs))
			}
			seen := map[PeerID]bool{}
			for _, r := range rs {
				if seen[r] {
					return fmt.Errorf("block %d/%d requested twice from peer %d", i, b, r)
				}
				seen[r] = true
				out[r]++
			}
			req += len(rs)
			if pt.recv[b] {
				rec++
				if len(rs) > 0 {
					return fmt.Errorf("block %d/%d received and outstanding", i, b)
				}
			} else if len(rs) == 0 {
				unr++
				if b < pt.hint {
					return fmt.Errorf("piece %d hint %d past unrequested block %d", i, pt.hint, b)
				}
			}
		}
		if unr != pt.unrequested || req != pt.requested || rec != pt.received {
			return fmt.Errorf("piece %d counts unreq %d/%d req %d/%d recv %d/%d", i, pt.unrequested, unr, pt.requested, req, pt.received, rec)
		}
		if req == 0 && rec == 0 {
			return fmt.Errorf("idle block state kept for piece %d", i)
		}
	}
	if nparts != len(p.active) {
		return fmt.Errorf("%d partials, %d active", nparts, len(p.active))
	}
	for id, ps := range p.peers {
		if ps.outstanding != out[id] {
			return fmt.Errorf("peer %d outstanding %d, counted %d", id, ps.outstanding, out[id])
		}
		if ps.outstanding == 0 && !ps.parole {
			return fmt.Errorf("idle peer %d kept", id)
		}
	}
	for id, n := range out {
		if p.Outstanding(id) != n {
			return fmt.Errorf("peer %d outstanding %d, counted %d", id, p.Outstanding(id), n)
		}
	}
	return nil
}

func mustVerify(t testing.TB, p *Picker) {
	t.Helper()
	if err := p.verify(); err != nil {
		t.Fatal(err)
	}
}

func newSeeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 2)) }
