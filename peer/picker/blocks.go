package picker

import "iter"

// partial is the block state of a piece with at least one block requested
// or received. It is recycled through Picker.free.
type partial struct {
	piece   int
	nblocks int
	recv    []bool
	nreq    []uint8  // outstanding requests per block
	reqs    []PeerID // nblocks*maxDup slots; block b uses reqs[b*maxDup:][:nreq[b]]

	unrequested int // blocks neither received nor requested
	requested   int // outstanding requests, duplicates counted
	received    int
	hint        int // no unrequested block before this index

	contrib []PeerID // distinct peers that delivered blocks, in order

	locked bool   // a paroled peer holds the piece alone
	owner  PeerID // that peer
	idx    int    // index in Picker.active
}

// acquire returns the (new, empty) block state of piece.
func (p *Picker) acquire(piece int) *partial {
	nb := p.BlocksIn(piece)
	var pt *partial
	if k := len(p.free); k > 0 {
		pt = p.free[k-1]
		p.free = p.free[:k-1]
	} else {
		pt = &partial{}
	}
	if cap(pt.recv) < nb {
		pt.recv = make([]bool, nb)
		pt.nreq = make([]uint8, nb)
		pt.reqs = make([]PeerID, nb*p.maxDup)
	} else {
		pt.recv = pt.recv[:nb]
		pt.nreq = pt.nreq[:nb]
		pt.reqs = pt.reqs[:nb*p.maxDup]
		clear(pt.recv)
		clear(pt.nreq)
	}
	pt.piece, pt.nblocks = piece, nb
	pt.unrequested, pt.requested, pt.received, pt.hint = nb, 0, 0, 0
	pt.contrib = pt.contrib[:0]
	pt.locked, pt.owner = false, 0
	pt.idx = len(p.active)
	p.active = append(p.active, pt)
	p.parts[piece] = pt
	return pt
}

// release forgets the block state of a piece. Outstanding requests must
// have been dropped already.
func (p *Picker) release(pt *partial) {
	last := p.active[len(p.active)-1]
	p.active[pt.idx] = last
	last.idx = pt.idx
	p.active[len(p.active)-1] = nil
	p.active = p.active[:len(p.active)-1]
	p.parts[pt.piece] = nil
	p.free = append(p.free, pt)
}

// releaseIfIdle forgets pt when nothing of it is requested or received.
func (p *Picker) releaseIfIdle(pt *partial) {
	if pt.requested == 0 && pt.received == 0 {
		p.release(pt)
	}
}

func (pt *partial) requesters(b, maxDup int) []PeerID {
	return pt.reqs[b*maxDup : b*maxDup+int(pt.nreq[b])]
}

// request records that peer was asked for block b.
func (p *Picker) request(pt *partial, b int, peer PeerID) {
	n := pt.nreq[b]
	if n == 0 && !pt.recv[b] {
		pt.unrequested--
	}
	pt.reqs[b*p.maxDup+int(n)] = peer
	pt.nreq[b] = n + 1
	pt.requested++
}

// unrequest forgets that peer was asked for block b; it reports whether
// peer had been asked. The peer's outstanding counter is not touched.
func (p *Picker) unrequest(pt *partial, b int, peer PeerID) bool {
	rs := pt.requesters(b, p.maxDup)
	for i, r := range rs {
		if r != peer {
			continue
		}
		rs[i] = rs[len(rs)-1]
		pt.nreq[b]--
		pt.requested--
		if pt.nreq[b] == 0 && !pt.recv[b] {
			pt.unrequested++
			pt.hint = min(pt.hint, b)
		}
		return true
	}
	return false
}

// dropRequests forgets every outstanding request of pt and fixes the
// peers' counters.
func (p *Picker) dropRequests(pt *partial) {
	for b := range pt.nblocks {
		for _, r := range pt.requesters(b, p.maxDup) {
			p.addOutstanding(r, -1)
		}
		if pt.nreq[b] > 0 {
			pt.requested -= int(pt.nreq[b])
			pt.nreq[b] = 0
			if !pt.recv[b] {
				pt.unrequested++
			}
		}
	}
	pt.hint = 0
}

