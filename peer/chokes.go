package peer

import (
	"time"

	pp "github.com/anacrolix/torrent/peer_protocol"

	"github.com/shoal-p2p/shoal/peer/choker"
	"github.com/shoal-p2p/shoal/peer/picker"
	"github.com/shoal-p2p/shoal/peer/wire"
)

func (t *torrent) chokerPeers(now time.Time) []choker.Peer {
	peers := make([]choker.Peer, 0, len(t.conns))
	for _, c := range t.conns {
		peers = append(peers, choker.Peer{
			ID:          toChokerID(c.id),
			Interested:  c.peerInterested,
			Snubbed:     c.pipe.Snubbed(now, len(c.outstanding)),
			Downloaded:  c.down.Total(),
			Uploaded:    c.up.Total(),
			ConnectedAt: c.connectedAt,
			Pieces:      t.peerPieces(c),
			Remote:      t.remote(c),
		})
	}
	return peers
}

// peerPieces is how many pieces c holds (c.has is empty for a seed).
func (t *torrent) peerPieces(c *peerConn) int {
	if c.hasAll {
		return t.numPieces
	}
	return c.has.Count()
}

// chokeRound runs the 10-second round and applies its decision.
func (t *torrent) chokeRound(now time.Time) {
	res := t.ch.Round(now, t.chokerPeers(now), t.state == StateSeeding)
	unchoke := make(map[choker.PeerID]bool, len(res.Unchoked))
	for _, id := range res.Unchoked {
		unchoke[id] = true
	}
	for _, c := range t.conns {
		want := unchoke[toChokerID(c.id)]
		switch {
		case want && c.amChoking:
			t.unchoke(c)
		case !want && !c.amChoking:
			t.choke(c)
		}
	}
}

// lendFreeSlots unchokes waiting interested peers while slots are free
// (after an unchoked peer lost interest).
func (t *torrent) lendFreeSlots(now time.Time) {
	if !t.transferring() {
		return
	}
	for _, id := range t.ch.Lend(now, t.chokerPeers(now), t.state == StateSeeding) {
		if c := t.conns[picker.PeerID(id)]; c != nil && c.amChoking {
			t.unchoke(c)
		}
	}
}

// Seed slot turns (choker.Rotate): a turn lasts one piece, at least
// minSeedTurn bytes; the event loop looks for finished turns at most every
// rotateEvery.
const (
	minSeedTurn = 256 << 10
	rotateEvery = 50 * time.Millisecond
)

// rotateSeedSlots passes a seed's unchoke slots on to waiting peers as
// turns end. Super-seeding has its own offers and leaves slots alone.
func (t *torrent) rotateSeedSlots(now time.Time) {
	if t.ch == nil || t.pk == nil || t.state != StateSeeding || t.superSeeding() || now.Sub(t.lastRotate) < rotateEvery {
		return
	}
	t.lastRotate = now
	quantum := max(int64(t.pk.PieceSize(0)), minSeedTurn)
	choke, unchoke := t.ch.Rotate(now, t.chokerPeers(now), quantum, true)
	for i := range choke {
		if c := t.conns[picker.PeerID(choke[i])]; c != nil && !c.amChoking {
			t.choke(c)
		}
		if c := t.conns[picker.PeerID(unchoke[i])]; c != nil && c.amChoking {
			t.unchoke(c)
		}
	}
}

// onInterested unchokes a newly interested peer if a slot is free, or, for
// a remote peer under the locality rules, if it may take a near peer's
// slot (remoteShare).
func (t *torrent) onInterested(c *peerConn) {
	if !c.amChoking || t.ch == nil || !t.transferring() {
		return
	}
	now, seeding := time.Now(), t.state == StateSeeding
	peers := t.chokerPeers(now)
	if t.ch.OnInterested(now, peers, toChokerID(c.id), seeding) {
		t.unchoke(c)
		return
	}
	if !t.remote(c) {
		return
	}
	if out, ok := t.ch.OnRemoteInterested(now, peers, toChokerID(c.id), seeding); ok {
		if oc := t.conns[picker.PeerID(out)]; oc != nil && !oc.amChoking {
			t.choke(oc)
		}
		t.unchoke(c)
	}
}

func (t *torrent) unchoke(c *peerConn) {
	c.amChoking = false
	c.sendType(pp.Unchoke)
}

// choke chokes a peer; BEP 6: its pending requests are rejected except those
// for allowed-fast pieces. Without the fast extension they are dropped. They
// leave the queue before the CHOKE enters it: it overtakes queued uploads
// (outQueue), and the writer must not take one of them with it.
func (t *torrent) choke(c *peerConn) {
	c.amChoking = true
	fast := c.fast()
	dropped := c.q.dropUploads(func(piece uint32) bool { return fast && c.allowedForThem[piece] })
	c.sendType(pp.Choke)
	if !fast {
		return
	}
	for _, m := range dropped {
		c.send(wire.Message{Type: pp.Reject, Index: m.Index, Begin: m.Begin, Length: m.Length})
	}
}
