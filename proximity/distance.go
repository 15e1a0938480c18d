package proximity

import (
	"math/bits"
	"net/netip"
	"time"
)

// Network sizes that count as "the same network".
const (
	sameNetBits4 = 24
	sameNetBits6 = 48
)

// CommonPrefixLen returns the number of leading bits a and b share: 0…32
// for two IPv4 addresses, 0…128 for two IPv6 addresses, and 0 when their
// families differ or either is invalid. IPv4-mapped IPv6 addresses count
// as IPv4; zones are ignored.
func CommonPrefixLen(a, b netip.Addr) int {
	a, b = a.Unmap(), b.Unmap()
	if !a.IsValid() || !b.IsValid() || a.Is4() != b.Is4() {
		return 0
	}
	ka, is4 := key(a)
	kb, _ := key(b)
	return prefixLen(ka, kb, is4)
}

// prefixLen is the common prefix length of two addresses of one family
// given as numbers.
func prefixLen(a, b u128, is4 bool) int {
	if is4 {
		return bits.LeadingZeros32(uint32(a.lo ^ b.lo))
	}
	if x := a.hi ^ b.hi; x != 0 {
		return bits.LeadingZeros64(x)
	}
	return 64 + bits.LeadingZeros64(a.lo^b.lo)
}

// Distance describes how near another address is to self. The zero value
// is "nothing known": different networks, no shared prefix, unknown RTT.
type Distance struct {
	SameNet bool          // same /24 (IPv4) or /48 (IPv6)
	SameASN bool          // both ASNs known and equal; unknown never matches unknown
	Prefix  int           // common prefix length in bits
	RTT     time.Duration // measured round-trip time; 0 = unknown
}

// Measure returns the distance from self to other. loc may be nil, leaving
// only the prefix (and SameNet) to go by. A negative rtt counts as unknown.
func Measure(loc Locator, self, other netip.Addr, rtt time.Duration) Distance {
	var selfASN, otherASN ASN
	if loc != nil {
		selfASN, otherASN = loc.ASN(self), loc.ASN(other)
	}
	return distance(self.Unmap(), other.Unmap(), selfASN, otherASN, rtt)
}

// distance is Measure with unmapped addresses and ASNs already looked up.
func distance(self, other netip.Addr, selfASN, otherASN ASN, rtt time.Duration) Distance {
	p := CommonPrefixLen(self, other)
	same := sameNetBits6
	if self.Is4() {
		same = sameNetBits4
	}
	return Distance{
		SameNet: self.IsValid() && other.IsValid() && self.Is4() == other.Is4() && p >= same,
		SameASN: selfASN != 0 && selfASN == otherASN,
		Prefix:  p,
		RTT:     max(rtt, 0),
	}
}

// Nearer reports whether d is strictly nearer than e: the same network
// first, then the same ASN, then the longer common prefix, then the smaller
// known RTT (an unknown RTT ranks after any known one).
func (d Distance) Nearer(e Distance) bool {
	if d.SameNet != e.SameNet {
		return d.SameNet
	}
	if d.SameASN != e.SameASN {
		return d.SameASN
	}
	if d.Prefix != e.Prefix {
		return d.Prefix > e.Prefix
	}
	if (d.RTT > 0) != (e.RTT > 0) {
		return d.RTT > 0
	}
	return d.RTT < e.RTT
}

// score packs d into a number that orders like Nearer: a larger score is
// strictly nearer, an equal score is equally near.
func (d Distance) score() uint64 {
	var s uint64
	if d.SameNet {
		s |= 1 << 63
	}
	if d.SameASN {
		s |= 1 << 62
	}
	s |= uint64(min(max(d.Prefix, 0), 255)) << 54
	if d.RTT > 0 {
		s |= rttMax - uint64(min(d.RTT, rttMax-1)) // 1…rttMax, smaller RTT higher
	}
	return s
}
