package proximity

import (
	"fmt"
	"net/netip"
	"slices"
)

// Entry maps a prefix to the ASN that announces it. ASN 0 marks the prefix
// as unknown, which lets a longer prefix carve a hole out of a shorter one.
type Entry struct {
	Prefix netip.Prefix
	ASN    ASN
}

// Table is an immutable longest-prefix-match table from addresses to ASNs
// for IPv4 and IPv6. IPv4-mapped IPv6 addresses are looked up as IPv4.
// Lookups do not allocate and are safe for concurrent use. The zero Table
// and a nil *Table are empty and answer 0 for every address.
type Table struct {
	v4starts []uint32 // range i covers [v4starts[i], v4starts[i+1])
	v4asns   []ASN
	v4index  []uint32 // nil, or see buildIndex4
	v6starts []u128
	v6asns   []ASN
	known    int
}

// NewTable builds a table from entries. Where prefixes overlap the longest
// one wins. IPv4-mapped IPv6 prefixes (::ffff:a.b.c.d/96+n) are stored as
// IPv4 prefixes. It fails on an invalid prefix or on the same prefix listed
// twice with different ASNs, naming the entry's index.
func NewTable(entries []Entry) (*Table, error) {
	var v4, v6 []interval
	for i, e := range entries {
		p := e.Prefix
		if !p.IsValid() {
			return nil, fmt.Errorf("proximity: entry %d: invalid prefix %v", i, p)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		p = p.Masked()
		first, last, is4 := prefixRange(p)
		iv := interval{first: first, last: last, asn: e.ASN, src: i}
		if is4 {
			v4 = append(v4, iv)
		} else {
			v6 = append(v6, iv)
		}
	}
	return tableFrom(v4, v6, func(c *conflict) error {
		return fmt.Errorf("proximity: entry %d: prefix %v listed again with %v (first as %v in entry %d)",
			c.b.src, entries[c.b.src].Prefix, c.b.asn, c.a.asn, c.a.src)
	})
}

// tableFrom builds a table from per-family intervals; describe turns a
// conflict into an error naming its source.
func tableFrom(v4, v6 []interval, describe func(*conflict) error) (*Table, error) {
	s4, c := build(v4, maxV4)
	if c != nil {
		return nil, describe(c)
	}
	s6, c := build(v6, maxV6)
	if c != nil {
		return nil, describe(c)
	}
	t := &Table{
		v4starts: make([]uint32, len(s4.starts)),
		v4asns:   slices.Clip(s4.asns),
		v6starts: slices.Clip(s6.starts),
		v6asns:   slices.Clip(s6.asns),
		known:    s4.known() + s6.known(),
	}
	for i, st := range s4.starts {
		t.v4starts[i] = uint32(st.lo)
	}
	if len(t.v4starts) > indexMin {
		t.v4index = buildIndex4(t.v4starts)
	}
	return t, nil
}

// ASN returns the ASN of the longest prefix containing ip, or 0 when none
// does, ip is invalid, or t is nil.
func (t *Table) ASN(ip netip.Addr) ASN {
	if t == nil {
		return 0
	}
	ip = ip.Unmap()
	if !ip.IsValid() {
		return 0
	}
	return t.lookupKey(key(ip))
}

// lookupKey looks up an address given as a number (see key).
func (t *Table) lookupKey(k u128, is4 bool) ASN {
	if is4 {
		return t.lookup4(uint32(k.lo))
	}
	return t.lookup6(k)
}

func (t *Table) lookup4(k uint32) ASN {
	s := t.v4starts
	if len(s) == 0 {
		return 0
	}
	lo, hi := 0, len(s) // s[lo] <= k < s[hi]; s[0] == 0
	if t.v4index != nil {
		lo, hi = int(t.v4index[k>>16]), int(t.v4index[k>>16+1])+1
	}
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if s[mid] <= k {
			lo = mid
		} else {
			hi = mid
		}
	}
	return t.v4asns[lo]
}

func (t *Table) lookup6(k u128) ASN {
	s := t.v6starts
	if len(s) == 0 {
		return 0
	}
	lo, hi := 0, len(s)
	for hi-lo > 1 {
		mid := int(uint(lo+hi) >> 1)
		if !k.less(s[mid]) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return t.v6asns[lo]
}

// Len returns the number of address ranges with a known ASN after
// normalisation: overlapping prefixes are flattened into disjoint ranges
// and adjacent ranges of the same ASN are merged, so Len may differ from
// the number of entries or lines the table was built from.
func (t *Table) Len() int {
	if t == nil {
		return 0
	}
	return t.known
}
