package proximity

import (
	"math"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Defaults of RankConfig.
const (
	DefaultRemoteShare = 0.25
	DefaultMaxPerNet   = 8
)

// RankConfig tunes Rank. The zero value is the default configuration.
type RankConfig struct {
	// RemoteShare is the fraction of the result drawn at random from
	// candidates outside self's AS when there are any. Values in (0,1];
	// 0 (or any value outside (0,1], or NaN) means DefaultRemoteShare,
	// except that values above 1 mean 1.
	RemoteShare float64
	// MaxPerNet caps the peers returned per /24 (IPv4) or /48 (IPv6).
	// 0 means DefaultMaxPerNet; a negative value means no cap.
	MaxPerNet int
	// MaxPerASN caps the peers returned per known ASN, counting quota
	// picks and nearness picks together. 0 or negative means no cap.
	MaxPerASN int
	// Off turns proximity off: a uniformly random sample in random order
	// (caps still apply), for comparisons.
	Off bool
	// Rand supplies all randomness. nil means a fixed seed, so that Rank
	// stays deterministic.
	Rand *rand.Rand
}

// Ranked is one peer chosen by Rank.
type Ranked struct {
	Addr     netip.AddrPort // as given in the candidates
	Index    int            // position of Addr in the candidates slice
	ASN      ASN
	Class    Class
	Distance Distance
}

// rankScratch is Rank's working memory, reused across calls (the tracker
// ranks on every announce): candidate slices and the admission maps.
type rankScratch struct {
	cs, near, quota []rankCand
	order           []uint64 // sort keys (see rankCand.sortKey)
	remote          []int32
	adm             admission
}

var scratchPool = sync.Pool{New: func() any { return new(rankScratch) }}

func (c RankConfig) share() float64 {
	switch {
	case c.RemoteShare > 1:
		return 1
	case c.RemoteShare > 0:
		return c.RemoteShare
	default: // 0, negative, NaN
		return DefaultRemoteShare
	}
}

func (c RankConfig) maxPerNet() int {
	if c.MaxPerNet == 0 {
		return DefaultMaxPerNet
	}
	return c.MaxPerNet
}

// Rank returns up to n of cands ordered for self: the nearest first by
// Distance (ties broken at random), except that ceil(RemoteShare*L) slots,
// L = min(n, usable candidates), go to uniformly random picks among the
// candidates outside self's AS — any peer not known to share self's AS,
// since an unknown AS never matches another unknown one, so with no ASN
// data at all the quota still spreads picks beyond the nearest prefixes —
// that are not in self's /24 (/48). Those
// picks (Class ClassRemote) are spread evenly through the list (with the
// default share every 4th position) so that a truncated list still
// carries remote peers. When there are no such candidates there is no
// quota. Per-net and per-ASN caps apply to the whole result; invalid
// addresses and duplicates are never returned. Rank does not drop self's IP:
// other peers may share it (NAT, several clients on one loopback address),
// so callers remove their own exact address and port. rtt
// may be nil; it returns 0 for unknown. Rank runs in O(len(cands)·log
// len(cands)) (one integer sort) plus one ASN lookup per candidate. RTTs count to the
// microsecond, and only the first 2^20 candidates are considered.
func Rank(loc Locator, self netip.Addr, cands []netip.AddrPort, rtt func(netip.AddrPort) time.Duration, n int, cfg RankConfig) []Ranked {
	if n <= 0 || len(cands) == 0 {
		return nil
	}
	return RankInto(make([]Ranked, 0, min(n, len(cands))), loc, self, cands, rtt, n, cfg)
}

// RankInto is Rank appending its result to dst[:0], so that a caller that
// ranks often (a tracker, on every announce) can reuse one slice.
func RankInto(dst []Ranked, loc Locator, self netip.Addr, cands []netip.AddrPort, rtt func(netip.AddrPort) time.Duration, n int, cfg RankConfig) []Ranked {
	dst = dst[:0]
	if n <= 0 || len(cands) == 0 {
		return dst
	}
	if len(cands) > maxCandidates {
		cands = cands[:maxCandidates]
	}
	rng := cfg.Rand
	if rng == nil {
		rng = rand.New(rand.NewPCG(0x5eed, 0x9e3779b97f4a7c15))
	}
	sc := scratchPool.Get().(*rankScratch)
	defer scratchPool.Put(sc)
	cs, pool := prepare(loc, self, cands, rtt, rng, cfg.Off, sc.cs, sc.remote)
	sc.cs, sc.remote = cs, pool
	adm := &sc.adm
	adm.reset(cfg.maxPerNet(), cfg.MaxPerASN, min(n, len(cands)))
	if cfg.Off {
		return rankOff(dst, cs, cands, n, adm, rng)
	}
	var quota []rankCand
	if len(pool) > 0 {
		l := min(n, len(cs))
		q := min(int(math.Ceil(cfg.share()*float64(l))), len(pool))
		quota = pickQuota(cs, cands, q, pool, adm, rng, sc.quota)
		sc.quota = quota
	}
	near := sc.near[:0]
	defer func() { sc.near = near }()
	order := sc.order[:0]
	defer func() { sc.order = order }()
	for i := range cs {
		if !cs[i].taken {
			order = append(order, cs[i].sortKey(i))
		}
	}
	// The nearest go last; only as many as likely needed are sorted (caps
	// may refuse some: then the rest is sorted too).
	need := n - len(quota)
	top := min(len(order), need+need/2+8)
	selectLargest(order, top)
	sorted := len(order) - top
	slices.Sort(order[sorted:])
	for k := len(order) - 1; k >= 0 && len(near) < need; k-- {
		if k < sorted {
			slices.Sort(order[:sorted])
			sorted = 0
		}
		if c := &cs[order[k]&atMask]; adm.admit(c, cands) {
			near = append(near, *c)
		}
	}
	return interleave(dst, near, quota, cands)
}
