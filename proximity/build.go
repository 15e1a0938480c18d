package proximity

import (
	"cmp"
	"slices"
)

// interval is one source entry as an inclusive range of addresses of one
// family. src identifies the entry (index or line number) for errors.
type interval struct {
	first, last u128
	asn         ASN
	src         int
}

// conflict reports two source entries that cannot be combined: the same
// range with different ASNs, or ranges that overlap without nesting.
type conflict struct{ a, b interval }

// segments is a partition of one address family into consecutive ranges:
// range i starts at starts[i] and ends just before starts[i+1]. starts[0]
// is always 0; ranges without data carry ASN 0. Neighbours never share an
// ASN.
type segments struct {
	starts []u128
	asns   []ASN
}

// Largest addresses of the two families as numbers.
var (
	maxV4 = u128{0, 1<<32 - 1}
	maxV6 = u128{^uint64(0), ^uint64(0)}
)

// build turns ivs (which it sorts) into segments of the family whose
// largest address is maxAddr. Nested ranges are allowed
// and the innermost wins, so prefixes need no preparation; partially
// overlapping ranges and repeated ranges with different ASNs are conflicts.
func build(ivs []interval, maxAddr u128) (segments, *conflict) {
	slices.SortStableFunc(ivs, func(a, b interval) int {
		if a.first != b.first {
			if a.first.less(b.first) {
				return -1
			}
			return 1
		}
		if a.last != b.last { // outer (longer) range first
			if b.last.less(a.last) {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.src, b.src)
	})
	s := segments{starts: make([]u128, 1, 2*len(ivs)+1), asns: make([]ASN, 1, 2*len(ivs)+1)}
	var stack []interval
	closeUntil := func(limit u128, all bool) {
		for len(stack) > 0 {
			top := stack[len(stack)-1]
			if !all && !top.last.less(limit) {
				return
			}
			stack = stack[:len(stack)-1]
			if top.last == maxAddr {
				continue // nothing after the end of the address space
			}
			var outer ASN
			if len(stack) > 0 {
				outer = stack[len(stack)-1].asn
			}
			s.emit(top.last.addOne(), outer)
		}
	}
	for _, iv := range ivs {
		closeUntil(iv.first, false)
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.first == iv.first && top.last == iv.last {
				if top.asn != iv.asn {
					return segments{}, &conflict{top, iv}
				}
				continue
			}
			if top.last.less(iv.last) {
				return segments{}, &conflict{top, iv}
			}
		}
		stack = append(stack, iv)
		s.emit(iv.first, iv.asn)
	}
	closeUntil(u128{}, true)
	return s, nil
}

// emit records that the range starting at start has asn. Starts arrive in
// non-decreasing order; a repeated start replaces the previous value.
func (s *segments) emit(start u128, asn ASN) {
	last := len(s.starts) - 1
	if s.starts[last] == start {
		s.asns[last] = asn
		if last > 0 && s.asns[last-1] == asn {
			s.starts = s.starts[:last]
			s.asns = s.asns[:last]
		}
		return
	}
	if s.asns[last] == asn {
		return
	}
	s.starts = append(s.starts, start)
	s.asns = append(s.asns, asn)
}

// known counts the ranges that carry a known ASN.
func (s segments) known() int {
	n := 0
	for _, a := range s.asns {
		if a != 0 {
			n++
		}
	}
	return n
}
