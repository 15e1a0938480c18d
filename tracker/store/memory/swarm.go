package memory

import (
	"math/rand/v2"
	"net/netip"
	"slices"

	"github.com/shoal-p2p/shoal/tracker/store"
)

// entry is one peer as put and remove see it. A peerSet keeps it in two
// parts: what ranking reads of every candidate on every announce (address
// and seeder flag, packed small so that a swarm's candidates share few cache
// lines), and the rest (id and last announce), read for one peer per
// announce and for the few returned peers whose id the client wants.
type entry struct {
	id     store.PeerID
	ip     [16]byte // IPv4 as ::ffff:a.b.c.d
	port   uint16
	seeder bool
	seen   uint32 // seconds since the store's epoch
}

// hot6 is an IPv6 peer's address and seeder flag; an IPv4 peer's are one
// number (store.Pack4).
type hot6 struct {
	ip     [16]byte
	port   uint16
	seeder bool
}

// cold is the rest of a peer.
type cold struct {
	id   store.PeerID
	seen uint32
}

// peerSet is one address family's peers: parallel flat slices (h4 or h6,
// and cold) for cheap sampling, and an index from peer id to position.
// An IPv4 set of up to sortedMax peers is kept sorted by address and port
// (see sorted.go). Its key must be set before the first put.
type peerSet struct {
	v4       bool
	unsorted bool     // an IPv4 set that outgrew sortedMax
	h4       []uint64 // IPv4 sets: store.Pack4
	h6       []hot6   // IPv6 sets
	cold     []cold
	index    idIndex
	key      uint64 // the store's hash key for index
}

func (ps *peerSet) len() int { return len(ps.cold) }

func (ps *peerSet) seeder(i int) bool {
	if ps.v4 {
		return ps.h4[i]&store.Seeder4 != 0
	}
	return ps.h6[i].seeder
}

func (ps *peerSet) addrPort(i int) netip.AddrPort {
	if ps.v4 {
		a, _ := store.Unpack4(ps.h4[i])
		return a
	}
	h := &ps.h6[i]
	return netip.AddrPortFrom(netip.AddrFrom16(h.ip), h.port)
}

func (ps *peerSet) entry(i int) entry {
	e := entry{id: ps.cold[i].id, seen: ps.cold[i].seen, seeder: ps.seeder(i)}
	ap := ps.addrPort(i)
	e.ip, e.port = ap.Addr().As16(), ap.Port()
	return e
}

func (ps *peerSet) set(i int, e entry) {
	ps.cold[i] = cold{id: e.id, seen: e.seen}
	if ps.v4 {
		ps.h4[i] = store.Pack4([4]byte(e.ip[12:]), e.port, e.seeder)
	} else {
		ps.h6[i] = hot6{ip: e.ip, port: e.port, seeder: e.seeder}
	}
}

// put inserts or replaces e and returns whether it replaced a peer, that
// peer's seeder flag, and e's position.
func (ps *peerSet) put(e entry) (existed, oldSeeder bool, at int) {
	i := -1
	if ps.sorted() {
		i = ps.findAt(&e)
	}
	if i < 0 {
		i = int(ps.index.get(&e.id, ps.key, ps.cold))
	}
	if i < 0 {
		return false, false, ps.insert(e)
	}
	oldSeeder = ps.seeder(i)
	if ps.v4 {
		// The common case, a peer announcing again from where it was:
		// only its flag and time change.
		k := store.Pack4([4]byte(e.ip[12:]), e.port, e.seeder)
		if ps.h4[i]>>16 != k>>16 && !ps.unsorted {
			ps.removeAt(i) // it moves in the order
			return true, oldSeeder, ps.insert(e)
		}
		ps.h4[i], ps.cold[i].seen = k, e.seen
		return true, oldSeeder, i
	}
	ps.set(i, e)
	return true, oldSeeder, i
}

// insert adds e, whose id is not in the set, and returns its position.
func (ps *peerSet) insert(e entry) int {
	if ps.sorted() {
		if ps.len() < sortedMax {
			return ps.insertSorted(e)
		}
		ps.unsorted = true
	}
	at := ps.len()
	ps.cold = append(ps.cold, cold{})
	if ps.v4 {
		ps.h4 = append(ps.h4, 0)
	} else {
		ps.h6 = append(ps.h6, hot6{})
	}
	ps.set(at, e)
	ps.index.insert(&e.id, int32(at), ps.key, ps.cold)
	return at
}

func (ps *peerSet) remove(id store.PeerID) (entry, bool) {
	i := ps.index.get(&id, ps.key, ps.cold)
	if i < 0 {
		return entry{}, false
	}
	e := ps.entry(int(i))
	ps.removeAt(int(i))
	return e, true
}

func (ps *peerSet) removeAt(i int) {
	if ps.sorted() {
		ps.removeSorted(i)
		ps.shrink()
		return
	}
	ps.index.delete(&ps.cold[i].id, ps.key, ps.cold)
	last := ps.len() - 1
	if i != last {
		ps.cold[i] = ps.cold[last]
		if ps.v4 {
			ps.h4[i] = ps.h4[last]
		} else {
			ps.h6[i] = ps.h6[last]
		}
		ps.index.move(&ps.cold[i].id, int32(i), ps.key, ps.cold)
	}
	ps.cold = ps.cold[:last]
	if ps.v4 {
		ps.h4 = ps.h4[:last]
	} else {
		ps.h6 = ps.h6[:last]
	}
	ps.shrink()
}

