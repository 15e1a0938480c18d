package choker

import "time"

// OnInterested is called when peer id has just become interested. If fewer
// than RegularSlots+OptimisticSlots peers are unchoked it unchokes id at
// once (as a lent regular slot, counted from now) and returns true; the
// caller then sends UNCHOKE. It returns true without changes if id is
// already unchoked. peers lists the connected peers (only they count as
// unchoked) and must include id. In leecher mode a snubbed peer is not
// unchoked this way.
func (c *Choker) OnInterested(now time.Time, peers []Peer, id PeerID, seeding bool) bool {
	if c.Unchoked(id) {
		return true
	}
	var p Peer
	found := false
	for _, q := range peers {
		if q.ID == id {
			p, found = q, true
			break
		}
	}
	if !found || (!seeding && p.Snubbed) {
		return false
	}
	if c.unchokedCount(peers, id) >= c.cfg.RegularSlots+c.cfg.OptimisticSlots {
		return false
	}
	c.lend(p, now)
	return true
}
