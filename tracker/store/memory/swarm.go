package memory

import (
	"math/rand/v2"
	"net/netip"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// entry is one peer, packed.
type entry struct {
	id     store.PeerID
	ip     [16]byte // IPv4 as ::ffff:a.b.c.d
	port   uint16
	seeder bool
	seen   uint32 // seconds since the store's epoch
}

func (e *entry) peer(v4 bool) store.Peer {
	return store.Peer{ID: e.id, Addr: e.addrPort(v4), Seeder: e.seeder}
}

func (e *entry) addrPort(v4 bool) netip.AddrPort {
	if v4 {
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(e.ip[12:])), e.port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(e.ip), e.port)
}

// peerSet is one address family's peers: a flat slice for cheap sampling
// and an index from peer id to position.
type peerSet struct {
	v4    bool
	list  []entry
	index map[store.PeerID]int32
}

// put inserts or replaces e and returns the entry it replaced and e's
// position.
func (ps *peerSet) put(e entry) (old entry, existed bool, at int) {
	if ps.index == nil {
		ps.index = make(map[store.PeerID]int32)
	}
	if i, ok := ps.index[e.id]; ok {
		old = ps.list[i]
		ps.list[i] = e
		return old, true, int(i)
	}
	at = len(ps.list)
	ps.index[e.id] = int32(at)
	ps.list = append(ps.list, e)
	return entry{}, false, at
}

func (ps *peerSet) remove(id store.PeerID) (entry, bool) {
	i, ok := ps.index[id]
	if !ok {
		return entry{}, false
	}
	e := ps.list[i]
	ps.removeAt(int(i))
	return e, true
}

func (ps *peerSet) removeAt(i int) {
	delete(ps.index, ps.list[i].id)
	last := len(ps.list) - 1
	if i != last {
		ps.list[i] = ps.list[last]
		ps.index[ps.list[i].id] = int32(i)
	}
	ps.list[last] = entry{}
	ps.list = ps.list[:last]
	ps.shrink()
}

// shrink gives memory back after a swarm loses most of its peers.
func (ps *peerSet) shrink() {
	if n := len(ps.list); cap(ps.list) > 64 && n < cap(ps.list)/4 {
		ps.list = append(make([]entry, 0, 2*n), ps.list...)
		idx := make(map[store.PeerID]int32, n)
		for i := range ps.list {
			idx[ps.list[i].id] = int32(i)
		}
		ps.index = idx
	}
	if len(ps.list) == 0 {
		ps.list, ps.index = nil, nil
	}
}

func (ps *peerSet) removeIf(drop func(*entry) bool) {
	for i := 0; i < len(ps.list); {
		if drop(&ps.list[i]) {
			ps.removeAt(i)
			continue
		}
		i++
	}
}

// sample appends to out the positions of up to want peers other than the
// one at position self (-1: none), leechers only when noSeeders. Small
// sets are returned whole (in list order: the caller ranks or shuffles);
// large ones are sampled uniformly without replacement.
func (ps *peerSet) sample(out []int32, rng *rand.Rand, self int, noSeeders bool, want int) []int32 {
	n := len(ps.list)
	if n == 0 {
		return out
	}
	ok := func(i int) bool { return i != self && !(noSeeders && ps.list[i].seeder) }
	if n <= want+1 {
		// Everyone fits: no need to shuffle.
		for i := range ps.list {
			if ok(i) && len(out) < want {
				out = append(out, int32(i))
			}
		}
		return out
	}
	if n <= 2*want+1 && n <= maxPermOnStack {
		// A partial Fisher–Yates shuffle of the indices, on the stack.
		var perm [maxPermOnStack]int32
		for i := range n {
			perm[i] = int32(i)
		}
		for k := 0; k < n && len(out) < want; k++ {
			j := k + rng.IntN(n-k)
			perm[k], perm[j] = perm[j], perm[k]
			if i := int(perm[k]); ok(i) {
				out = append(out, int32(i))
			}
		}
		return out
	}
	// Random distinct indices with bounded tries, remembered in a bitset
	// (on the stack for up to 64 Ki peers, else a map).
	var small [1024]uint64
	var seen map[int]struct{}
	if n > len(small)*64 {
		seen = make(map[int]struct{}, want)
	}
	for tries := 0; len(out) < want && tries < 4*want; tries++ {
		i := rng.IntN(n)
		if seen == nil {
			if small[i>>6]&(1<<(i&63)) != 0 {
				continue
			}
			small[i>>6] |= 1 << (i & 63)
		} else {
			if _, dup := seen[i]; dup {
				continue
			}
			seen[i] = struct{}{}
		}
		if ok(i) {
			out = append(out, int32(i))
		}
	}
	return out
}

// view appends to out the peers of p's family that an announce returns:
// a sample of p.Want of them (see sample), or what p.Picker picks from
// that sample. picked reports the latter.
func (ps *peerSet) view(out []store.Peer, scratch *[]int32, rng *rand.Rand, self int, p *store.AnnounceParams) (peers []store.Peer, picked bool) {
	idx := ps.sample((*scratch)[:0], rng, self, p.Peer.Seeder, p.Want)
	*scratch = idx
	if p.Picker != nil && len(idx) > 0 {
		for _, i := range idx {
			p.Picker.Add(ps.list[i].addrPort(ps.v4), i)
		}
		idx, picked = p.Picker.Pick(), true
	}
	if out == nil {
		out = make([]store.Peer, 0, len(idx))
	}
	for _, i := range idx {
		if i >= 0 && int(i) < len(ps.list) {
			out = append(out, ps.list[i].peer(ps.v4))
		}
	}
	return out, picked
}

// maxPermOnStack bounds the swarm size that sample shuffles whole.
const maxPermOnStack = 512

// swarm is one torrent's peers, by address family (0: IPv4, 1: IPv6).
type swarm struct {
	fam               [2]peerSet
	seeders, leechers int
	completed         int
	// oldest is at most the smallest seen of any peer (a peer that
	// announces again only raises its own), so expire can skip a swarm
	// where nobody can be stale yet; each sweep makes it exact again.
	oldest uint32
}

func famIndex(a netip.AddrPort) int {
	if a.Addr().Is4() {
		return 0
	}
	return 1
}

func (sw *swarm) counts() store.Counts {
	return store.Counts{Seeders: sw.seeders, Leechers: sw.leechers, Completed: sw.completed}
}

func (sw *swarm) empty() bool { return sw.seeders+sw.leechers == 0 }
