package tracker

import (
	"math/rand/v2"
	"net/netip"
	"sync"

	"github.com/shoal-p2p/shoal/proximity"
	"github.com/shoal-p2p/shoal/tracker/store"
)

// picker is an announce's working memory, reused across announces: it
// ranks the candidates for the requester (a store.Picker, so that a store
// can offer them straight from its swarm) and holds the store's view.
//
// proximity ranking orders them same /24 (/48) first, which puts other
// clients behind the requester's own NAT first, then same ASN, then
// longest common prefix, with its share of random remote peers and
// per-net caps; with Rank.Off, a uniform sample. The requester itself is
// never a candidate.
type picker struct {
	r    proximity.Ranker
	rng  *rand.Rand
	self netip.AddrPort
	n    int
	view []store.Peer
}

var _ store.SortedPicker4 = (*picker)(nil)

var pickers = sync.Pool{New: func() any {
	return &picker{rng: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}}

// reset readies p to choose up to n peers for the requester at self.
func (p *picker) reset(loc proximity.Locator, self netip.AddrPort, n int, cfg proximity.RankConfig) {
	cfg.Rand = p.rng
	p.r.Reset(loc, self.Addr(), cfg)
	p.self, p.n = self, n
}

// Add implements store.Picker.
func (p *picker) Add(a netip.AddrPort, ref int32) {
	if a == p.self {
		return // never the requester, even under another peer id
	}
	p.r.Add(a, 0, ref)
}

// AddIPv4 implements store.Picker4.
func (p *picker) AddIPv4(ip [4]byte, port uint16, ref int32) {
	if port == p.self.Port() && p.self.Addr().Is4() && ip == p.self.Addr().As4() {
		return // never the requester, even under another peer id
	}
	p.r.AddIPv4(ip, port, ref)
}

// PickSorted4 implements store.SortedPicker4: the ranker takes the sorted
// set whole, leaving out the seeders when asked and the requester by its
// address, which is the store's entry self.
func (p *picker) PickSorted4(ps []uint64, self int, noSeeders bool) []int32 {
	var skip uint16
	if noSeeders {
		skip = store.Seeder4
	}
	if self >= 0 && (!p.self.Addr().Is4() || ps[self]>>16 != store.Pack4(p.self.Addr().As4(), p.self.Port(), false)>>16) {
		// The store's entry for the requester is not at its address:
		// offer the others one by one.
		for i, v := range ps {
			if a, seeder := store.Unpack4(v); i != self && !(noSeeders && seeder) {
				p.AddIPv4(a.Addr().As4(), a.Port(), int32(i))
			}
		}
		return p.Pick()
	}
	return p.r.PickSorted4(ps, skip, p.self, p.n)
}

// Pick implements store.Picker.
func (p *picker) Pick() []int32 { return p.r.Pick(p.n) }

// choose appends to out[:0] (allocating when out is nil) the peers of the
// store's view v for the client: v.Peers as they are when the store let p
// pick them, else p's choice among them. The result never shares memory
// with p.
func (p *picker) choose(v store.View, out []store.Peer) []store.Peer {
	if out == nil {
		out = make([]store.Peer, 0, min(p.n, len(v.Peers)))
	}
	out = out[:0]
	if p.n == 0 || len(v.Peers) == 0 {
		return out
	}
	if v.Picked {
		return append(out, v.Peers...)
	}
	for i, c := range v.Peers {
		p.Add(c.Addr, int32(i))
	}
	for _, i := range p.Pick() {
		out = append(out, v.Peers[i])
	}
	return out
}