// Received records that peer delivered b. See Receipt.
func (p *Picker) Received(peer PeerID, b Block) Receipt {
	bi, ok := p.blockIndex(b)
	if !ok || p.have[b.Piece] {
		return Receipt{}
	}
	pt := p.parts[b.Piece]
	if pt == nil {
		// Every request of the piece was cancelled before anything of it
		// arrived, so its block state was released; a late block of it
		// is taken all the same (below).
		if !p.wanted(b.Piece) {
			return Receipt{}
		}
		pt = p.acquire(b.Piece)
	}
	if pt.recv[bi] {
		return Receipt{}
	}
	rs := pt.requesters(bi, p.maxDup)
	mine := false
	var cancel []PeerID
	for _, r := range rs {
		if r == peer {
			mine = true
		} else {
			cancel = append(cancel, r)
		}
	}
	late := !mine
	if late && !p.wanted(b.Piece) {
		return Receipt{}
	}
	// A late block (our request timed out or was cancelled, and the peer
	// had sent it already) is still taken when we need it: otherwise the
	// bytes are wasted and fetched again.
	u := p.hasUnreq(b.Piece)
	if len(rs) == 0 {
		pt.unrequested--
	}
	for _, r := range rs {
		p.addOutstanding(r, -1)
	}
	pt.requested -= len(rs)
	pt.nreq[bi] = 0
	pt.recv[bi] = true
	pt.received++
	if pt.received == 1 {
		delete(p.failed, b.Piece) // a new attempt after a hash failure
	}
	known := false
	for _, c := range pt.contrib {
		if c == peer {
			known = true
			break
		}
	}
	if !known {
		pt.contrib = append(pt.contrib, peer)
	}
	if late {
		p.fixUnreq(b.Piece, u)
	}
	return Receipt{Wanted: true, Cancel: cancel, PieceComplete: pt.received == pt.nblocks}
}

// Cancelled records that peer's request for b is abandoned (rejected,
// timed out, choked, or cancelled by us): unless received, the block can
// be picked again. Unknown blocks are ignored.
func (p *Picker) Cancelled(peer PeerID, b Block) {
	bi, ok := p.blockIndex(b)
	if !ok {
		return
	}
	pt := p.parts[b.Piece]
	if pt == nil {
		return
	}
	u := p.hasUnreq(b.Piece)
	if !p.unrequest(pt, bi, peer) {
		return
	}
	p.addOutstanding(peer, -1)
	p.releaseIfIdle(pt)
	p.fixUnreq(b.Piece, u)
}

// PeerGone abandons every outstanding request of peer and forgets it,
// parole included. Pieces it held alone on parole are opened to others.
func (p *Picker) PeerGone(peer PeerID) {
	for i := len(p.active) - 1; i >= 0; i-- {
		pt := p.active[i]
		if pt.locked && pt.owner == peer {
			pt.locked = false
		}
		u := p.hasUnreq(pt.piece)
		for b := range pt.nblocks {
			p.unrequest(pt, b, peer)
		}
		p.releaseIfIdle(pt)
		p.fixUnreq(pt.piece, u)
	}
	delete(p.peers, peer)
}

// HashFailed resets every block of piece to not received and not
// requested. Contributors keeps naming the failed attempt's peers until a
// block of the next attempt arrives. No-op for a piece we have.
func (p *Picker) HashFailed(piece int) {
	p.check(piece)
	pt := p.parts[piece]
	if pt == nil || p.have[piece] {
		return
	}
	u := p.hasUnreq(piece)
	if len(pt.contrib) > 0 {
		p.failed[piece] = append([]PeerID(nil), pt.contrib...)
	}
	p.dropRequests(pt)
	p.release(pt)
	p.fixUnreq(piece, u)
}

// Contributors returns the distinct peers that delivered blocks of piece in
// its current attempt, or, before any block of a new attempt arrives, of the
// attempt that last failed its hash check. Nil once the piece is had. The
// slice is the caller's.
func (p *Picker) Contributors(piece int) []PeerID {
	p.check(piece)
	if pt := p.parts[piece]; pt != nil && len(pt.contrib) > 0 {
		return append([]PeerID(nil), pt.contrib...)
	}
	if f := p.failed[piece]; f != nil {
		return append([]PeerID(nil), f...)
	}
	return nil
}

// Requests yields every outstanding request of piece as (peer, block), for
// example to send CANCELs before MarkHave of a piece that arrived another
// way. Do not change the Picker during the iteration.
func (p *Picker) Requests(piece int) iter.Seq2[PeerID, Block] {
	p.check(piece)
	return func(yield func(PeerID, Block) bool) {
		pt := p.parts[piece]
		if pt == nil {
			return
		}
		size := p.PieceSize(piece)
		for b := range pt.nblocks {
			blk := Block{Piece: piece, Begin: b * p.blockSize, Length: p.blockLen(size, b)}
			for _, r := range pt.requesters(b, p.maxDup) {
				if !yield(r, blk) {
					return
				}
			}
		}
	}
}
