package choker

import (
	"cmp"
	"slices"
	"time"
)

// OnNotInterested is called when peer id has stopped being interested. An
// unchoked peer that wants nothing leaves its slot unused until the next
// round, and the upload capacity with it, so the choker takes the slot back
// at once: it chokes id (its service time counted up to now) and returns
// true; the caller sends CHOKE and then calls Lend to give the slot to a
// peer that is waiting for one.
func (c *Choker) OnNotInterested(now time.Time, id PeerID) bool {
	st := c.peers[id]
	if st == nil || st.role == choked {
		return false
	}
	st.choke(now)
	return true
}

// Lend gives free slots (fewer than RegularSlots+OptimisticSlots peers
// unchoked) to interested, choked peers — in leecher mode not snubbed ones —
// least served first, as lent regular slots counted from now, and returns
// them in the order unchoked. It is what OnInterested does for one peer,
// for whoever has been waiting since the slots were full.
func (c *Choker) Lend(now time.Time, peers []Peer, seeding bool) []PeerID {
	free := c.cfg.RegularSlots + c.cfg.OptimisticSlots
	for _, p := range peers {
		if c.Unchoked(p.ID) {
			free--
		}
	}
	if free <= 0 {
		return nil
	}
	var waiting []Peer
	for _, p := range peers {
		if p.Interested && !c.Unchoked(p.ID) && (seeding || !p.Snubbed) {
			waiting = append(waiting, p)
		}
	}
	c.leastServedFirst(waiting)
	var out []PeerID
	for _, p := range waiting[:min(len(waiting), free)] {
		c.lend(p, now)
		out = append(out, p.ID)
	}
	return out
}

// leastServedFirst orders waiting peers by service time, then ID.
func (c *Choker) leastServedFirst(waiting []Peer) {
	service := func(id PeerID) time.Duration {
		if st := c.peers[id]; st != nil {
			return st.service
		}
		return 0
	}
	slices.SortFunc(waiting, func(a, b Peer) int {
		return cmp.Or(cmp.Compare(service(a.ID), service(b.ID)), cmp.Compare(a.ID, b.ID))
	})
}

// lend unchokes p in a lent regular slot counted from now.
func (c *Choker) lend(p Peer, now time.Time) {
	st := c.peers[p.ID]
	if st == nil {
		st = &peerState{}
		c.peers[p.ID] = st
	}
	st.unchoke(lent, now, p.Uploaded)
}
