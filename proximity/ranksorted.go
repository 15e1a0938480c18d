package proximity

import (
	"encoding/binary"
	"math"
	"math/bits"
	"net/netip"
	"slices"
)

// Sorted IPv4 candidates. A tracker holds a small swarm's IPv4 peers in one
// array sorted by address; then the candidates that share at least L
// leading bits with the requester form one contiguous run around the
// requester's place in it, and so does the requester's /24. Walking
// outward from that place meets the classes nearest first, so that
// PickSorted4 needs no per-candidate score, bucket or hash: the nearness
// picks come from a merge of two runs, duplicates are neighbours, and a
// /24 is a run that a counter per run caps.

// Key4 packs an IPv4 candidate for PickSorted4: the address in bits 63–32,
// the port in bits 31–16 and the caller's flags in bits 15–0. Ordering keys
// orders candidates by address, then port.
func Key4(ip [4]byte, port uint16, flags uint16) uint64 {
	return uint64(binary.BigEndian.Uint32(ip[:]))<<32 | uint64(port)<<16 | uint64(flags)
}

// sorted4 is PickSorted4's working memory, reused across rounds.
type sorted4 struct {
	tag   []uint32 // per candidate: its /24's run number, | notFree
	taken []uint64 // bitset: admitted (kept only when there are duplicates)
	count []int32  // per /24 run, peers admitted
	dups  bool     // some candidates share an address and port
}

// notFree marks a candidate's tag: skipped, omitted or taken by the quota.
const notFree = 1 << 31

// PickSorted4 is Add for each of cands, then Pick(n), for IPv4 candidates
// given at once as Key4 values sorted ascending by address and port (flags
// may be in any order): it returns the positions in cands of up to n of
// them, in Rank's order, with Rank's guarantees (quota share, caps, no
// duplicates) and drawn from the same distribution as Add and Pick would
// draw them. Candidates whose flags share a bit with skip are left out, and
// so are those at address and port omit (an invalid omit leaves none out).
// Call it after Reset, instead of Add and Pick; the slice is valid until
// the next Reset.
//
// Without a Locator and with an IPv4 self it runs in a few steps per
// candidate and no ASN lookups; otherwise it adds each candidate and picks
// as Pick does. cands must be sorted: the caps and the duplicate check
// count on a /24's candidates, and a duplicate's, being neighbours.
func (r *Ranker) PickSorted4(cands []uint64, skip uint16, omit netip.AddrPort, n int) []int32 {
	omitKey, omitOK := uint64(0), omit.Addr().Unmap().Is4()
	if omitOK {
		omitKey = Key4(omit.Addr().Unmap().As4(), omit.Port(), 0) >> 16
	}
	if r.loc != nil || !r.selfOK || !r.selfIs4 || len(r.cs) != 0 || len(cands) > maxCandidates {
		for i, c := range cands {
			if uint16(c)&skip == 0 && !(omitOK && c>>16 == omitKey) {
				var ip [4]byte
				binary.BigEndian.PutUint32(ip[:], uint32(c>>32))
				r.AddIPv4(ip, uint16(c>>16), int32(i))
			}
		}
		return r.Pick(n)
	}
	r.refs = r.refs[:0]
	if n <= 0 || len(cands) == 0 {
		return r.refs
	}
	s := &r.s4
	self := uint32(r.selfKey.lo)
	// The quota pool: every free candidate outside self's /24 (without
	// ASN data, no candidate is known to share self's AS).
	pool := slices.Grow(r.pool[:0], len(cands))[:len(cands)]
	free, np := s.prepare(cands, skip, omitKey, omitOK, self>>8, pool)
	r.pool = pool[:np]
	if free == 0 {
		return r.refs
	}
	maxNet := r.cfg.maxPerNet()
	if r.cfg.Off {
		r.refs = s.pickOff(r.refs, cands, n, maxNet, r)
		return r.refs
	}
	pool = r.pool
	r.quota = r.quota[:0]
	if len(pool) > 0 {
		l := min(n, free)
		q := min(int(math.Ceil(r.cfg.share()*float64(l))), len(pool))
		for k := 0; k < len(pool) && len(r.quota) < q; k++ {
			j := k + r.rng.IntN(len(pool)-k)
			pool[k], pool[j] = pool[j], pool[k]
			if i := int(pool[k]); s.admit(cands, i, maxNet) {
				s.tag[i] |= notFree
				r.quota = append(r.quota, pool[k])
			}
		}
	}
	r.near = s.nearest(r.near[:0], cands, self, n-len(r.quota), maxNet, r)
	r.refs = interleave(r.refs, r.near, r.quota)
	return r.refs
}

// prepare readies s for cands, writes to pool the free candidates outside
// the /24 selfNet, and returns how many candidates are free and how many
// went to pool. Its loops are kept simple enough for their variables to
// stay in registers.
func (s *sorted4) prepare(cands []uint64, skip uint16, omitKey uint64, omitOK bool, selfNet uint32, pool []int32) (free, np int) {
	m := len(cands)
	s.tag = slices.Grow(s.tag[:0], m)[:m]
	tag := s.tag[:m]
	if !omitOK {
		omitKey = math.MaxUint64 // no key is that large
	}
	run, prev, outs := uint32(0), cands[0]>>40, 0
	for i, c := range cands {
		net := c >> 40
		run += b2u(net != prev)
		prev = net
		out := b2u(uint16(c)&skip != 0) | b2u(c>>16 == omitKey)
		tag[i] = run | out<<31
		outs += int(out)
	}
	pool = pool[:m]
	for i, c := range cands {
		pool[np] = int32(i)
		np += int(b2u(tag[i] < notFree) & b2u(uint32(c>>40) != selfNet))
	}
	s.count = slices.Grow(s.count[:0], int(run)+1)[:run+1]
	clear(s.count)
	s.dups = false
	for i := 1; i < m; i++ {
		if cands[i]>>16 == cands[i-1]>>16 {
			s.dups = true
			words := (m + 63) / 64
			s.taken = slices.Grow(s.taken[:0], words)[:words]
			clear(s.taken)
			break
		}
	}
	return m - outs, np
}

