package peer

import "time"

// The first piece from a seed server. A peer that holds no piece has
// nothing to trade: its neighbours are not interested in it, tit-for-tat
// gives it nothing, and in a flash crowd the few holders (the seed) choke
// most peers for their first seconds. If seed servers are listed and every
// connected peer chokes us for firstPieceGrace, we ask one server for one
// piece; once we hold it, our neighbours want it and we relay. It is one
// request for one piece across all servers, and only while no other
// fallback rule (seedservers.go) is active: a peer without pieces in a
// swarm that cannot serve it gets the full fallback instead.

// firstPieceGrace is how long a peer with no piece waits for an unchoke
// before it asks a seed server: enough for the tracker, dials and
// handshakes on a nearby swarm, short against a choke round.
const firstPieceGrace = 300 * time.Millisecond

// firstPieceNeed reports whether we hold no piece (none is being hashed
// either), have connected peers, and every one of them has choked us since
// seed servers came into play at least firstPieceGrace ago.
func (t *torrent) firstPieceNeed(now time.Time) bool {
	if t.pk.HaveCount() > 0 || len(t.submitted) > 0 || len(t.conns) == 0 || now.Sub(t.seedStart) < firstPieceGrace {
		return false
	}
	for _, c := range t.conns {
		if !c.peerChoking {
			return false
		}
	}
	return true
}

// firstPieceBusy reports whether a seed-server request is already under
// way, which is all the first-piece rule allows.
func (t *torrent) firstPieceBusy() bool {
	for _, s := range t.seeds {
		if s.inflight > 0 {
			return true
		}
	}
	return false
}

// armFirstPiece sets the loop's one-shot wake-up at the end of the grace,
// so that the rule is checked then and not at the next 1 s tick.
func (t *torrent) armFirstPiece(now time.Time) {
	t.seedStart = now
	t.firstPieceTimer = time.NewTimer(firstPieceGrace)
	t.firstPieceC = t.firstPieceTimer.C
}

// firstPieceWake runs the seed-server tick once the grace is over.
func (t *torrent) firstPieceWake(now time.Time) {
	t.firstPieceTimer, t.firstPieceC = nil, nil
	t.seedServerTick(now)
}