// shrink gives memory back after a swarm loses most of its peers, and
// sorts an IPv4 set again once it is small enough.
func (ps *peerSet) shrink() {
	if n := ps.len(); cap(ps.cold) > 64 && n < cap(ps.cold)/4 {
		ps.cold = append(make([]cold, 0, 2*n), ps.cold...)
		if ps.v4 {
			ps.h4 = append(make([]uint64, 0, 2*n), ps.h4...)
		} else {
			ps.h6 = append(make([]hot6, 0, 2*n), ps.h6...)
		}
		ps.index.rebuild(ps.key, ps.cold)
	}
	if ps.unsorted && ps.len() <= sortedMax/2 {
		ps.sort()
	}
	if ps.len() == 0 {
		ps.h4, ps.h6, ps.cold, ps.index, ps.unsorted = nil, nil, nil, idIndex{}, false
	}
}

// removeIf removes the peers for which drop (given a peer's last announce
// and seeder flag) is true.
func (ps *peerSet) removeIf(drop func(seen uint32, seeder bool) bool) {
	if ps.sorted() {
		ps.removeSortedIf(drop)
		ps.shrink()
		return
	}
	for i := 0; i < ps.len(); {
		if drop(ps.cold[i].seen, ps.seeder(i)) {
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
	n := ps.len()
	if n == 0 {
		return out
	}
	ok := func(i int) bool { return i != self && !(noSeeders && ps.seeder(i)) }
	if n <= want+1 {
		// Everyone fits: no need to shuffle.
		for i := range n {
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

// everyone reports whether want candidates are every peer but self (the
// one at position self, -1: none).
func (ps *peerSet) everyone(self, want int) bool {
	n := ps.len()
	return n <= want || (self >= 0 && n == want+1)
}

// view appends to out the peers of p's family that an announce returns:
// a sample of p.Want of them (see sample), or what p.Picker picks from
// that sample. picked reports the latter; the picks then go in compact
// form to p.Compact instead when it is not nil and p.NoIDs.
func (ps *peerSet) view(out []store.Peer, scratch *[]int32, rng *rand.Rand, self int, p *store.AnnounceParams) (peers []store.Peer, compact []byte, picked bool) {
	var idx []int32
	if sp, ok := p.Picker.(store.SortedPicker4); ok && ps.sorted() && ps.everyone(self, p.Want) {
		// The whole sorted set at once: sample would offer every peer.
		idx, picked = sp.PickSorted4(ps.h4, self, p.Peer.Seeder), true
	} else {
		idx = ps.sample((*scratch)[:0], rng, self, p.Peer.Seeder, p.Want)
		*scratch = idx
		if p.Picker != nil && len(idx) > 0 {
			if p4, ok := p.Picker.(store.Picker4); ok && ps.v4 {
				for _, i := range idx {
					a, _ := store.Unpack4(ps.h4[i])
					p4.AddIPv4(a.Addr().As4(), a.Port(), i)
				}
			} else {
				for _, i := range idx {
					p.Picker.Add(ps.addrPort(int(i)), i)
				}
			}
			idx, picked = p.Picker.Pick(), true
		}
	}
	if picked && p.Compact != nil && p.NoIDs {
		compact = p.Compact
		for _, i := range idx {
			if i >= 0 && int(i) < ps.len() {
				compact = ps.appendCompact(compact, int(i))
			}
		}
		return out, compact, true
	}
	if out == nil {
		out = make([]store.Peer, 0, len(idx))
	}
	for _, i := range idx {
		if i >= 0 && int(i) < ps.len() {
			out = ps.appendPeer(out, int(i), !p.NoIDs)
		}
	}
	return out, nil, picked
}

// appendCompact appends the compact form of the peer at i to b (see
// store.AppendCompact).
func (ps *peerSet) appendCompact(b []byte, i int) []byte {
	if !ps.v4 {
		h := &ps.h6[i]
		b = append(b, h.ip[:]...)
		return append(b, byte(h.port>>8), byte(h.port))
	}
	// A packed peer's top six bytes are its address and port, big-endian.
	v := ps.h4[i]
	return append(b, byte(v>>56), byte(v>>48), byte(v>>40), byte(v>>32), byte(v>>24), byte(v>>16))
}

// appendPeer appends the peer at i to out, its id left zero unless
// withID. It writes the new element in place: a store.Peer built on the stack and copied costs a
// store-forwarding stall per peer.
func (ps *peerSet) appendPeer(out []store.Peer, i int, withID bool) []store.Peer {
	out = slices.Grow(out, 1)
	out = out[:len(out)+1]
	q := &out[len(out)-1]
	if ps.v4 {
		q.Addr, q.Seeder = store.Unpack4(ps.h4[i])
	} else {
		h := &ps.h6[i]
		q.Addr, q.Seeder = netip.AddrPortFrom(netip.AddrFrom16(h.ip), h.port), h.seeder
	}
	if withID {
		q.ID = ps.cold[i].id
	} else {
		q.ID = store.PeerID{}
	}
	return out
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
