package proximity

import "net/netip"

// Documentation ASNs (RFC 5398) used by the synthetic tables.
const (
	firstDocASN   = 64496
	maxLoopbackAS = 16 // 64496–64511
)

// ASNForLoopback returns the ASN that LoopbackTable gives to 127.a.0.0/16
// and 10.77.a.0/24: 64496 + a - 1 for a in 1…16, and 0 (unknown) for any
// other a.
func ASNForLoopback(a int) ASN {
	if a < 1 || a > maxLoopbackAS {
		return 0
	}
	return ASN(firstDocASN + a - 1)
}

// LoopbackTable returns a synthetic table for tests and the testnet that
// maps 127.a.0.0/16 (loopback) and 10.77.a.0/24 (network namespaces) to
// ASNForLoopback(a) for a = 1…numAS. numAS is clamped to 0…16; all other
// addresses, 127.0.0.1 included, are unknown.
func LoopbackTable(numAS int) *Table {
	numAS = max(0, min(numAS, maxLoopbackAS))
	entries := make([]Entry, 0, 2*numAS)
	for a := 1; a <= numAS; a++ {
		entries = append(entries,
			Entry{netip.PrefixFrom(netip.AddrFrom4([4]byte{127, byte(a), 0, 0}), 16), ASNForLoopback(a)},
			Entry{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 77, byte(a), 0}), 24), ASNForLoopback(a)},
		)
	}
	t, err := NewTable(entries)
	if err != nil {
		panic("proximity: LoopbackTable: " + err.Error()) // entries are disjoint by construction
	}
	return t
}
