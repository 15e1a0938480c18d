package picker

import (
	"math"
	"slices"

	"github.com/shoal-p2p/shoal/peer/bitfield"
)

// Pick appends to out up to max blocks to request from peer and records
// them as requested by it. has is what the peer has; nil means every piece.
// Policy, in order, among wanted pieces the peer has:
//
//  1. unrequested blocks of partial pieces (some block requested or
//     received), higher priority then rarer first — outside the random
//     phase only those at least as rare as the rarest new piece the peer
//     has, so that a peer holding pieces nobody else has (in a flash crowd,
//     the seed) is asked for those, not for the rest of a common piece any
//     other peer can finish;
//  2. while HaveCount() < RandomFirst and the peer is not a seed (has !=
//     nil), new pieces in random order (highest priority level first): a
//     seed serves any piece as fast as another, and a random one would
//     only spend the swarm's scarcest upload on a piece others may hold;
//  3. otherwise new pieces rarest first (higher priority first);
//  4. the remaining partial pieces;
//  5. in endgame (InEndgame), while the peer has fewer than EndgameDepth
//     requests out, blocks outstanding at other peers, fewest requests
//     first, never to the same peer twice and never more than
//     MaxDuplicates at once.
//
// One call spans as many pieces as needed to fill max. A peer on parole
// (SetParole) gets only blocks of fresh pieces, which it then holds alone,
// and of the pieces it holds; no endgame duplicates.
func (p *Picker) Pick(peer PeerID, has *bitfield.Bitfield, max int, out []Block) []Block {
	if has != nil {
		p.checkBitfield(has)
	}
	if max <= 0 || p.wantedMissing == 0 {
		return out
	}
	parole := p.peers[peer].parole
	start := len(out)
	want := max
	random := p.haveCount < p.randomFirst && has != nil // policy step 2
	// Partials up to key limit come before fresh pieces; the rarest fresh
	// piece sits at position first, where step 3 resumes the walk.
	first, limit := 0, math.MaxInt
	if !random {
		first = p.rarestFresh(has)
		if first < p.wantedEnd() {
			limit = p.key(int(p.arr[first]))
		}
	}
	out, want = p.pickPartials(peer, parole, has, math.MinInt, limit, out, want)
	if want > 0 {
		if random {
			out, want = p.pickRandom(peer, parole, has, out, want)
		} else {
			out, want = p.pickRarest(peer, parole, has, first, out, want)
		}
	}
	if want > 0 && limit != math.MaxInt {
		out, want = p.pickPartials(peer, parole, has, limit, math.MaxInt, out, want)
	}
	if parole && len(out) == start {
		// No fresh piece for it: finish a partial one rather than stall
		// (the last pieces may all be partial). Blame is then shared again.
		out, want = p.pickPartials(peer, false, has, math.MinInt, math.MaxInt, out, want)
	}
	if want > 0 && !parole && p.InEndgame() {
		// Duplicates keep an idle connection busy, no more (Config.EndgameDepth).
		if idle := p.endgameDepth - p.peers[peer].outstanding - (len(out) - start); idle > 0 {
			out = p.pickEndgame(peer, has, out, min(want, idle))
		}
	}
	if n := len(out) - start; n > 0 {
		p.addOutstanding(peer, n)
	}
	return out
}

func peerHas(has *bitfield.Bitfield, piece int) bool {
	return has == nil || has.Has(piece)
}

// sortByRank orders partial pieces as the bucket array does: higher
// priority, then rarer, then the array's random tie-break.
func (p *Picker) sortByRank(pts []*partial) {
	if len(pts) < 2 {
		return
	}
	slices.SortFunc(pts, func(a, b *partial) int {
		return int(p.pos[a.piece]) - int(p.pos[b.piece])
	})
}

