package choker

import (
	"testing"
	"time"
)

func TestOnInterested(t *testing.T) {
	c := New(Config{Rand: testRand()}, t0)
	peers := idlePeers(1, 2, t0)
	peers = append(peers, Peer{ID: 3, ConnectedAt: t0}, Peer{ID: 4, ConnectedAt: t0},
		Peer{ID: 5, ConnectedAt: t0}, Peer{ID: 6, ConnectedAt: t0, Snubbed: true})
	r := c.Round(t0, peers, false)
	if len(r.Unchoked) != 2 {
		t.Fatalf("first round %v", r)
	}
	now := t0.Add(3 * time.Second)
	// Two slots are free: peers 3 and 4 take them at once.
	for _, id := range []PeerID{3, 4} {
		peers[id-1].Interested = true
		if !c.OnInterested(now, peers, id, false) || !c.Unchoked(id) {
			t.Fatalf("peer %d not unchoked with a free slot", id)
		}
	}
	if !c.OnInterested(now, peers, 3, false) {
		t.Fatal("already unchoked peer reported choked")
	}
	// All 4 slots are taken now.
	peers[4].Interested = true
	if c.OnInterested(now, peers, 5, false) || c.Unchoked(5) {
		t.Fatal("peer 5 unchoked with no free slot")
	}
	if c.Due(now) {
		t.Fatal("OnInterested moved the round schedule")
	}
	if got := len(c.Snapshot().Unchoked); got != 4 {
		t.Fatalf("snapshot has %d unchoked", got)
	}
	// A snubbed peer does not take a free slot while leeching, but does
	// while seeding.
	c.Forget(1)
	peers[5].Interested = true
	if c.OnInterested(now, peers[1:], 6, false) {
		t.Fatal("snubbed peer took a free slot while leeching")
	}
	if !c.OnInterested(now, peers[1:], 6, true) {
		t.Fatal("snubbed peer did not take a free slot while seeding")
	}
	// At the next round the fast unchokes count as unchoked (they are
	// held), and the set is recomputed normally.
	r = c.Round(t0.Add(10*time.Second), peers[1:], false)
	for _, id := range []PeerID{3, 4} {
		if !c.Unchoked(id) {
			t.Fatalf("fast-unchoked peer %d dropped at the next round: %v", id, r)
		}
	}
	if len(r.Unchoked) != 4 {
		t.Fatalf("after round: %v", r)
	}
}

func TestOnInterestedUnknownPeer(t *testing.T) {
	c := New(Config{Rand: testRand()}, t0)
	if c.OnInterested(t0, nil, 7, false) {
		t.Fatal("peer missing from the list was unchoked")
	}
	peers := []Peer{{ID: 7, Interested: true, ConnectedAt: t0}}
	if !c.OnInterested(t0, peers, 7, false) {
		t.Fatal("first-seen peer not unchoked")
	}
	if r := c.Round(t0, peers, false); len(r.Unchoked) != 1 {
		t.Fatalf("round after OnInterested: %v", r)
	}
}
