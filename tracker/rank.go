package tracker

import (
	"math/rand/v2"
	"net/netip"
	"sync"

	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tracker/store"
)

// chooseBufs is choose's working memory, reused across announces.
type chooseBufs struct {
	addrs []netip.AddrPort
	idx   []int
}

var chooseScratch = sync.Pool{New: func() any { return new(chooseBufs) }}

var rngPool = sync.Pool{New: func() any { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }}

// choose picks up to n of cands for the requester at self, never the
// requester itself: proximity.Rank orders them — same /24 (/48) first, which
// puts other clients behind the requester's own NAT first, then same ASN,
// then longest common prefix — with its share of random remote peers and
// per-net caps; with Rank.Off, a uniform sample.
func (t *Tracker) choose(self netip.AddrPort, cands []store.Peer, n int) []store.Peer {
	if n == 0 || len(cands) == 0 {
		return nil
	}
	sc := chooseScratch.Get().(*chooseBufs)
	defer chooseScratch.Put(sc)
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
		return nil
	}
	cfg := t.cfg.Rank
	rng := rngPool.Get().(*rand.Rand)
	cfg.Rand = rng
	ranked := proximity.Rank(t.cfg.Locator, self.Addr(), addrs, nil, n, cfg)
	rngPool.Put(rng)
	out := make([]store.Peer, 0, len(ranked))
	for _, r := range ranked {
		out = append(out, cands[idx[r.Index]])
	}
	return out
}