// pickPartials is policy step 1 for the partial pieces whose bucket key is
// in (above, upTo].
func (p *Picker) pickPartials(peer PeerID, parole bool, has *bitfield.Bitfield, above, upTo int, out []Block, want int) ([]Block, int) {
	cands := p.scratch[:0]
	for _, pt := range p.active {
		if pt.unrequested == 0 || !p.wanted(pt.piece) || !peerHas(has, pt.piece) {
			continue
		}
		if k := p.key(pt.piece); k <= above || k > upTo {
			continue
		}
		mine := pt.locked && pt.owner == peer
		if parole && !mine || pt.locked && !mine {
			continue
		}
		cands = append(cands, pt)
	}
	p.sortByRank(cands)
	for _, pt := range cands {
		if want == 0 {
			break
		}
		out, want = p.take(pt, peer, out, want)
	}
	clear(cands)
	p.scratch = cands[:0]
	return out, want
}

// pickRandom is policy step 2.
func (p *Picker) pickRandom(peer PeerID, parole bool, has *bitfield.Bitfield, out []Block, want int) ([]Block, int) {
	for want > 0 {
		piece := p.randomFresh(has)
		if piece < 0 {
			break
		}
		out, want = p.start(piece, peer, parole, out, want)
	}
	return out, want
}

// randomFresh returns a random wanted piece without block state that the
// peer has, from the highest priority level holding one, or -1.
func (p *Picker) randomFresh(has *bitfield.Bitfield) int {
	for level := range MaxPriority {
		lo := 0
		if level > 0 {
			lo = int(p.ends[level*p.width-1])
		}
		hi := int(p.ends[(level+1)*p.width-1])
		if hi == lo {
			continue
		}
		r := lo + p.rng.IntN(hi-lo)
		for i := range hi - lo {
			j := r + i
			if j >= hi {
				j -= hi - lo
			}
			piece := int(p.arr[j])
			if p.parts[piece] == nil && peerHas(has, piece) {
				return piece
			}
		}
	}
	return -1
}

// rarestFresh is the position in the bucket array of the rarest wanted
// piece without block state that the peer has, or wantedEnd() when there
// is none.
func (p *Picker) rarestFresh(has *bitfield.Bitfield) int {
	end := p.wantedEnd()
	for i := 0; i < end; i++ {
		piece := int(p.arr[i])
		if p.parts[piece] == nil && peerHas(has, piece) {
			return i
		}
	}
	return end
}

// pickRarest is policy step 3: walk the wanted prefix of the bucket array
// from position first (rarestFresh: nothing before it is fresh for peer).
func (p *Picker) pickRarest(peer PeerID, parole bool, has *bitfield.Bitfield, first int, out []Block, want int) ([]Block, int) {
	end := p.wantedEnd()
	for i := first; i < end && want > 0; i++ {
		piece := int(p.arr[i])
		if p.parts[piece] != nil || !peerHas(has, piece) {
			continue
		}
		out, want = p.start(piece, peer, parole, out, want)
	}
	return out, want
}

// start begins a fresh piece for peer; a paroled peer holds it alone.
func (p *Picker) start(piece int, peer PeerID, parole bool, out []Block, want int) ([]Block, int) {
	pt := p.acquire(piece)
	if parole {
		pt.locked, pt.owner = true, peer
	}
	return p.take(pt, peer, out, want)
}

// take requests up to want unrequested blocks of pt from peer, in order.
func (p *Picker) take(pt *partial, peer PeerID, out []Block, want int) ([]Block, int) {
	u := p.hasUnreq(pt.piece)
	size := p.PieceSize(pt.piece)
	b := pt.hint
	for ; b < pt.nblocks && want > 0 && pt.unrequested > 0; b++ {
		if pt.recv[b] || pt.nreq[b] > 0 {
			continue
		}
		p.request(pt, b, peer)
		out = append(out, Block{Piece: pt.piece, Begin: b * p.blockSize, Length: p.blockLen(size, b)})
		want--
	}
	pt.hint = b
	p.fixUnreq(pt.piece, u)
	return out, want
}
