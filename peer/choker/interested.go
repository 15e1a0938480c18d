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
	p, found := findPeer(peers, id)
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
// OnInterested found no free slot. While remote peers hold fewer slots
// than Config.RemoteShare allows, id takes the slot of the near peer that
// holds a lent or optimistic slot and has been served longest; that peer
// is returned for the caller to choke (ok false: nothing changes).
func (c *Choker) OnRemoteInterested(now time.Time, peers []Peer, id PeerID, seeding bool) (choke PeerID, ok bool) {
	p, found := findPeer(peers, id)
	if c.remoteSlots == 0 || seeding || !found || !p.Remote || p.Snubbed || c.Unchoked(id) {
		return 0, false
	}
	remotes := 0
	var victim *peerState
	for _, q := range peers {
		st := c.peers[q.ID]
		switch {
		case st == nil || st.role == choked:
		case q.Remote:
			remotes++
		case st.role != regular:
			st.account(now)
			if victim == nil || st.service > victim.service {
				victim, choke = st, q.ID
			}
		}
	}
	if remotes >= c.remoteSlots || victim == nil {
		return 0, false
	}
	victim.choke(now)
	c.lend(p, now)
	return choke, true
}
