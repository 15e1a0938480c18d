package choker

import (
	"testing"
	"time"
)

// A peer that loses interest gives its slot up at once, and Lend hands the
// slot to the least served waiting peer (never a snubbed one while leeching);
// the round schedule does not move.
func TestNotInterestedFreesSlot(t *testing.T) {
	c := New(Config{Rand: testRand()}, t0)
	var peers []Peer
	for id := PeerID(1); id <= 6; id++ {
		peers = append(peers, Peer{ID: id, Interested: id <= 4, ConnectedAt: t0})
	}
	r := c.Round(t0, peers, false)
	if len(r.Unchoked) != 4 {
		t.Fatalf("first round unchoked %v, want 4", r.Unchoked)
	}
	now := t0.Add(2 * time.Second)
	peers[4].Interested, peers[5].Interested, peers[5].Snubbed = true, true, true
	if got := c.Lend(now, peers, false); len(got) != 0 {
		t.Fatalf("lent %v with every slot taken", got)
	}
	if c.OnNotInterested(now, 5) {
		t.Fatal("a choked peer was choked again")
	}
	peers[0].Interested = false
	if !c.OnNotInterested(now, 1) || c.Unchoked(1) {
		t.Fatal("uninterested peer 1 kept its slot")
	}
	if got := c.Lend(now, peers, false); len(got) != 1 || got[0] != 5 || !c.Unchoked(5) {
		t.Fatalf("lent %v, want [5] (6 is snubbed)", got)
	}
	if c.Due(now) {
		t.Fatal("the round schedule moved")
	}
	// Peer 1 was served 2 s; a peer with none yet goes first next time.
	peers[1].Interested = false
	c.OnNotInterested(now.Add(time.Second), 2)
	peers[0].Interested = true
	if got := c.Lend(now.Add(time.Second), peers, true); len(got) != 1 || got[0] != 6 {
		t.Fatalf("seeding: lent %v, want [6] (never served, snubbing ignored)", got)
	}
	if st := c.peers[1]; st.service != 2*time.Second {
		t.Fatalf("peer 1 service %v, want 2s", st.service)
	}
}
