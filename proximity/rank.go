package proximity

import (
	"math/rand/v2"
	"net/netip"
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

// rankers are RankInto's working memory, reused across calls (the
// tracker used to rank on every announce through it).
var rankers = sync.Pool{New: func() any { return new(Ranker) }}

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
// ranks often can reuse one slice (see also Ranker).
func RankInto(dst []Ranked, loc Locator, self netip.Addr, cands []netip.AddrPort, rtt func(netip.AddrPort) time.Duration, n int, cfg RankConfig) []Ranked {
	dst = dst[:0]
	if n <= 0 || len(cands) == 0 {
		return dst
	}
	if len(cands) > maxCandidates {
		cands = cands[:maxCandidates]
	}
	r := rankers.Get().(*Ranker)
	defer rankers.Put(r)
	r.Reset(loc, self, cfg)
	for i, c := range cands {
		var d time.Duration
		if rtt != nil {
			d = rtt(c)
		}
		r.Add(c, d, int32(i))
	}
	for _, at := range r.pick(n) {
		dst = append(dst, ranked(&r.cs[at], cands))
	}
	return dst
}
