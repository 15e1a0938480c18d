package choker

import "time"

// role is why a peer is unchoked, or choked.
type role uint8

const (
	choked     role = iota
	regular         // earned by rate
	lent            // a free regular slot, given out by least service time
	optimistic      // the optimistic slot
)

// peerState is what the Choker remembers about one peer between rounds.
type peerState struct {
	role      role
	roleSince time.Time     // when the peer got its current role
	accounted time.Time     // service time is counted up to here
	service   time.Duration // accumulated unchoked time
	sentFrom  int64         // Peer.Uploaded when the current unchoked stretch began
	credit    time.Duration // weighted wait in the optimistic queue
	// inRound: the peer was in the peer list of the last round.
	inRound bool
	// interested: the peer was interested at the last round.
	interested bool
	samples    []sample // transfer counters at past rounds, oldest first
}

// unchoke gives st role r at time t, starting a new unchoked stretch if it
// was choked; uploaded is the peer's Peer.Uploaded at t.
func (st *peerState) unchoke(r role, t time.Time, uploaded int64) {
	if st.role == choked {
		st.accounted = t
		st.credit = 0
		st.sentFrom = uploaded
	}
	if st.role != r {
		st.roleSince = t
	}
	st.role = r
}

// account adds the unchoked time up to now to st's service time; st must
// be unchoked.
func (st *peerState) account(now time.Time) {
	if now.After(st.accounted) {
		st.service += now.Sub(st.accounted)
	}
	st.accounted = now
}

// choke ends st's unchoked stretch at now, counting its service time.
func (st *peerState) choke(now time.Time) {
	st.account(now)
	st.role = choked
}

// holds reports whether st has held role r for less than d at t.
func (st *peerState) holds(r role, t time.Time, d time.Duration) bool {
	return st.role == r && t.Sub(st.roleSince) < d
}

// weightedWait is the optimistic-queue credit earned by waiting choked from
// a to b: time while the connection is younger than window counts weight
// times.
func weightedWait(a, b, connectedAt time.Time, window time.Duration, weight int) time.Duration {
	if !b.After(a) {
		return 0
	}
	total := b.Sub(a)
	young := min(max(connectedAt.Add(window).Sub(a), 0), total)
	return total + young*time.Duration(weight-1)
}
