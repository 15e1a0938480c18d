// Package locality decides which pieces a torrent may fetch from peers
// outside its own network (another AS or /24) when proximity is on, so
// that each network takes in about one copy of the file from outside and
// trades the rest among its own peers.
//
// A piece is "outside" — worth fetching from a remote peer — while we want
// it, no near peer (same AS or /24) has it, and no near peer has claimed it
// (said that it is fetching it from outside; see Claim). From a remote peer
// the engine requests only outside pieces, and first those of its share
// (Split): the near peers of a network split the pieces among them by a
// rank all of them compute alike, so that their remote links bring in
// different pieces even before the claims arrive.
//
// The package is pure: no goroutines, no clock, no randomness. A View is
// not safe for concurrent use; the torrent's event loop owns it.
package locality

import (
	"fmt"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

// View is one torrent's knowledge of its near peers: how many of them have
// each piece, and how many claimed it.
type View struct {
	n         int
	wanted    func(piece int) bool
	nearAvail []int32
	nearSeeds int
	claims    []int32
	out       []bool // Outside(i), cached so that changes are reported
	outCount  int
	// OnChange, when set, is called whenever Outside(piece) changes, with
	// its new value. It must not call back into the View.
	OnChange func(piece int, outside bool)
}

// New returns a view of n pieces with no near peer and no claim. wanted
// reports whether we still want a piece (not had, priority > 0); call
// Refresh after its answer for a piece changes.
func New(n int, wanted func(piece int) bool) *View {
	v := &View{
		n:         n,
		wanted:    wanted,
		nearAvail: make([]int32, n),
		claims:    make([]int32, n),
		out:       make([]bool, n),
	}
	for i := range n {
		if wanted(i) {
			v.out[i] = true
			v.outCount++
		}
	}
	return v
}

func (v *View) check(piece int) {
	if piece < 0 || piece >= v.n {
		panic(fmt.Sprintf("locality: piece %d out of range [0,%d)", piece, v.n))
	}
}

func (v *View) checkBitfield(bf *bitfield.Bitfield) {
	if bf.Len() != v.n {
		panic(fmt.Sprintf("locality: bitfield of %d pieces, torrent has %d", bf.Len(), v.n))
	}
}

// Outside reports whether piece may be fetched from a remote peer: wanted,
// held by no near peer and claimed by none.
func (v *View) Outside(piece int) bool {
	v.check(piece)
	return v.out[piece]
}

// OutsideCount is the number of outside pieces.
func (v *View) OutsideCount() int { return v.outCount }

// NearAvailability is the number of near peers that have piece, near
// seeds included.
func (v *View) NearAvailability(piece int) int {
	v.check(piece)
	return int(v.nearAvail[piece]) + v.nearSeeds
}

// Claims is the number of near peers that claimed piece.
func (v *View) Claims(piece int) int {
	v.check(piece)
	return int(v.claims[piece])
}

// Refresh recomputes piece after something View does not see changed
// (whether we want it).
func (v *View) Refresh(piece int) {
	v.check(piece)
	v.refresh(piece)
}

func (v *View) refresh(piece int) {
	o := v.wanted(piece) && v.nearSeeds == 0 && v.nearAvail[piece] == 0 && v.claims[piece] == 0
	if o == v.out[piece] {
		return
	}
	v.out[piece] = o
	if o {
		v.outCount++
	} else {
		v.outCount--
	}
	if v.OnChange != nil {
		v.OnChange(piece, o)
	}
}

func (v *View) refreshAll() {
	for i := range v.n {
		v.refresh(i)
	}
}

// NearHave records that one more near peer has piece.
func (v *View) NearHave(piece int) { v.add(v.nearAvail, piece, 1, "") }

// NearLost records that one near peer fewer has piece.
func (v *View) NearLost(piece int) {
	v.add(v.nearAvail, piece, -1, "near availability below zero: NearLost without NearHave")
}

// add changes counts[piece] by d and refreshes the piece; a count that
// would go below zero is a caller's bug, reported as misuse.
func (v *View) add(counts []int32, piece int, d int32, misuse string) {
	v.check(piece)
	if counts[piece]+d < 0 {
		panic("locality: " + misuse)
	}
	counts[piece] += d
	v.refresh(piece)
}

// NearBitfield adds one near holder to every piece set in bf.
func (v *View) NearBitfield(bf *bitfield.Bitfield) {
	v.checkBitfield(bf)
	bf.Indexes(func(i int) bool {
		v.NearHave(i)
		return true
	})
}

// NearBitfieldLost removes one near holder from every piece set in bf.
func (v *View) NearBitfieldLost(bf *bitfield.Bitfield) {
	v.checkBitfield(bf)
	bf.Indexes(func(i int) bool {
		v.NearLost(i)
		return true
	})
}

// NearSeedJoined adds a near peer that has every piece.
func (v *View) NearSeedJoined() {
	v.nearSeeds++
	if v.nearSeeds == 1 {
		v.refreshAll()
	}
}

// NearSeedLeft removes a near peer added by NearSeedJoined.
func (v *View) NearSeedLeft() {
	if v.nearSeeds == 0 {
		panic("locality: NearSeedLeft without NearSeedJoined")
	}
	v.nearSeeds--
	if v.nearSeeds == 0 {
		v.refreshAll()
	}
}

// Claim records that a near peer said it is fetching piece from outside.
func (v *View) Claim(piece int) { v.add(v.claims, piece, 1, "") }

// Unclaim withdraws one Claim of piece.
func (v *View) Unclaim(piece int) { v.add(v.claims, piece, -1, "Unclaim without Claim") }

// Mask sets in dst (of the torrent's length) the outside pieces that has
// (nil: every piece) holds and, when share is given, that are in it;
// every other piece of dst is cleared. It returns how many it set.
func (v *View) Mask(dst, has *bitfield.Bitfield, share *Split) int {
	v.checkBitfield(dst)
	if has != nil {
		v.checkBitfield(has)
	}
	dst.Indexes(func(i int) bool {
		dst.Clear(i)
		return true
	})
	if v.outCount == 0 {
		return 0
	}
	n := 0
	for i, o := range v.out {
		if !o || has != nil && !has.Has(i) || share != nil && !share.Mine(i) {
			continue
		}
		dst.Set(i)
		n++
	}
	return n
}

// CountIn is the number of outside pieces in has (nil: every piece).
func (v *View) CountIn(has *bitfield.Bitfield) int {
	if has == nil {
		return v.outCount
	}
	v.checkBitfield(has)
	n := 0
	has.Indexes(func(i int) bool {
		if v.out[i] {
			n++
		}
		return true
	})
	return n
}
