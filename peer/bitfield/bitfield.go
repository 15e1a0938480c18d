// Package bitfield is the set of pieces a peer (or we) hold, stored in the
// BitTorrent wire order: bit i is the (7 - i%8)-th bit of byte i/8, so the
// bytes can be sent as a BEP 3 bitfield message unchanged.
package bitfield

import (
	"fmt"
	"math/bits"
)

// Bitfield is a fixed-length set of piece indexes. The zero value is an
// empty bitfield of length 0. It is not safe for concurrent use.
type Bitfield struct {
	b     []byte
	n     int
	count int
}

// New returns an empty bitfield of n pieces.
func New(n int) Bitfield {
	return Bitfield{b: make([]byte, (n+7)/8), n: n}
}

// Full returns a bitfield of n pieces with every piece set.
func Full(n int) Bitfield {
	bf := New(n)
	for i := range bf.b {
		bf.b[i] = 0xff
	}
	if r := n % 8; r != 0 {
		bf.b[len(bf.b)-1] = byte(0xff << (8 - r))
	}
	bf.count = n
	return bf
}

// FromBytes parses a wire bitfield of n pieces. It refuses a payload of the
// wrong length or one with spare bits set, as BEP 3 requires. The bytes are
// copied.
func FromBytes(p []byte, n int) (Bitfield, error) {
	if want := (n + 7) / 8; len(p) != want {
		return Bitfield{}, fmt.Errorf("bitfield: %d bytes for %d pieces, want %d", len(p), n, want)
	}
	if r := n % 8; r != 0 && p[len(p)-1]&byte(0xff>>r) != 0 {
		return Bitfield{}, fmt.Errorf("bitfield: spare bits set after piece %d", n-1)
	}
	bf := Bitfield{b: append([]byte(nil), p...), n: n}
	for _, c := range bf.b {
		bf.count += bits.OnesCount8(c)
	}
	return bf, nil
}

// Len is the number of pieces the bitfield describes.
func (bf *Bitfield) Len() int { return bf.n }

// Count is the number of pieces set.
func (bf *Bitfield) Count() int { return bf.count }

// All reports whether every piece is set.
func (bf *Bitfield) All() bool { return bf.count == bf.n }

// None reports whether no piece is set.
func (bf *Bitfield) None() bool { return bf.count == 0 }

// Has reports whether piece i is set. Out-of-range indexes are not set.
func (bf *Bitfield) Has(i int) bool {
	if i < 0 || i >= bf.n {
		return false
	}
	return bf.b[i>>3]&(0x80>>(i&7)) != 0
}

// Set marks piece i and reports whether it was newly set. It panics on an
// out-of-range index: callers validate network input first.
func (bf *Bitfield) Set(i int) bool {
	if i < 0 || i >= bf.n {
		panic(fmt.Sprintf("bitfield: Set(%d) out of range [0,%d)", i, bf.n))
	}
	m := byte(0x80 >> (i & 7))
	if bf.b[i>>3]&m != 0 {
		return false
	}
	bf.b[i>>3] |= m
	bf.count++
	return true
}

// Clear unmarks piece i and reports whether it was set.
func (bf *Bitfield) Clear(i int) bool {
	if i < 0 || i >= bf.n {
		panic(fmt.Sprintf("bitfield: Clear(%d) out of range [0,%d)", i, bf.n))
	}
	m := byte(0x80 >> (i & 7))
	if bf.b[i>>3]&m == 0 {
		return false
	}
	bf.b[i>>3] &^= m
	bf.count--
	return true
}

// Bytes returns the wire form. The slice is shared: do not modify it.
func (bf *Bitfield) Bytes() []byte { return bf.b }

// Clone returns an independent copy.
func (bf *Bitfield) Clone() Bitfield {
	return Bitfield{b: append([]byte(nil), bf.b...), n: bf.n, count: bf.count}
}

// Indexes calls yield for every set piece in increasing order until yield
// returns false.
func (bf *Bitfield) Indexes(yield func(int) bool) {
	for bi, c := range bf.b {
		for c != 0 {
			lz := bits.LeadingZeros8(c)
			if !yield(bi*8 + lz) {
				return
			}
			c &^= 0x80 >> lz
		}
	}
}

// String renders the bitfield as 0/1 characters, for tests and logs.
func (bf *Bitfield) String() string {
	out := make([]byte, bf.n)
	for i := range out {
		out[i] = '0'
		if bf.Has(i) {
			out[i] = '1'
		}
	}
	return string(out)
}
