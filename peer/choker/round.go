package choker

import (
	"cmp"
	"slices"
	"time"
)

// candidate is a peer being considered in a round.
type candidate struct {
	p      Peer
	st     *peerState
	rate   int64  // bytes over the rate window that rank it for a regular slot
	was    role   // role before the round
	tie    uint64 // random tie-breaker
	placed bool   // given a slot in this round
}

// Round runs a choke round if one is due at now and returns the set of peers
// that should be unchoked. If no round is due it changes nothing and returns
// the current set. peers must list every connected peer; peers missing from
// it are forgotten.
func (c *Choker) Round(now time.Time, peers []Peer, seeding bool) Result {
	if !c.Due(now) {
		return c.result()
	}
	t := c.next
	if now.Sub(t) >= c.cfg.RoundInterval {
		t = now // fell behind: re-anchor the grid
	}
	cands := c.prepare(t, peers, seeding)
	c.assign(t, cands, seeding)
	for _, cd := range cands {
		cd.st.inRound = true
		cd.st.interested = cd.p.Interested
		cd.st.record(cd.p, t, c.cfg.RateWindow)
	}
	c.last = t
	c.next = t.Add(c.cfg.RoundInterval)
	return c.result()
}

// prepare drops departed peers, brings service time and optimistic credit
// up to t, and returns one candidate per peer, sorted by ID.
func (c *Choker) prepare(t time.Time, peers []Peer, seeding bool) []*candidate {
	byID := make(map[PeerID]Peer, len(peers))
	for _, p := range peers {
		byID[p.ID] = p
	}
	for id := range c.peers {
		if _, ok := byID[id]; !ok {
			delete(c.peers, id)
		}
	}
	cands := make([]*candidate, 0, len(byID))
	for _, p := range byID {
		st := c.peers[p.ID]
		if st == nil {
			st = &peerState{}
			c.peers[p.ID] = st
		}
		cands = append(cands, &candidate{p: p, st: st, was: st.role})
	}
	slices.SortFunc(cands, func(a, b *candidate) int { return cmp.Compare(a.p.ID, b.p.ID) })

	var floor time.Duration = -1 // least service of peers that stayed interested
	var maxCredit time.Duration  // largest credit of peers already queued
	for _, cd := range cands {
		st, p := cd.st, cd.p
		cd.tie = c.cfg.Rand.Uint64()
		if st.role != choked {
			st.account(t)
		} else if st.inRound && p.Interested && !c.last.IsZero() {
			st.credit += weightedWait(c.last, t, p.ConnectedAt, c.cfg.NewPeerWindow, c.cfg.NewPeerWeight)
		}
		if p.Interested && st.interested && (floor < 0 || st.service < floor) {
			floor = st.service
		}
		if p.Interested && st.inRound {
			maxCredit = max(maxCredit, st.credit)
		}
		down, up := st.windowBytes(p, t, c.cfg.RateWindow)
		switch {
		case !seeding:
			cd.rate = down
		case c.cfg.SeedPolicy == FastestUpload:
			cd.rate = up
		}
	}
	for _, cd := range cands {
		st := cd.st
		if cd.p.Interested && !st.interested && floor > st.service {
			st.service = floor
		}
		if !st.inRound && st.role == choked && maxCredit > 0 {
			// First sighting: a random place in the optimistic queue.
			st.credit = time.Duration(c.cfg.Rand.Int64N(int64(maxCredit) + 1))
		}
	}
	return cands
}

// assign gives out regular, lent and optimistic slots and updates roles.
func (c *Choker) assign(t time.Time, cands []*candidate, seeding bool) {
	hold := c.cfg.OptimisticInterval
	regularOK := func(cd *candidate) bool {
		return !cd.placed && cd.p.Interested && (seeding || !cd.p.Snubbed)
	}
	roles := make(map[*candidate]role, len(cands))
	give := func(cd *candidate, r role) {
		cd.placed = true
		roles[cd] = r
	}

	// Regular slots earned by rate; ties go to the current regular holders,
	// then to other unchoked peers, then to the least served.
	earners := filter(cands, func(cd *candidate) bool { return regularOK(cd) && cd.rate > 0 })
	slices.SortFunc(earners, func(a, b *candidate) int {
		return cmp.Or(
			-cmp.Compare(a.rate, b.rate),
			preferTrue(a.was == regular, b.was == regular),
			preferTrue(a.was != choked, b.was != choked),
			cmp.Compare(a.st.service, b.st.service),
			cmp.Compare(a.tie, b.tie),
		)
	})
	for _, cd := range earners[:min(len(earners), c.cfg.RegularSlots)] {
		give(cd, regular)
	}
	free := c.cfg.RegularSlots - min(len(earners), c.cfg.RegularSlots)

	// Optimistic holders whose term is not over keep their slot.
	optFree := c.cfg.OptimisticSlots
	for _, cd := range cands {
		if optFree > 0 && !cd.placed && cd.p.Interested && cd.st.holds(optimistic, t, hold) {
			give(cd, optimistic)
			optFree--
		}
	}

	// Free regular slots are lent by least service time; borrowers hold
	// theirs for at least the optimistic interval.
	borrowers := filter(cands, regularOK)
	slices.SortFunc(borrowers, func(a, b *candidate) int {
		return cmp.Or(
			preferTrue(a.st.holds(lent, t, hold), b.st.holds(lent, t, hold)),
			cmp.Compare(a.st.service, b.st.service),
			preferTrue(a.was != choked, b.was != choked),
			cmp.Compare(a.tie, b.tie),
		)
	})
	for _, cd := range borrowers[:min(len(borrowers), free)] {
		give(cd, lent)
	}

	// Empty optimistic slots go to the longest (weighted) waiters; remote
	// waiters first while fewer than remoteSlots remote peers are placed.
	remotes := 0
	for _, cd := range cands {
		if cd.placed && cd.p.Remote {
			remotes++
		}
	}
	remoteFirst := !seeding && remotes < c.remoteSlots
	waiters := filter(cands, func(cd *candidate) bool { return !cd.placed && cd.p.Interested })
	slices.SortFunc(waiters, func(a, b *candidate) int {
		return cmp.Or(
			preferTrue(remoteFirst && a.p.Remote, remoteFirst && b.p.Remote),
			-cmp.Compare(a.st.credit, b.st.credit),
			cmp.Compare(a.tie, b.tie),
		)
	})
	for _, cd := range waiters[:min(len(waiters), optFree)] {
		give(cd, optimistic)
	}

	for _, cd := range cands {
		if r, ok := roles[cd]; ok {
			cd.st.unchoke(r, t, cd.p.Uploaded)
		} else {
			cd.st.role = choked
		}
	}
}

// filter returns the candidates for which keep is true, in order.
func filter(cands []*candidate, keep func(*candidate) bool) []*candidate {
	var out []*candidate
	for _, cd := range cands {
		if keep(cd) {
			out = append(out, cd)
		}
	}
	return out
}

// preferTrue orders true before false.
func preferTrue(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}
