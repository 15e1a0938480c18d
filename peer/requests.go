package peer

import (
	"slices"
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/bitfield"
	"github.com/shoal-p2p/shoal/peer/storage"
	"github.com/shoal-p2p/shoal/peer/wire"
)

// backpressured reports whether received-but-unwritten data is over the cap:
// then no new requests go out until storage catches up.
func (t *torrent) backpressured() bool {
	if len(t.backlog) > 0 {
		return true
	}
	inFlight := t.st.QueuedBytes() + int64(len(t.bufs))*t.info.PieceLength
	return inFlight > t.cfg.MaxQueuedDiskBytes
}

// fillRequests tops up a peer's pipeline to the depth its measured rate
// deserves.
func (t *torrent) fillRequests(c *peerConn) {
	if t.pk == nil || t.state != StateDownloading || !c.amInterested {
		return
	}
	if c.peerChoking && len(c.allowedForUs) == 0 {
		return
	}
	need := c.pipe.Depth() - len(c.outstanding)
	if need <= 0 || t.backpressured() {
		return
	}
	has := &c.has
	if c.hasAll {
		has = nil
	}
	if c.peerChoking {
		// Only allowed-fast pieces may be requested while choked.
		af := bitfield.New(t.numPieces)
		for i := range c.allowedForUs {
			if t.peerHas(c, int(i)) {
				af.Set(int(i))
			}
		}
		has = &af
	}
	now := time.Now()
	t.pickAt, t.pickDups = now, 0
	if t.restricted(c) {
		t.pickBuf = t.pickOutside(c, has, need, t.pickBuf[:0])
	} else {
		t.pickBuf = t.pk.Pick(c.id, has, need, t.pickBuf[:0])
	}
	for _, b := range t.pickBuf {
		c.outstanding[b] = now
		c.pipe.OnRequestSent(now)
		c.send(wire.Message{Type: pp.Request, Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
	}
	if t.egTicker == nil && t.pk.InEndgame() {
		t.endgameTicker()
		t.locEndgame()
	}
}

func (t *torrent) fillAll() {
	for _, c := range t.conns {
		t.fillRequests(c)
	}
}

// abandonRequests returns a peer's outstanding requests to the picker;
// sendCancel also tells the peer.
func (t *torrent) abandonRequests(c *peerConn, sendCancel bool) {
	for b := range c.outstanding {
		if t.pk != nil {
			t.pk.Cancelled(c.id, b)
		}
		if sendCancel {
			c.send(wire.Message{Type: pp.Cancel, Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
		}
	}
	clear(c.outstanding)
}

// checkTimeouts cancels requests that outlived the peer's timeout, so the
// blocks can go to other peers.
func (t *torrent) checkTimeouts(now time.Time) {
	if t.pk == nil {
		return
	}
	for _, c := range t.conns {
		if len(c.outstanding) == 0 {
			continue
		}
		// A request times out only while the peer delivers nothing: one
		// that keeps sending blocks works through our queue in order, and
		// re-requesting the tail of a deep queue elsewhere only fetches
		// it twice (libtorrent times out on the last piece's age, too).
		limit := c.pipe.RequestTimeout()
		if c.pipe.Waiting(now) <= limit {
			continue
		}
		for b, sent := range c.outstanding {
			if now.Sub(sent) > limit {
				delete(c.outstanding, b)
				t.pk.Cancelled(c.id, b)
				c.send(wire.Message{Type: pp.Cancel, Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
			}
		}
	}
}

func (t *torrent) submitPiece(piece int, pb *pieceBuf) {
	t.submitted[piece] = pb
	if !t.st.Submit(piece, pb.data) {
		t.backlog = append(t.backlog, piece)
	}
}

func (t *torrent) retryBacklog() {
	for len(t.backlog) > 0 {
		p := t.backlog[0]
		if !t.st.Submit(p, t.submitted[p].data) {
			return
		}
		t.backlog = t.backlog[1:]
	}
}

// onHashResult handles a piece that storage hashed (and wrote, if good).
func (t *torrent) onHashResult(r storage.Result) {
	pb := t.submitted[r.Piece]
	delete(t.submitted, r.Piece)
	if pb == nil {
		return // a piece discarded while it was being hashed
	}
	defer t.freePiece(pb.data)
	t.retryBacklog()
	switch {
	case r.Err != nil:
		t.pk.HashFailed(r.Piece) // not written: fetch again if we go on
		t.fail(diskError(t.name(), r.Piece, r.Err))
		return
	case r.OK:
		t.smartBan(r.Piece, pb.data)
		t.pieceDone(r.Piece, pb)
	default:
		t.hashFailed(r.Piece, pb)
	}
	t.fillAll()
	now := time.Now()
	t.seedTailCheck(now)
	if t.seedHeld && !t.backpressured() {
		t.seedDispatch(now)
	}
}

func (t *torrent) pieceDone(i int, pb *pieceBuf) {
	// A paroled peer that alone delivered a good piece has cleared itself.
	if contrib := pb.contributors(); len(contrib) == 1 {
		if c := t.conns[contrib[0]]; c != nil && c.paroled {
			c.paroled = false
			c.strikes = 0
			t.pk.SetParole(c.id, false)
		}
	}
	if t.firstPieceAt.IsZero() {
		t.firstPieceAt = time.Now()
	}
	t.have.Set(i)
	t.pk.MarkHave(i)
	t.locPieceChanged(i)
	for _, c := range t.conns {
		c.send(wire.Message{Type: pp.Have, Index: uint32(i)})
		if t.peerHas(c, i) {
			c.wanted--
			if c.wanted <= 0 {
				c.wanted = 0
				t.updateInterest(c)
			}
		}
	}
	if t.pk.Done() && t.state == StateDownloading {
		t.onComplete()
	}
}

// hashFailed handles a piece whose hash did not match. Its blocks are
// recorded for smart ban; a peer that alone sent it while on parole is
// banned; every other contributor goes on parole.
func (t *torrent) hashFailed(i int, pb *pieceBuf) {
	t.hashFails++
	t.wasted += int64(len(pb.data))
	contributors := pb.contributors()
	t.log.Warn("piece failed hash check", "piece", i, "peers", len(contributors))
	t.recordFailedBlocks(i, pb)
	t.pk.HashFailed(i)
	for _, id := range contributors {
		if s := t.seedServer(id); s != nil {
			t.seedServerFailed(s, len(contributors) == 1)
			continue
		}
		c := t.conns[id]
		if c == nil {
			continue
		}
		c.strikes++
		switch {
		case c.paroled && len(contributors) == 1:
			t.banAddr(c.addr.Addr(), "a piece it alone sent while on parole failed")
		case c.strikes >= maxFailsBeforeBan:
			t.banAddr(c.addr.Addr(), "shared in too many failed pieces")
		default:
			c.paroled = true
			t.pk.SetParole(c.id, true)
		}
	}
}

// dropBanned disconnects a banned peer and throws away partial pieces it
// had a hand in, so that no one else finishes on top of bad data.
func (t *torrent) dropBanned(c *peerConn) {
	for piece, pb := range t.bufs {
		if !slices.Contains(pb.from, c.id) {
			continue
		}
		for _, oc := range t.conns {
			for b := range oc.outstanding {
				if b.Piece == piece {
					delete(oc.outstanding, b)
					oc.send(wire.Message{Type: pp.Cancel, Index: uint32(b.Piece), Begin: uint32(b.Begin), Length: uint32(b.Length)})
				}
			}
		}
		t.pk.HashFailed(piece)
		delete(t.bufs, piece)
		t.freePiece(pb.data)
	}
	t.dropConn(c, errBanned)
}

func (t *torrent) onComplete() {
	if !t.paused {
		t.state = StateSeeding
	}
	t.completedAt = time.Now()
	for _, c := range t.conns {
		t.abandonRequests(c, true)
		c.wanted = 0
		t.updateInterest(c)
	}
	t.bufs = map[int]*pieceBuf{}
	t.piecePool.drain()
	t.completeOnce.Do(func() { close(t.completeCh) })
	t.log.Info("download complete", "name", t.name(), "took", time.Since(t.startedAt).Round(time.Millisecond))
	t.kickAnnouncers()
	t.checkpointAsync(time.Now())
	t.checkSeedGoal(time.Now())
	// Seeds among our peers are of no further use to us.
	for _, c := range t.conns {
		if c.hasAll {
			t.dropConn(c, errBothSeeds)
		}
	}
}

func (t *torrent) checkSeedGoal(now time.Time) {
	if t.completedAt.IsZero() {
		return
	}
	done := false
	switch {
	case t.opts.Seed:
	case t.opts.SeedRatio == 0 && t.opts.SeedTime == 0:
		done = true
	default:
		size := float64(t.info.TotalLength())
		if t.opts.SeedRatio > 0 && float64(t.uploadedTotal()) >= t.opts.SeedRatio*size {
			done = true
		}
		if t.opts.SeedTime > 0 && now.Sub(t.completedAt) >= t.opts.SeedTime {
			done = true
		}
	}
	if done {
		t.finishOnce.Do(func() { close(t.finishedCh) })
	}
}

func (t *torrent) downloadedTotal() int64 {
	n := t.closedDown
	for _, c := range t.conns {
		n += c.down.Total()
	}
	return n
}

func (t *torrent) uploadedTotal() int64 {
	n := t.closedUp
	for _, c := range t.conns {
		n += c.up.Total()
	}
	return n
}
