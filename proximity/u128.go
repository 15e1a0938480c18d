package proximity

import (
	"encoding/binary"
	"net/netip"
)

// u128 is an IPv6 address (or IPv4 address in the low 32 bits) as a number.
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }

func (a u128) addOne() u128 {
	lo := a.lo + 1
	hi := a.hi
	if lo == 0 {
		hi++
	}
	return u128{hi, lo}
}

// key returns ip as a number and whether it is IPv4. ip must be valid and
// already unmapped.
func key(ip netip.Addr) (u128, bool) {
	if ip.Is4() {
		b := ip.As4()
		return u128{0, uint64(binary.BigEndian.Uint32(b[:]))}, true
	}
	b := ip.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}, false
}

// prefixRange returns the first and last address of p as numbers. p must be
// masked and unmapped.
func prefixRange(p netip.Prefix) (first, last u128, v4 bool) {
	first, v4 = key(p.Addr())
	width := 128
	if v4 {
		width = 32
	}
	host := width - p.Bits() // number of host bits, 0..128
	last = first
	switch {
	case host == 0:
	case host >= 128:
		last = u128{^uint64(0), ^uint64(0)}
	case host >= 64:
		last.lo = ^uint64(0)
		last.hi |= (uint64(1) << (host - 64)) - 1
	default:
		last.lo |= (uint64(1) << host) - 1
	}
	return first, last, v4
}
