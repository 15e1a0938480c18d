package choker

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testRand() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

// sim drives a Choker the way the engine does: a 1 s ticker that calls
// Round on every tick, with peers' counters growing at fixed rates.
type sim struct {
	t       *testing.T
	c       *Choker
	now     time.Time
	peers   []Peer
	seeding bool
	down    map[PeerID]int64 // bytes/s each peer sends us
	up      map[PeerID]int64 // bytes/s we send each peer while it is unchoked

	last       Result
	unchoked   map[PeerID]time.Duration // total unchoked time
	optimistic map[PeerID]int           // times it entered the optimistic set
	rounds     int
}

func newSim(t *testing.T, cfg Config, peers []Peer) *sim {
	t.Helper()
	if cfg.Rand == nil {
		cfg.Rand = testRand()
	}
	return &sim{
		t: t, c: New(cfg, t0), now: t0, peers: peers,
		down: map[PeerID]int64{}, up: map[PeerID]int64{},
		unchoked: map[PeerID]time.Duration{}, optimistic: map[PeerID]int{},
	}
}

// idlePeers returns n interested peers with IDs from first, connected at at.
func idlePeers(first PeerID, n int, at time.Time) []Peer {
	var ps []Peer
	for i := range n {
		ps = append(ps, Peer{ID: first + PeerID(i), Interested: true, ConnectedAt: at})
	}
	return ps
}

// run ticks every second for d. onRound, if not nil, sees every round result.
func (s *sim) run(d time.Duration, onRound func(now time.Time, r Result)) {
	s.t.Helper()
	const tick = time.Second
	for end := s.now.Add(d); s.now.Before(end); s.now = s.now.Add(tick) {
		due := s.c.Due(s.now)
		r := s.c.Round(s.now, s.peers, s.seeding)
		if due {
			s.rounds++
			for _, id := range r.Optimistic {
				if !slices.Contains(s.last.Optimistic, id) {
					s.optimistic[id]++
				}
			}
			if onRound != nil {
				onRound(s.now, r)
			}
		} else if !equalResult(r, s.last) {
			s.t.Fatalf("%v: off-boundary Round changed the result: %v -> %v", s.now.Sub(t0), s.last, r)
		}
		s.last = r
		for i := range s.peers {
			p := &s.peers[i]
			p.Downloaded += s.down[p.ID] * int64(tick/time.Second)
			if slices.Contains(r.Unchoked, p.ID) {
				s.unchoked[p.ID] += tick
				p.Uploaded += s.up[p.ID] * int64(tick/time.Second)
			}
		}
	}
}

func equalResult(a, b Result) bool {
	return slices.Equal(a.Unchoked, b.Unchoked) && slices.Equal(a.Optimistic, b.Optimistic)
}

// regularSet is Unchoked minus Optimistic.
func regularSet(r Result) []PeerID {
	var out []PeerID
	for _, id := range r.Unchoked {
		if !slices.Contains(r.Optimistic, id) {
			out = append(out, id)
		}
	}
	return out
}

// checkFair fails unless every listed peer's unchoked time is within tol
// (a fraction) of their mean.
func checkFair(t *testing.T, times map[PeerID]time.Duration, ids []PeerID, tol float64) {
	t.Helper()
	var sum time.Duration
	for _, id := range ids {
		sum += times[id]
	}
	mean := float64(sum) / float64(len(ids))
	if mean == 0 {
		t.Fatal("nobody was unchoked")
	}
	lo, hi := time.Duration(mean), time.Duration(0)
	for _, id := range ids {
		d := float64(times[id])
		if d < mean*(1-tol) || d > mean*(1+tol) {
			t.Errorf("peer %d unchoked %v, mean %v (±%.0f%%)", id, times[id], time.Duration(mean), tol*100)
		}
		lo, hi = min(lo, times[id]), max(hi, times[id])
	}
	t.Logf("unchoked time: mean %v, min %v, max %v", time.Duration(mean), lo, hi)
}

func ids(ps []Peer) []PeerID {
	var out []PeerID
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}
