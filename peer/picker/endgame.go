package picker

import "github.com/shoal-p2p/shoal/peer/bitfield"

// pickEndgame is the endgame step of Pick: every missing block is already
// requested, so hand out blocks outstanding at other peers, those with the
// fewest outstanding requests first, pieces in the order of the bucket
// array within a level and the last blocks of a piece first (requested
// last, they wait longest in the other peer's queue, so a duplicate of one
// is the most likely to win and the least likely to arrive wasted), never
// one this peer already has outstanding, never beyond MaxDuplicates
// requests per block and, with Config.DuplicateWorth, only a block the
// duplicate would bring sooner. Received then reports the other
// requesters so the engine can cancel them.
func (p *Picker) pickEndgame(peer PeerID, has *bitfield.Bitfield, out []Block, want int) []Block {
	cands := p.scratch[:0]
	for _, pt := range p.active {
		if pt.received < pt.nblocks && p.wanted(pt.piece) && peerHas(has, pt.piece) {
			cands = append(cands, pt)
		}
	}
	p.sortByRank(cands)
	// In endgame no wanted block has zero requests, so start at one.
	for level := 1; level < p.maxDup && want > 0; level++ {
		for _, pt := range cands {
			size := p.PieceSize(pt.piece)
			for b := pt.nblocks - 1; b >= 0 && want > 0; b-- {
				if pt.recv[b] || int(pt.nreq[b]) != level || p.requestedBy(pt, b, peer) {
					continue
				}
				blk := Block{Piece: pt.piece, Begin: b * p.blockSize, Length: p.blockLen(size, b)}
				if p.dupWorth != nil && !p.dupWorth(blk, pt.requesters(b, p.maxDup), peer) {
					continue
				}
				p.request(pt, b, peer)
				out = append(out, blk)
				want--
			}
			if want == 0 {
				break
			}
		}
	}
	clear(cands)
	p.scratch = cands[:0]
	return out
}

func (p *Picker) requestedBy(pt *partial, b int, peer PeerID) bool {
	for _, r := range pt.requesters(b, p.maxDup) {
		if r == peer {
			return true
		}
	}
	return false
}
