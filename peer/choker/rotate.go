package choker

import (
	"cmp"
	"slices"
	"time"
)

// Rotate shortens the round-robin turns of a seed. A seed's slots are its
// whole contribution to a swarm, and a peer that keeps one for a 10-second
// round takes dozens of pieces from it — in a flash crowd mostly pieces
// the other peers hold too, while pieces nobody else has wait for the next
// round. So while seeding, a peer that has been sent at least quantum bytes
// since it was unchoked gives its slot to an interested peer waiting for
// one, the one holding the fewest pieces first, then the least served
// (the new holder's turn is a lent slot counted from now). Fewest pieces
// first spreads a flash crowd's first pieces, each of which makes a new
// uploader, and at the end lets the peers furthest behind catch up, so
// the last completion comes sooner. Peers that have had their quantum are choked in the order of
// the bytes they got, most first, as long as someone is waiting.
//
// It returns the peers to choke and, in the same order, the peers to
// unchoke in their place; the caller sends CHOKE and UNCHOKE. In leecher
// mode, or with quantum ≤ 0, it changes nothing.
func (c *Choker) Rotate(now time.Time, peers []Peer, quantum int64, seeding bool) (choke, unchoke []PeerID) {
	if !seeding || quantum <= 0 {
		return nil, nil
	}
	type turn struct {
		p    Peer
		sent int64
	}
	var done []turn
	var waiting []Peer
	for _, p := range peers {
		st := c.peers[p.ID]
		switch {
		case st != nil && st.role != choked:
			if sent := p.Uploaded - st.sentFrom; sent >= quantum {
				done = append(done, turn{p, sent})
			}
		case p.Interested:
			waiting = append(waiting, p)
		}
	}
	if len(done) == 0 || len(waiting) == 0 {
		return nil, nil
	}
	slices.SortFunc(done, func(a, b turn) int { return cmp.Or(-cmp.Compare(a.sent, b.sent), cmp.Compare(a.p.ID, b.p.ID)) })
	c.leastServedFirst(waiting)
	slices.SortStableFunc(waiting, func(a, b Peer) int { return cmp.Compare(a.Pieces, b.Pieces) })
	for i := range min(len(done), len(waiting)) {
		c.peers[done[i].p.ID].choke(now)
		c.lend(waiting[i], now)
		choke = append(choke, done[i].p.ID)
		unchoke = append(unchoke, waiting[i].ID)
	}
	return choke, unchoke
}