// b2u is 1 for true, 0 for false (compiled without a branch).
func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// admit takes the candidate at i unless its /24 is full (maxNet <= 0: no
// cap) or a candidate at the same address and port, necessarily a
// neighbour, is taken.
func (s *sorted4) admit(cands []uint64, i, maxNet int) bool {
	run := s.tag[i] &^ notFree
	if maxNet > 0 && int(s.count[run]) >= maxNet {
		return false
	}
	if s.dups {
		if s.twinTaken(cands, i) {
			return false
		}
		s.taken[i>>6] |= 1 << (i & 63)
	}
	s.count[run]++
	return true
}

// twinTaken reports whether a candidate at the address and port of the one
// at i is taken.
func (s *sorted4) twinTaken(cands []uint64, i int) bool {
	k := cands[i] >> 16
	for j := i - 1; j >= 0 && cands[j]>>16 == k; j-- {
		if s.taken[j>>6]&(1<<(j&63)) != 0 {
			return true
		}
	}
	for j := i + 1; j < len(cands) && cands[j]>>16 == k; j++ {
		if s.taken[j>>6]&(1<<(j&63)) != 0 {
			return true
		}
	}
	return false
}

// isFree is 1 when the candidate at i is free, else 0.
func (s *sorted4) isFree(i int) int { return int(1 - s.tag[i]>>31) }

// nearest appends the positions of up to need admissible free candidates,
// nearest to self first, each class (common prefix length) in uniformly
// random order: the classes are the runs met walking outward from self's
// place in cands, whose common prefix with self only shrinks on either
// side.
func (s *sorted4) nearest(near []int32, cands []uint64, self uint32, need, maxNet int, r *Ranker) []int32 {
	plen := func(c uint64) int { return bits.LeadingZeros32(uint32(c>>32) ^ self) }
	at, _ := slices.BinarySearch(cands, uint64(self)<<32)
	lo, hi := at, at // cands[lo:hi] are done
	x := r.seed
	members := slices.Grow(r.members[:0], len(cands))[:len(cands)]
	r.members = members
	capNet := int32(math.MaxInt32)
	if maxNet > 0 {
		capNet = int32(min(maxNet, math.MaxInt32))
	}
	for len(near) < need && (lo > 0 || hi < len(cands)) {
		class := -1
		if lo > 0 {
			class = plen(cands[lo-1])
		}
		if hi < len(cands) {
			class = max(class, plen(cands[hi]))
		}
		nm := 0
		for ; lo > 0 && plen(cands[lo-1]) == class; lo-- {
			members[nm] = int32(lo - 1)
			nm += s.isFree(lo - 1)
		}
		for ; hi < len(cands) && plen(cands[hi]) == class; hi++ {
			members[nm] = int32(hi)
			nm += s.isFree(hi)
		}
		cls := members[:nm]
		// A partial Fisher–Yates shuffle of the class.
		if s.dups {
			for k := 0; k < len(cls) && len(near) < need; k++ {
				x += 0x9e3779b97f4a7c15
				j := k + bounded(mix(x), len(cls)-k)
				cls[k], cls[j] = cls[j], cls[k]
				if s.admit(cands, int(cls[k]), maxNet) {
					near = append(near, cls[k])
				}
			}
			continue
		}
		// Without duplicates only the cap refuses, decided without a
		// branch: refusals come at random.
		nn := len(near)
		near = slices.Grow(near, min(need-nn, len(cls)))
		buf, tag, count := near[:cap(near)], s.tag, s.count
		for k := 0; k < len(cls) && nn < need; k++ {
			x += 0x9e3779b97f4a7c15
			j := k + bounded(mix(x), len(cls)-k)
			i := cls[j]
			cls[j] = cls[k]
			run := tag[i] // free: no notFree bit
			c := count[run]
			ok := int32(b2u(c < capNet))
			count[run] = c + ok
			buf[nn] = i
			nn += int(ok)
		}
		near = buf[:nn]
	}
	return near
}

// pickOff appends the positions of up to n admissible free candidates in
// uniformly random order (Off's list).
func (s *sorted4) pickOff(out []int32, cands []uint64, n, maxNet int, r *Ranker) []int32 {
	perm := slices.Grow(r.pool[:0], len(cands))[:len(cands)]
	np := 0
	for i := range cands {
		perm[np] = int32(i)
		np += s.isFree(i)
	}
	r.pool, perm = perm, perm[:np]
	for k := 0; k < len(perm) && len(out) < n; k++ {
		j := k + r.rng.IntN(len(perm)-k)
		perm[k], perm[j] = perm[j], perm[k]
		if s.admit(cands, int(perm[k]), maxNet) {
			out = append(out, perm[k])
		}
	}
	return out
}
