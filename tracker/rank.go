package tracker

import (
	"math/rand/v2"
	"net/netip"
	"sync"

	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tracker/store"
)

// chooseBufs is an announce's working memory, reused across announces:
// the store's candidates, their addresses and positions, and the ranking.
type chooseBufs struct {
	view   []store.Peer
	addrs  []netip.AddrPort
	idx    []int
	ranked []proximity.Ranked
}

var chooseScratch = sync.Pool{New: func() any { return new(chooseBufs) }}

var rngPool = sync.Pool{New: func() any { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }}

// choose appends to out[:0] (allocating when out is nil) up to n of cands
// for the requester at self, never the requester itself: proximity.Rank
// orders them — same /24 (/48) first, which puts other clients behind the
// requester's own NAT first, then same ASN, then longest common prefix —
// with its share of random remote peers and per-net caps; with Rank.Off, a
// uniform sample. The result never shares memory with sc.
func (t *Tracker) choose(sc *chooseBufs, self netip.AddrPort, cands []store.Peer, n int, out []Peer) []Peer {
	if n == 0 || len(cands) == 0 {
		return out[:0]
	}
	addrs, idx := sc.addrs[:0], sc.idx[:0]
	defer func() { sc.addrs, sc.idx = addrs, idx }()
	for i, c := range cands {
		if c.Addr == self {
			continue // never the requester, even under another peer id
		}
		addrs = append(addrs, c.Addr)
		idx = append(idx, i)
	}
	if len(addrs) == 0 {
		return out[:0]
	}
	cfg := t.cfg.Rank
	rng := rngPool.Get().(*rand.Rand)
	cfg.Rand = rng
	sc.ranked = proximity.RankInto(sc.ranked, t.cfg.Locator, self.Addr(), addrs, nil, n, cfg)
	rngPool.Put(rng)
	if out == nil {
		out = make([]Peer, 0, len(sc.ranked))
	}
	out = out[:0]
	for _, r := range sc.ranked {
		out = append(out, cands[idx[r.Index]])
	}
	return out
}
