package proximity

import (
	"net/netip"
	"time"
)

// rankCand is one candidate under consideration by Rank.
type rankCand struct {
	idx    int32 // the caller's reference (Rank: index into its candidates)
	asn    ASN
	score  uint64 // Distance.score: larger is nearer (see sortKey); holds the RTT
	k      u128   // the address as a number (see key)
	port   uint16
	is4    bool
	remote bool // eligible for the diversity quota
	taken  bool // picked by the quota
}

// distance rebuilds the candidate's Distance from its score.
func (c *rankCand) distance() Distance {
	return Distance{
		SameNet: c.score&(1<<63) != 0,
		SameASN: c.score&(1<<62) != 0,
		Prefix:  int(c.score >> 54 & 0xff),
		RTT:     c.rtt(),
	}
}

// netKey identifies the /24 (IPv4) or /48 (IPv6) of an unmapped address.
func netKey(ip netip.Addr) uint64 { return netKeyOf(key(ip)) }

// netKeyOf is netKey for an address given as a number.
func netKeyOf(k u128, is4 bool) uint64 {
	if is4 {
		return 1<<63 | k.lo>>8
	}
	return k.hi >> 16
}

// A sort key packs a candidate's nearness and its position into one
// number, so that Rank orders candidates with one integer sort: bits 63–54
// are the class part of the score (same net, same ASN, common prefix), bit
// 53 says the RTT is known, bits 52–20 hold the RTT inverted in
// microseconds (smaller is larger) or, unknown, random bits that break ties,
// and bits 19–0 the position. Rank therefore considers at most
// maxCandidates candidates.
const (
	atBits        = 20
	atMask        = 1<<atBits - 1
	maxCandidates = 1 << atBits
	rttBits       = 33
)

// rttMax is the largest RTT a score holds (in its low 54 bits, inverted).
const rttMax = 1<<54 - 1

// rtt is the candidate's RTT (0: unknown), from its score.
func (c *rankCand) rtt() time.Duration {
	if v := c.score & rttMax; v != 0 {
		return time.Duration(rttMax - v)
	}
	return 0
}

// net is the netKey of the candidate's address.
func (c *rankCand) net() uint64 { return netKeyOf(c.k, c.is4) }

// sortKey returns c's sort key with random tie-breaker tie; c is cs[at].
func (c *rankCand) sortKey(at int, tie uint64) uint64 {
	k := c.score &^ (1<<54 - 1) // class bits only
	if rtt := c.rtt(); rtt > 0 {
		us := uint64(min(rtt.Microseconds(), 1<<rttBits-1))
		k |= 1<<53 | (1<<rttBits-1-us)<<atBits
	} else {
		k |= (tie >> (64 - rttBits)) << atBits
	}
	return k | uint64(at)
}
