package choker

import (
	"testing"
	"time"
)

// A remote peer that becomes interested while near peers fill every slot
// takes the lent slot of the near peer served longest; a second remote
// peer does not (one remote slot), and nothing happens without the option
// or while seeding.
func TestOnRemoteInterested(t *testing.T) {
	fill := func(cfg Config) (*Choker, []Peer, time.Time) {
		c := New(cfg, t0)
		var peers []Peer
		for id := PeerID(1); id <= 4; id++ {
			peers = append(peers, Peer{ID: id, ConnectedAt: t0})
		}
		peers = append(peers, Peer{ID: 5, ConnectedAt: t0, Remote: true}, Peer{ID: 6, ConnectedAt: t0, Remote: true})
		c.Round(t0, peers, false)
		// Near peers 1..4 take the four slots one second apart: peer 1
		// has been served longest.
		now := t0
		for i := range 4 {
			now = t0.Add(time.Duration(i+1) * time.Second)
			peers[i].Interested = true
			if !c.OnInterested(now, peers, peers[i].ID, false) {
				t.Fatalf("near peer %d not unchoked with a free slot", peers[i].ID)
			}
		}
		now = now.Add(time.Second)
		peers[4].Interested, peers[5].Interested = true, true
		if c.OnInterested(now, peers, 5, false) {
			t.Fatal("remote peer took a fifth slot")
		}
		return c, peers, now
	}

	c, peers, now := fill(Config{Rand: testRand(), RemoteShare: 0.25})
	out, ok := c.OnRemoteInterested(now, peers, 5, false)
	if !ok || out != 1 || c.Unchoked(1) || !c.Unchoked(5) {
		t.Fatalf("remote peer 5: choke %d ok %v; unchoked 1 %v, 5 %v; want peer 1 choked for it", out, ok, c.Unchoked(1), c.Unchoked(5))
	}
	if _, ok := c.OnRemoteInterested(now, peers, 6, false); ok || c.Unchoked(6) {
		t.Fatal("a second remote peer took a slot with one remote slot")
	}
	if _, ok := c.OnRemoteInterested(now, peers, 2, false); ok {
		t.Fatal("a near peer took a slot as remote")
	}
	if got := len(c.Snapshot().Unchoked); got != 4 {
		t.Fatalf("%d unchoked after the swap, want 4", got)
	}

	c, peers, now = fill(Config{Rand: testRand()})
	if _, ok := c.OnRemoteInterested(now, peers, 5, false); ok || c.Unchoked(5) {
		t.Fatal("remote peer took a slot without RemoteShare")
	}
	c, peers, now = fill(Config{Rand: testRand(), RemoteShare: 0.25})
	if _, ok := c.OnRemoteInterested(now, peers, 5, true); ok {
		t.Fatal("remote slot taken while seeding")
	}
}

// Regular slots earned by rate are never taken for a remote peer.
func TestRemoteSlotSparesEarners(t *testing.T) {
	c := New(Config{Rand: testRand(), RemoteShare: 0.25, OptimisticSlots: NoSlots}, t0)
	peers := idlePeers(1, 3, t0)
	peers = append(peers, Peer{ID: 4, ConnectedAt: t0, Remote: true})
	c.Round(t0, peers, false)
	for i := range 3 {
		peers[i].Downloaded = int64(i+1) << 20
	}
	now := t0.Add(10 * time.Second)
	c.Round(now, peers, false) // 1..3 earn the three regular slots
	peers[3].Interested = true
	if _, ok := c.OnRemoteInterested(now.Add(time.Second), peers, 4, false); ok || c.Unchoked(4) {
		t.Fatal("remote peer took a slot earned by rate")
	}
}

// At a round, an empty optimistic slot goes to a remote waiter before near
// waiters that have waited longer, while no remote peer is unchoked.
func TestRoundOptimisticRemoteFirst(t *testing.T) {
	for _, share := range []float64{0, 0.25} {
		c := New(Config{Rand: testRand(), RemoteShare: share, RegularSlots: NoSlots, OptimisticInterval: time.Second}, t0)
		peers := idlePeers(1, 4, t0)
		peers = append(peers, Peer{ID: 5, ConnectedAt: t0.Add(9 * time.Second), Interested: true, Remote: true})
		c.Round(t0, peers[:4], false) // the near peers start waiting first
		r := c.Round(t0.Add(10*time.Second), peers, false)
		got := c.Unchoked(5)
		if want := share > 0; got != want {
			t.Fatalf("RemoteShare %v: remote waiter unchoked %v, want %v (%v)", share, got, want, r)
		}
	}
}
