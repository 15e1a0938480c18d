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

// OnRemoteInterested is called when remote peer id became interested and
// OnInterested found no free slot. While fewer than RemoteSlots remote
// peers are unchoked, id takes the slot of the near peer that holds a lent
// or optimistic slot and has been served longest; that peer is returned
// for the caller to choke (ok false: nothing changes).
func (c *Choker) OnRemoteInterested(now time.Time, peers []Peer, id PeerID, seeding bool) (choke PeerID, ok bool) {
	if c.cfg.RemoteSlots <= 0 || seeding || c.Unchoked(id) {
		return 0, false
	}
	var p Peer
	found := false
	remotes := 0
	var victim *peerState
	var most time.Duration
	for _, q := range peers {
		if q.ID == id {
			p, found = q, true
			continue
		}
		st := c.peers[q.ID]
		if st == nil || st.role == choked {
			continue
		}
		if q.Remote {
			remotes++
			continue
		}
		if st.role == regular {
			continue
		}
		served := st.service + max(now.Sub(st.accounted), 0)
		if victim == nil || served > most {
			victim, choke, most = st, q.ID, served
		}
	}
	if !found || !p.Remote || p.Snubbed || remotes >= c.cfg.RemoteSlots || victim == nil {
		return 0, false
	}
	victim.choke(now)
	c.lend(p, now)
	return choke, true
}
