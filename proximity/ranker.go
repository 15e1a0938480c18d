package proximity

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"
)

// Ranker is Rank's engine for callers that rank often and hold their
// candidates in a form of their own (a tracker walks a swarm's compact
// entries under its lock): Reset, Add each candidate, then Pick. It gives
// the same lists as Rank and reuses its memory from round to round. A
// Ranker is not safe for concurrent use; the zero value is ready for Reset.
type Ranker struct {
	cfg     RankConfig
	rng     *rand.Rand
	loc     Locator
	tab     *Table // loc, when it is a *Table: looked up by number
	selfOK  bool
	selfIs4 bool
	selfKey u128
	selfASN ASN
	seed    uint64 // tie-breakers are mix(seed, position)
	anyRTT  bool   // some candidate has a known RTT

	cs    []rankCand
	pool  []int32  // positions in cs of the quota-eligible candidates
	order []uint64 // sort keys of the candidates the quota left
	quota []int32  // positions in cs of the quota picks, in the order drawn
	near  []int32  // positions in cs of the nearness picks, nearest first
	picks []int32  // positions in cs of the result, best first (quota picks are taken)
	refs  []int32
	adm   admission

	classes classSet // nearByClass's working memory
	members []int32
	s4      sorted4 // PickSorted4's working memory
}

// Reset starts a round: candidates will be ranked for self under cfg,
// with loc (nil: prefixes only) naming their ASNs.
func (r *Ranker) Reset(loc Locator, self netip.Addr, cfg RankConfig) {
	r.cfg, r.loc = cfg, loc
	r.tab, _ = loc.(*Table)
	r.rng = cfg.Rand
	if r.rng == nil {
		r.rng = rand.New(rand.NewPCG(0x5eed, 0x9e3779b97f4a7c15))
	}
	self = self.Unmap().WithZone("")
	r.selfOK = self.IsValid()
	r.selfKey, r.selfIs4, r.selfASN = u128{}, false, 0
	if r.selfOK {
		r.selfKey, r.selfIs4 = key(self)
		if loc != nil {
			r.selfASN = loc.ASN(self)
		}
	}
	r.seed = 0
	if !cfg.Off {
		r.seed = r.rng.Uint64()
	}
	r.cs, r.pool, r.anyRTT = r.cs[:0], r.pool[:0], false
}

// Add offers a candidate; ref is the caller's name for it, which Pick
// hands back. rtt is the measured round-trip time (0: unknown). Invalid
// addresses are ignored, and so is every candidate after the first
// 2^20 of a round.
func (r *Ranker) Add(ap netip.AddrPort, rtt time.Duration, ref int32) {
	ip := ap.Addr()
	var k u128
	is4 := ip.Is4()
	switch {
	case is4:
		b := ip.As4()
		k.lo = uint64(binary.BigEndian.Uint32(b[:]))
	case ip.Is4In6():
		ip = ip.Unmap()
		b := ip.As4()
		k.lo, is4 = uint64(binary.BigEndian.Uint32(b[:])), true
	case ip.IsValid():
		b := ip.As16()
		k = u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
	default:
		return
	}
	var asn ASN
	if r.tab != nil {
		asn = r.tab.lookupKey(k, is4)
	} else if r.loc != nil {
		asn = r.loc.ASN(ip)
	}
	r.add(k, is4, ap.Port(), asn, rtt, ref)
}

// AddIPv4 is Add for an IPv4 candidate given as its four bytes, with no
// RTT: what a tracker's compact peer arrays hold, offered without building
// a netip.Addr per candidate.
func (r *Ranker) AddIPv4(ip [4]byte, port uint16, ref int32) {
	k := u128{lo: uint64(binary.BigEndian.Uint32(ip[:]))}
	var asn ASN
	if r.tab != nil {
		asn = r.tab.lookup4(uint32(k.lo))
	} else if r.loc != nil {
		asn = r.loc.ASN(netip.AddrFrom4(ip))
	}
	r.add(k, true, port, asn, 0, ref)
}

// add records a candidate at k (an address as a number, see key) owned by
// asn (0: unknown).
func (r *Ranker) add(k u128, is4 bool, port uint16, asn ASN, rtt time.Duration, ref int32) {
	at := len(r.cs)
	if at >= maxCandidates {
		return
	}
	// The score as Distance.score computes it, built in place.
	var score uint64
	sameNet := false
	if r.selfOK && is4 == r.selfIs4 {
		p := prefixLen(r.selfKey, k, is4)
		score = uint64(p) << 54
		if sameNet = p >= sameNetBits6 || (is4 && p >= sameNetBits4); sameNet {
			score |= 1 << 63
		}
	}
	sameASN := r.selfASN != 0 && r.selfASN == asn
	if sameASN {
		score |= 1 << 62
	}
	if rtt > 0 {
		score |= rttMax - uint64(min(rtt, rttMax-1))
		r.anyRTT = true
	}
	remote := !sameASN && !sameNet // unknown never matches unknown
	if remote {
		r.pool = append(r.pool, int32(at))
	}
	if at == cap(r.cs) {
		r.cs = slices.Grow(r.cs, 1)
	}
	r.cs = r.cs[:at+1]
	// Field by field: a composite literal is built on the stack and copied
	// with wide loads that cannot forward from its narrow stores, a stall
	// per candidate.
	c := &r.cs[at]
	c.idx, c.asn, c.score, c.k = ref, asn, score, k
	c.port, c.is4, c.remote, c.taken = port, is4, remote, false
}

// Pick ends the round: the refs of up to n of the candidates in Rank's
// order (see Rank). The slice is valid until the next Reset.
func (r *Ranker) Pick(n int) []int32 {
	r.refs = r.refs[:0]
	for _, at := range r.pick(n) {
		r.refs = append(r.refs, r.cs[at].idx)
	}
	return r.refs
}

// pick ranks the round's candidates: the positions in r.cs of up to n of
// them, best first, quota picks marked taken.
func (r *Ranker) pick(n int) []int32 {
	r.picks = r.picks[:0]
	cs := r.cs
	if n <= 0 || len(cs) == 0 {
		return r.picks
	}
	adm := &r.adm
	adm.reset(r.cfg.maxPerNet(), r.cfg.MaxPerASN, min(n, len(cs)))
	if r.cfg.Off {
		r.picks, r.pool = rankOff(r.picks, cs, n, adm, r.rng, r.pool)
		return r.picks
	}
	r.quota = r.quota[:0]
	if len(r.pool) > 0 {
		l := min(n, len(cs))
		q := min(int(math.Ceil(r.cfg.share()*float64(l))), len(r.pool))
		r.quota = pickQuota(cs, q, r.pool, adm, r.rng, r.quota)
	}
	need := n - len(r.quota)
	if r.anyRTT {
		r.near = r.nearBySort(need)
	} else {
		r.near = r.nearByClass(need)
	}
	r.picks = interleave(r.picks, r.near, r.quota)
	return r.picks
}

// mix is SplitMix64's finaliser: cheap random-looking tie-breakers from
// one random seed per round.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}
