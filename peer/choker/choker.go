package choker

import (
	"math"
	"slices"
	"time"
)

// PeerID identifies a connection to the Choker. The caller chooses it and
// must not reuse it for another connection without calling Forget first.
type PeerID uint32

// Peer is what a round needs to know about one connection.
type Peer struct {
	ID          PeerID
	Interested  bool      // the peer is interested in our pieces
	Snubbed     bool      // nothing received from it for 60 s while we had requests out
	Downloaded  int64     // cumulative payload bytes we received from it
	Uploaded    int64     // cumulative payload bytes we sent to it
	ConnectedAt time.Time // when the connection was established
	Pieces      int       // pieces it holds (seed turns go to the fewest first)
	Remote      bool      // another network than ours (Config.RemoteShare)
}

// Result is the full set of peers that should be unchoked after a round
// (Optimistic ⊆ Unchoked), each sorted ascending. Peers not listed should
// be choked.
type Result struct {
	Unchoked   []PeerID
	Optimistic []PeerID
}

// Snapshot is the choker state for display.
type Snapshot struct {
	NextRound  time.Time
	Unchoked   []PeerID
	Optimistic []PeerID
}

// Choker runs the choke rounds of one torrent. It is not safe for
// concurrent use; the torrent's event loop owns it.
type Choker struct {
	cfg         Config
	remoteSlots int       // slots remote peers may take from near ones (Config.RemoteShare)
	next        time.Time // grid time of the next round
	last        time.Time // grid time of the last round (zero before the first)
	peers       map[PeerID]*peerState
}

// New returns a Choker whose first round is due at now.
func New(cfg Config, now time.Time) *Choker {
	cfg = cfg.withDefaults(now)
	return &Choker{
		cfg:         cfg,
		remoteSlots: int(math.Ceil(cfg.RemoteShare * float64(cfg.RegularSlots+cfg.OptimisticSlots))),
		next:        now,
		peers:       make(map[PeerID]*peerState),
	}
}

// Due reports whether a round is due at now.
func (c *Choker) Due(now time.Time) bool { return !now.Before(c.next) }

// NextRound returns the time the next round is due.
func (c *Choker) NextRound() time.Time { return c.next }

// Unchoked reports whether id is currently unchoked.
func (c *Choker) Unchoked(id PeerID) bool {
	st := c.peers[id]
	return st != nil && st.role != choked
}

// Forget drops all state of a disconnected peer; its slot becomes free.
func (c *Choker) Forget(id PeerID) { delete(c.peers, id) }

// Snapshot returns the current state for display.
func (c *Choker) Snapshot() Snapshot {
	r := c.result()
	return Snapshot{NextRound: c.next, Unchoked: r.Unchoked, Optimistic: r.Optimistic}
}

// result builds the current Result from the peers' roles.
func (c *Choker) result() Result {
	var r Result
	for id, st := range c.peers {
		if st.role == choked {
			continue
		}
		r.Unchoked = append(r.Unchoked, id)
		if st.role == optimistic {
			r.Optimistic = append(r.Optimistic, id)
		}
	}
	slices.Sort(r.Unchoked)
	slices.Sort(r.Optimistic)
	return r
}

// findPeer returns the entry for id in peers.
func findPeer(peers []Peer, id PeerID) (Peer, bool) {
	for _, p := range peers {
		if p.ID == id {
			return p, true
		}
	}
	return Peer{}, false
}

// unchokedCount counts the peers in peers that are unchoked, except skip.
func (c *Choker) unchokedCount(peers []Peer, skip PeerID) int {
	n := 0
	for _, p := range peers {
		if p.ID != skip && c.Unchoked(p.ID) {
			n++
		}
	}
	return n
}
